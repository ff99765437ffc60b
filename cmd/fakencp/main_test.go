package main

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/internal/testenv"
)

func TestParseFlags(t *testing.T) {
	env := func(secret string) func(string) string {
		return func(name string) string {
			if name == secretKeyEnv {
				return secret
			}
			return ""
		}
	}
	tests := []struct {
		name      string
		args      []string
		envSecret string
		wantErr   string
		check     func(*testing.T, config)
	}{
		{name: "defaults", args: []string{"--access-key", "AK", "--secret-key", "SK"}, check: func(t *testing.T, c config) {
			if c.listen != "127.0.0.1:18080" || c.withOrganization || c.companyIDs != nil || c.undocumentedErrors {
				t.Errorf("config = %+v", c)
			}
		}},
		{name: "companies repeated and comma-separated", args: []string{"--access-key", "AK", "--secret-key", "SK", "--company-id", "c1,c2", "--company-id", " c3 ,"}, check: func(t *testing.T, c config) {
			if diff := cmp.Diff([]string{"c1", "c2", "c3"}, c.companyIDs); diff != "" {
				t.Errorf("companies (-want +got):\n%s", diff)
			}
		}},
		{name: "secret from the environment", args: []string{"--access-key", "AK"}, envSecret: "from-env", check: func(t *testing.T, c config) {
			if c.secretKey != "from-env" {
				t.Errorf("secretKey = %q", c.secretKey)
			}
		}},
		{name: "flag beats the environment", args: []string{"--access-key", "AK", "--secret-key", "flag"}, envSecret: "env", check: func(t *testing.T, c config) {
			if c.secretKey != "flag" {
				t.Errorf("secretKey = %q", c.secretKey)
			}
		}},
		{name: "faults", args: []string{"--access-key", "AK", "--secret-key", "SK", "--latency", "20ms", "--throttle-fraction", "0.25",
			"--unavailable-fraction", "0.5", "--rate-limit", "3", "--retry-after", "2s", "--with-organization"}, check: func(t *testing.T, c config) {
			f := c.faults
			if f.Latency != 20*time.Millisecond || f.ThrottleFraction != 0.25 || f.UnavailableFraction != 0.5 || f.RateLimit != 3 || f.RetryAfter != 2*time.Second || !c.withOrganization {
				t.Errorf("config = %+v", c)
			}
		}},
		{name: "undocumented errors", args: []string{"--access-key", "AK", "--secret-key", "SK", "--undocumented-errors"}, check: func(t *testing.T, c config) {
			if !c.undocumentedErrors {
				t.Errorf("config = %+v", c)
			}
		}},
		{name: "no access key", args: []string{"--secret-key", "SK"}, wantErr: "--access-key is required"},
		{name: "no secret key", args: []string{"--access-key", "AK"}, wantErr: "--secret-key or $FAKENCP_SECRET_KEY is required"},
		{name: "fraction above 1", args: []string{"--access-key", "AK", "--secret-key", "SK", "--throttle-fraction", "2"}, wantErr: "between 0 and 1"},
		{name: "negative rate", args: []string{"--access-key", "AK", "--secret-key", "SK", "--rate-limit", "-1"}, wantErr: "must not be negative"},
		{name: "stray argument", args: []string{"--access-key", "AK", "--secret-key", "SK", "extra"}, wantErr: "unexpected arguments: extra"},
		{name: "unknown flag", args: []string{"--nope"}, wantErr: "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parseFlags(tt.args, env(tt.envSecret), io.Discard)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, cfg)
		})
	}
}

