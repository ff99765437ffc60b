package ncp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/orgsync/orgsync/internal/clienttest"
	"github.com/orgsync/orgsync/internal/httpretry"
)

// TestNewEndpoints: New applies httpretry.ParseEndpoint (TestParseEndpoint holds the rule's cases)
// to both endpoints.
func TestNewEndpoints(t *testing.T) {
	refused := map[string]bool{
		"http://127.0.0.1:8080/prefix/": false,
		"http://example.com":            true,
		"https://user:pass@example.com": true,
	}
	newWith := func(set func(cfg *Config, endpoint string)) func(string) error {
		return func(endpoint string) error {
			cfg := testConfig("")
			set(&cfg, endpoint)
			_, err := New(cfg)
			return err
		}
	}
	clienttest.CheckEndpoints(t, "New with WorkplaceEndpoint", refused,
		newWith(func(cfg *Config, endpoint string) { cfg.WorkplaceEndpoint = endpoint }))
	clienttest.CheckEndpoints(t, "New with OrganizationEndpoint", refused,
		newWith(func(cfg *Config, endpoint string) { cfg.OrganizationEndpoint = endpoint }))
}

func TestNewSites(t *testing.T) {
	tests := []struct {
		site                    Site
		workplace, organization string
	}{
		{"", "https://workplace.apigw.ntruss.com", "https://organization.apigw.ntruss.com"},
		{SitePublic, "https://workplace.apigw.ntruss.com", "https://organization.apigw.ntruss.com"},
		{SiteFin, "https://workplace.apigw.fin-ntruss.com", "https://organization.apigw.fin-ntruss.com"},
		{SiteGov, "https://workplace.apigw.gov-ntruss.com", "https://organization.apigw.gov-ntruss.com"},
	}
	for _, tt := range tests {
		c, err := New(Config{Credentials: Credentials{AccessKey: "AK", SecretKey: "SK"}, Site: tt.site})
		if err != nil {
			t.Fatalf("site %q: %v", tt.site, err)
		}
		if c.workplaceBase.String() != tt.workplace || c.organizationBase.String() != tt.organization {
			t.Errorf("site %q: hosts %s and %s, want %s and %s", tt.site, c.workplaceBase, c.organizationBase, tt.workplace, tt.organization)
		}
	}
	if _, err := New(Config{Credentials: Credentials{AccessKey: "AK", SecretKey: "SK"}, Site: "moon"}); err == nil {
		t.Fatal("unknown site accepted")
	}
}

func TestNewValidation(t *testing.T) {
	valid := func() Config { return Config{Credentials: Credentials{AccessKey: "AK", SecretKey: "SK"}} }
	tests := []struct {
		name   string
		mutate func(*Config)
	}{
		{"no access key", func(c *Config) { c.Credentials.AccessKey = "" }},
		{"no secret key", func(c *Config) { c.Credentials.SecretKey = "" }},
		{"negative timeout", func(c *Config) { c.RequestTimeout = -time.Second }},
		{"negative QPS", func(c *Config) { c.QPS = -1 }},
		{"negative attempts", func(c *Config) { c.MaxAttempts = -1 }},
		{"page size over 100", func(c *Config) { c.ListPageSize = 101 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid()
			tt.mutate(&cfg)
			if _, err := New(cfg); err == nil {
				t.Fatal("New accepted an invalid Config")
			}
		})
	}
}

func TestNewDefaults(t *testing.T) {
	c, err := New(Config{Credentials: Credentials{AccessKey: "AK", SecretKey: "SK"}})
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"RequestTimeout", c.retry.RequestTimeout, 30 * time.Second},
		{"MaxAttempts", c.retry.MaxAttempts, 5},
		{"MaxRetryDuration", c.retry.MaxRetryDuration, 2 * time.Minute},
		{"BaseBackoff", c.retry.BaseBackoff, 200 * time.Millisecond},
		{"MaxBackoff", c.retry.MaxBackoff, 10 * time.Second},
		{"ListPageSize", c.listPageSize, 100},
		{"QPS", c.retry.Limiter.Limit(), rate.Limit(10)},
		{"Burst", c.retry.Limiter.Burst(), 20},
		{"UserAgent", c.userAgent, DefaultUserAgent},
		{"HTTP client timeout", c.httpClient.Timeout, time.Duration(0)},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %v, want %v", ch.name, ch.got, ch.want)
		}
	}
	if c.httpClient.CheckRedirect == nil {
		t.Error("default HTTP client follows redirects")
	}
	other, _ := New(Config{Credentials: Credentials{AccessKey: "AK", SecretKey: "SK"}})
	if other.httpClient == c.httpClient || other.retry.Limiter == c.retry.Limiter {
		t.Error("clients built without an HTTPClient or Limiter share package-level ones")
	}
	shared := httpretry.NewThrottle(rate.NewLimiter(1, 1))
	c, _ = New(Config{Credentials: Credentials{AccessKey: "AK", SecretKey: "SK"}, Options: httpretry.Options{Limiter: shared, QPS: 99}})
	if c.Limiter() != shared {
		t.Error("the configured Limiter was not used as-is")
	}
}

// TestSecretsNeverFormatted formats everything that holds or reports on
// credentials with every common verb and checks no secret comes out.
func TestSecretsNeverFormatted(t *testing.T) {
	srv := newScriptServer(t, status(401, `{"error":{"errorCode":"200","message":"Authentication Failed"}}`))
	cfg := testConfig(srv.URL)
	cfg.Credentials.APIGatewayKey = testGatewayKey
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, callErr := c.GetDepartment(context.Background(), "c1", "d1")
	if callErr == nil {
		t.Fatal("want an error from the 401")
	}
	var apiErr *APIError
	errors.As(callErr, &apiErr)
	badCfg := cfg
	badCfg.WorkplaceEndpoint = "http://example.com"
	_, newErr := New(badCfg)

	values := map[string]any{
		"Credentials":  cfg.Credentials,
		"*Credentials": &cfg.Credentials,
		"Config":       cfg,
		"*Config":      &cfg,
		"*Client":      c,
		"Client":       *c,
		"call error":   callErr,
		"*APIError":    apiErr,
		"New error":    newErr,
		"struct with all": struct {
			Cfg Config
			Cl  *Client
			Err error
		}{cfg, c, callErr},
	}
	verbs := []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%T %v"}
	for name, v := range values {
		for _, verb := range verbs {
			out := fmt.Sprintf(verb, v)
			for _, secret := range []string{testSecretKey, testGatewayKey} {
				if strings.Contains(out, secret) || strings.Contains(out, fmt.Sprintf("%x", secret)) {
					t.Errorf("%s formatted with %s leaks a secret: %s", name, verb, out)
				}
			}
		}
	}
	if out := fmt.Sprintf("%v", cfg.Credentials); !strings.Contains(out, testAccessKey) || !strings.Contains(out, "REDACTED") {
		t.Errorf("Credentials = %s, want the access key and REDACTED", out)
	}
	// Config itself has func fields and cannot be JSON-encoded; a struct
	// that embeds credentials can.
	withCredentials := struct{ Credentials Credentials }{cfg.Credentials}
	for name, v := range map[string]any{"Credentials": cfg.Credentials, "struct with Credentials": withCredentials} {
		data, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("json.Marshal(%s): %v", name, err)
		}
		if strings.Contains(string(data), testSecretKey) || strings.Contains(string(data), testGatewayKey) {
			t.Errorf("json.Marshal(%s) leaks a secret: %s", name, data)
		}
	}
}
