package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orgsync/orgsync/internal/huaweicloud"
	"github.com/orgsync/orgsync/internal/testenv"
)

func TestParseFlags(t *testing.T) {
	env := map[string]string{clientSecretEnv: "env-client-secret", secretKeyEnv: "env-sk"}
	getenv := func(k string) string { return env[k] }
	required := []string{"--client-id", "app", "--client-secret", "cs", "--access-key", "AK", "--secret-key", "SK"}
	tests := []struct {
		name    string
		args    []string
		getenv  func(string) string
		wantErr string
	}{
		{name: "all flags", args: append(required, "--token-ttl", "5m", "--listen", "127.0.0.1:0", "--undocumented-errors")},
		{name: "secrets from the environment", args: []string{"--client-id", "app", "--access-key", "AK"}, getenv: getenv},
		{name: "no client id", args: required[2:], wantErr: "--client-id"},
		{name: "no secret key", args: required[:6], wantErr: "--secret-key"},
		{name: "tiny token ttl", args: append(required, "--token-ttl", "10ms"), wantErr: "--token-ttl"},
		{name: "bad fraction", args: append(required, "--throttle-fraction", "3"), wantErr: "between 0 and 1"},
		{name: "stray argument", args: append(required, "extra"), wantErr: "unexpected arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := tt.getenv
			if g == nil {
				g = func(string) string { return "" }
			}
			opts, _, err := parseFlags(tt.args, g, io.Discard)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || opts.ClientSecret == "" || opts.SecretKey == "" {
				t.Fatalf("opts = %+v, err = %v", opts, err)
			}
			if want := slices.Contains(tt.args, "--undocumented-errors"); opts.UndocumentedErrors != want {
				t.Errorf("UndocumentedErrors = %v, want %v", opts.UndocumentedErrors, want)
			}
		})
	}
}

// TestServe runs the server as main does, drives both APIs with the real clients and shuts down.
func TestServe(t *testing.T) {
	opts, listen, err := parseFlags([]string{"--listen", "127.0.0.1:0", "--client-id", "app", "--client-secret", "cs-TOP-SECRET",
		"--access-key", "AK", "--secret-key", "sk-TOP-SECRET"}, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stdoutR, stdoutW := io.Pipe()
	var stderr testenv.LogBuffer
	done := make(chan error, 1)
	go func() { done <- serve(ctx, opts, listen, stdoutW, &stderr); stdoutW.Close() }()
	line, err := bufio.NewReader(stdoutR).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = io.Copy(io.Discard, stdoutR) }()
	base, ok := strings.CutPrefix(strings.TrimSpace(line), "fakehuawei listening on ")
	if !ok || !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Fatalf("first line = %q", line)
	}

	one, _ := huaweicloud.NewOneAccess(huaweicloud.OneAccessConfig{Endpoint: base, ClientID: "app", ClientSecret: "cs-TOP-SECRET"})
	if _, err := one.CreateOrgUnit(ctx, huaweicloud.OrgUnit{Code: "sales", Name: "Sales"}); err != nil {
		t.Fatal(err)
	}
	orgs, _ := huaweicloud.NewOrganizations(huaweicloud.OrganizationsConfig{Endpoint: base,
		Credentials: huaweicloud.Credentials{AccessKey: "AK", SecretKey: "sk-TOP-SECRET"}})
	if _, err := orgs.CreateOrganization(ctx); err != nil {
		t.Fatal(err)
	}
	resp, err := http.PostForm(base+"/api/v2/tenant/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {"app"}, "client_secret": {"nope"}})
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]string
	_ = json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if resp.StatusCode != 400 || body["error_code"] == "" || body["error_msg"] == "" {
		t.Errorf("wrong client secret: %d %v, want 400 with error_code and error_msg", resp.StatusCode, body)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no shutdown within 15s")
	}
	logged := stderr.String()
	for _, want := range []string{"POST /api/v2/tenant/organizations 201", "POST /v1/organizations 201", "POST /api/v2/tenant/token 400", "shutting down"} {
		if !strings.Contains(logged, want) {
			t.Errorf("log lacks %q:\n%s", want, logged)
		}
	}
	for _, secret := range []string{"cs-TOP-SECRET", "sk-TOP-SECRET", "Bearer", "SDK-HMAC"} {
		if strings.Contains(logged, secret) {
			t.Errorf("log leaks %q", secret)
		}
	}
}

func TestServeUndocumentedErrors(t *testing.T) {
	opts, listen, err := parseFlags([]string{"--listen", "127.0.0.1:0", "--client-id", "app", "--client-secret", "cs",
		"--access-key", "AK", "--secret-key", "sk", "--undocumented-errors"}, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stdoutR, stdoutW := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- serve(ctx, opts, listen, stdoutW, io.Discard); stdoutW.Close() }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	line, err := bufio.NewReader(stdoutR).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = io.Copy(io.Discard, stdoutR) }()
	base := strings.TrimPrefix(strings.TrimSpace(line), "fakehuawei listening on ")

	one, _ := huaweicloud.NewOneAccess(huaweicloud.OneAccessConfig{Endpoint: base, ClientID: "app", ClientSecret: "cs"})
	_, err = one.GetOrgUnit(ctx, "missing")
	var apiErr *huaweicloud.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || apiErr.Code != "ORG.9999" || errors.Is(err, huaweicloud.ErrNotFound) {
		t.Errorf("GET of a missing unit: %v, want 400 ORG.9999, not ErrNotFound", err)
	}
}