// TestBinary builds the real command, runs it on a free port and talks to it with signed requests.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "fakencp")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	seed := filepath.Join(dir, "seed.json")
	if err := os.WriteFile(seed, []byte(`{"companies":{"c1":[
		{"deptExternalKey":"sales","name":"Sales","parentDeptExternalKey":"#","dispOrd":"1"}]}}`), 0o600); err != nil {
		t.Fatal(err)
	}

	const accessKey, secretKey = "AKBINARY", "binary-secret"
	cmd := exec.Command(bin, "--listen", "127.0.0.1:0", "--access-key", accessKey,
		"--company-id", "c1,c2", "--with-organization", "--seed-file", seed)
	cmd.Env = append(os.Environ(), secretKeyEnv+"="+secretKey)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr testenv.LogBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines, exited := make(chan string, 1), make(chan error, 1)
	go func() {
		// One reader: the first line, then the rest drained so the process never blocks writing.
		r := bufio.NewReader(stdout)
		line, _ := r.ReadString('\n')
		lines <- line
		_, _ = io.Copy(io.Discard, r)
		exited <- cmd.Wait()
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	baseURL := readListenURL(t, lines, &stderr)

	now := time.Now()
	tests := []struct {
		name      string
		uri       string
		accessKey string
		secretKey string
		at        time.Time
		status    int
	}{
		{"right secret", "/organization/apigw/v2/company/c1/department?offset=0&limit=10", accessKey, secretKey, now, 200},
		{"seeded department", "/organization/apigw/v2/company/c1/department/sales", accessKey, secretKey, now, 200},
		{"second company", "/organization/apigw/v2/company/c2/department", accessKey, secretKey, now, 200},
		{"unknown company", "/organization/apigw/v2/company/c3/department", accessKey, secretKey, now, 404},
		{"with organization", "/open-api/v1/org", accessKey, secretKey, now, 200},
		{"wrong secret", "/organization/apigw/v2/company/c1/department", accessKey, "wrong", now, 401},
		{"unknown access key", "/organization/apigw/v2/company/c1/department", "AKUNKNOWN", secretKey, now, 401},
		{"6 minutes old", "/organization/apigw/v2/company/c1/department", accessKey, secretKey, now.Add(-6 * time.Minute), 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, baseURL+tt.uri, nil)
			if err != nil {
				t.Fatal(err)
			}
			timestamp := strconv.FormatInt(tt.at.UnixMilli(), 10)
			req.Header.Set("x-ncp-apigw-timestamp", timestamp)
			req.Header.Set("x-ncp-iam-access-key", tt.accessKey)
			req.Header.Set("x-ncp-apigw-signature-v2", sign(tt.secretKey, http.MethodGet, req.URL.RequestURI(), timestamp, tt.accessKey))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Errorf("status = %d, want %d; body %s", resp.StatusCode, tt.status, body)
			}
			if tt.status == 401 && !strings.Contains(string(body), `"errorCode":"200"`) {
				t.Errorf("401 body = %s, want the gateway shape", body)
			}
		})
	}

	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("exit after SIGINT: %v; stderr:\n%s", err, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("still running 15s after SIGINT; stderr:\n%s", stderr.String())
	}

	logged := stderr.String()
	for _, want := range []string{
		"GET /organization/apigw/v2/company/c1/department 200",
		"GET /organization/apigw/v2/company/c1/department 401",
		"GET /open-api/v1/org 200",
	} {
		if !strings.Contains(logged, want) {
			t.Errorf("stderr lacks %q:\n%s", want, logged)
		}
	}
	for _, secret := range []string{secretKey, "x-ncp-apigw-signature-v2", "signature"} {
		if strings.Contains(logged, secret) {
			t.Errorf("stderr leaks %q:\n%s", secret, logged)
		}
	}
}

// readListenURL returns the URL announced by the first stdout line.
func readListenURL(t *testing.T, lines <-chan string, stderr *testenv.LogBuffer) string {
	t.Helper()
	select {
	case line := <-lines:
		url, ok := strings.CutPrefix(strings.TrimSpace(line), "fakencp listening on ")
		if !ok || !strings.HasPrefix(url, "http://127.0.0.1:") {
			t.Fatalf("first stdout line = %q; stderr:\n%s", line, stderr.String())
		}
		return url
	case <-time.After(30 * time.Second):
		t.Fatalf("fakencp printed no URL within 30s; stderr:\n%s", stderr.String())
	}
	return ""
}

// sign computes signature v2 as an NCP client does.
func sign(secretKey, method, requestURI, timestamp, accessKey string) string {
	mac := hmac.New(sha256.New, []byte(secretKey))
	_, _ = io.WriteString(mac, method+" "+requestURI+"\n"+timestamp+"\n"+accessKey) // a hash never fails to write
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// lineWriter hands the lines written to it to a channel.
type lineWriter chan string

func (w lineWriter) Write(p []byte) (int, error) {
	w <- string(p)
	return len(p), nil
}

// TestRunUndocumentedErrors serves in-process with --undocumented-errors and without, and reads
// the answer for a department that does not exist.
func TestRunUndocumentedErrors(t *testing.T) {
	tests := []struct {
		args     []string
		status   int
		wantBody string
	}{
		{nil, http.StatusNotFound, `"code":-4040`},
		{[]string{"--undocumented-errors"}, http.StatusBadRequest,
			`{"status":400,"code":-9999,"errors":[],"message":"알 수 없는 오류가 발생했습니다"}`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(append([]string{"flags"}, tt.args...), " "), func(t *testing.T) {
			const accessKey, secretKey = "AKRUN", "run-secret"
			args := append([]string{"--listen", "127.0.0.1:0", "--access-key", accessKey, "--secret-key", secretKey, "--company-id", "c1"}, tt.args...)
			cfg, err := parseFlags(args, func(string) string { return "" }, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			lines, stderr := make(lineWriter, 1), &testenv.LogBuffer{}
			done := make(chan error, 1)
			go func() { done <- run(ctx, cfg, lines, stderr) }()
			defer func() {
				cancel()
				if err := <-done; err != nil {
					t.Errorf("run: %v", err)
				}
			}()
			baseURL := readListenURL(t, lines, stderr)

			uri := "/organization/apigw/v2/company/c1/department/ghost"
			req, err := http.NewRequest(http.MethodGet, baseURL+uri, nil)
			if err != nil {
				t.Fatal(err)
			}
			timestamp := strconv.FormatInt(time.Now().UnixMilli(), 10)
			req.Header.Set("x-ncp-apigw-timestamp", timestamp)
			req.Header.Set("x-ncp-iam-access-key", accessKey)
			req.Header.Set("x-ncp-apigw-signature-v2", sign(secretKey, http.MethodGet, uri, timestamp, accessKey))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status || !strings.Contains(string(body), tt.wantBody) {
				t.Errorf("answer %d %s, want %d with %s", resp.StatusCode, body, tt.status, tt.wantBody)
			}
		})
	}
}
