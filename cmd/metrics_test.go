package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	certutil "k8s.io/client-go/util/cert"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/yaml"

	"github.com/orgsync/orgsync/internal/testenv"
)

func TestMetricsFlags(t *testing.T) {
	for _, tc := range []struct {
		flags metricsFlags
		want  string
	}{
		{metricsFlags{secure: true}, ":8443"},
		{metricsFlags{secure: false}, ":8080"},
		{metricsFlags{secure: true, addr: "127.0.0.1:9443"}, "127.0.0.1:9443"},
		{metricsFlags{secure: false, addr: "0"}, "0"},
	} {
		if got := tc.flags.bindAddress(); got != tc.want {
			t.Errorf("%+v: bind address %q, want %q", tc.flags, got, tc.want)
		}
	}

	secure := metricsOptions(metricsFlags{secure: true, certName: "tls.crt", certKey: "tls.key"})
	if !secure.SecureServing || secure.FilterProvider == nil {
		t.Errorf("secure metrics: SecureServing %t, filter %t; want HTTPS behind authentication and authorisation",
			secure.SecureServing, secure.FilterProvider != nil)
	}
	plain := metricsOptions(metricsFlags{secure: false})
	if plain.SecureServing || plain.FilterProvider != nil {
		t.Errorf("--metrics-secure=false: SecureServing %t, filter %t; want plain HTTP", plain.SecureServing, plain.FilterProvider != nil)
	}
	cfg := &tls.Config{NextProtos: []string{"h2"}}
	for _, opt := range secure.TLSOpts {
		opt(cfg)
	}
	if len(cfg.NextProtos) != 1 || cfg.NextProtos[0] != "http/1.1" {
		t.Errorf("ALPN protocols %v, want only http/1.1 (HTTP/2 off)", cfg.NextProtos)
	}

	// A certificate named but missing is refused at start instead of replaced by a self-signed one.
	dir := t.TempDir()
	if err := (metricsFlags{secure: true}).validate(); err != nil {
		t.Errorf("no certificate: %v", err)
	}
	err := metricsFlags{secure: true, certPath: dir, certName: "tls.crt", certKey: "tls.key"}.validate()
	if err == nil || !strings.Contains(err.Error(), "--metrics-cert-name=tls.crt") || !strings.Contains(err.Error(), "--metrics-cert-key=tls.key") {
		t.Errorf("missing certificate and key: error %v, want one naming both flags", err)
	}
	for _, name := range []string{"tls.crt", "tls.key"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := (metricsFlags{secure: true, certPath: dir, certName: "tls.crt", certKey: "tls.key"}).validate(); err != nil {
		t.Errorf("certificate present: %v", err)
	}
	err = metricsFlags{secure: false, certPath: dir, certName: "tls.crt", certKey: "tls.key"}.validate()
	if err == nil || !strings.Contains(err.Error(), "--metrics-secure") {
		t.Errorf("certificate with plain HTTP: error %v, want one naming --metrics-secure", err)
	}
}

// The manager's ServiceAccount as config/rbac names it before kustomize's namespace and prefix.
const (
	managerNamespace      = "system"
	managerServiceAccount = "controller-manager"
)

// TestMetricsNeedAuthorisation starts a manager with the metrics options of main against a real
// API server, with no rights but those config/rbac gives it for metrics, and scrapes /metrics as
// an anonymous client, as a ServiceAccount bound to the metrics-reader ClusterRole, and as one
// without it.
func TestMetricsNeedAuthorisation(t *testing.T) {
	ctrl.SetLogger(zap.New(zap.WriteTo(io.Discard)))
	admin := testenv.StartOrSkip(t, testenv.Options{WithoutCRDs: true}).Admin
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cs := kubernetes.NewForConfigOrDie(admin)

	// The shipped RBAC for metrics, and the ServiceAccounts of the scrapers.
	installMetricsRBAC(ctx, t, cs)
	prometheus := serviceAccountToken(ctx, t, cs, "monitoring", "prometheus")
	nosy := serviceAccountToken(ctx, t, cs, "monitoring", "nosy")

	// The manager acts as its ServiceAccount, whose only rights are metrics-auth-role's.
	manager := rest.CopyConfig(admin)
	manager.Impersonate = rest.ImpersonationConfig{UserName: "system:serviceaccount:" + managerNamespace + ":" + managerServiceAccount}
	secureAddr := startMetrics(ctx, t, manager, metricsFlags{addr: freeAddr(t), secure: true, certName: "tls.crt", certKey: "tls.key"})
	plainAddr := startMetrics(ctx, t, manager, metricsFlags{addr: freeAddr(t), secure: false})

	url := "https://" + secureAddr + "/metrics"
	for _, tc := range []struct {
		name, token string
		want        int
	}{
		{"anonymous", "", http.StatusUnauthorized},
		// The API server's TokenReview says it authenticates nobody.
		{"a token the API server does not know", "not-a-token", http.StatusUnauthorized},
		{"a ServiceAccount without metrics-reader", nosy, http.StatusForbidden},
		{"a ServiceAccount bound to metrics-reader", prometheus, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkScrape(ctx, t, url, tc.token, tc.want)
		})
	}

	t.Run("the manager needs metrics-auth-role", func(t *testing.T) {
		unauthorised := rest.CopyConfig(admin)
		unauthorised.Impersonate = rest.ImpersonationConfig{UserName: "system:serviceaccount:" + managerNamespace + ":other"}
		addr := startMetrics(ctx, t, unauthorised, metricsFlags{addr: freeAddr(t), secure: true, certName: "tls.crt", certKey: "tls.key"})
		resp, body := scrape(ctx, t, "https://"+addr+"/metrics", prometheus)
		if resp.StatusCode != http.StatusInternalServerError || strings.Contains(body, "# TYPE") {
			t.Errorf("a manager that may not review tokens answered %s, want 500 without metrics:\n%.500s", resp.Status, body)
		}
	})
	t.Run("a token is reviewed once, however often and however concurrently it scrapes", func(t *testing.T) {
		reviews, url := startCountingMetrics(ctx, t, manager)
		var wg sync.WaitGroup
		for range 10 {
			wg.Go(func() {
				if resp, _ := scrape(ctx, t, url, prometheus); resp.StatusCode != http.StatusOK {
					t.Errorf("concurrent scrape: %s", resp.Status)
				}
			})
		}
		wg.Wait()
		for range 10 {
			checkScrape(ctx, t, url, prometheus, http.StatusOK)
		}
		if n := reviews.Load(); n != 1 {
			t.Errorf("%d TokenReviews for twenty scrapes with one token, want 1", n)
		}
	})
	t.Run("tokens never seen are reviewed at a bounded rate, and 429 beyond it", func(t *testing.T) {
		reviews, url := startCountingMetrics(ctx, t, manager)
		checkScrape(ctx, t, url, prometheus, http.StatusOK)
		answers := map[int]int{}
		for i := range 30 {
			resp, _ := scrape(ctx, t, url, fmt.Sprintf("not-a-token-%d", i))
			answers[resp.StatusCode]++
			if resp.StatusCode == http.StatusTooManyRequests && resp.Header.Get("Retry-After") == "" {
				t.Errorf("429 without Retry-After")
			}
		}
		if answers[http.StatusUnauthorized] != countingBurst-1 || answers[http.StatusTooManyRequests] != 30-(countingBurst-1) {
			t.Errorf("thirty unknown tokens answered %v, want %d × 401 then 429", answers, countingBurst-1)
		}
		if n := reviews.Load(); n != countingBurst {
			t.Errorf("%d TokenReviews, want %d (the burst)", n, countingBurst)
		}
		// A scraper whose outcome is remembered is not held up by the flood.
		checkScrape(ctx, t, url, prometheus, http.StatusOK)
	})
	t.Run("--metrics-cert-path serves its certificate", func(t *testing.T) {
		checkCertPathServes(ctx, t, manager)
	})
	t.Run("no plain HTTP on the secure port", func(t *testing.T) {
		resp, _ := scrape(ctx, t, "http://"+secureAddr+"/metrics", "")
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("plain HTTP to the secure port: %s, want 400", resp.Status)
		}
	})
	t.Run("--metrics-secure=false serves plain HTTP to anyone", func(t *testing.T) {
		resp, body := scrape(ctx, t, "http://"+plainAddr+"/metrics", "")
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "# TYPE rest_client_requests_total counter") {
			t.Errorf("anonymous plain HTTP scrape: %s\n%.500s", resp.Status, body)
		}
	})
}

// installMetricsRBAC creates the namespaces of the manager and the scrapers, the shipped RBAC for
// metrics (metrics-auth-role bound to the manager's ServiceAccount, metrics-reader), and binds
// metrics-reader to the ServiceAccount monitoring/prometheus.
func installMetricsRBAC(ctx context.Context, t *testing.T, cs kubernetes.Interface) {
	t.Helper()
	for _, ns := range []string{managerNamespace, "monitoring"} {
		if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, file := range []string{"metrics_auth_role.yaml", "metrics_reader_role.yaml"} {
		if _, err := cs.RbacV1().ClusterRoles().Create(ctx, readObject[rbacv1.ClusterRole](t, file), metav1.CreateOptions{}); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
	}
	binding := readObject[rbacv1.ClusterRoleBinding](t, "metrics_auth_role_binding.yaml")
	if len(binding.Subjects) != 1 || binding.Subjects[0].Name != managerServiceAccount || binding.Subjects[0].Namespace != managerNamespace {
		t.Fatalf("metrics_auth_role_binding.yaml binds %+v, want the ServiceAccount %s/%s", binding.Subjects, managerNamespace, managerServiceAccount)
	}
	if _, err := cs.RbacV1().ClusterRoleBindings().Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	reader := readObject[rbacv1.ClusterRole](t, "metrics_reader_role.yaml")
	if _, err := cs.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "prometheus-metrics-reader"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: reader.Name},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "prometheus", Namespace: "monitoring"}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// checkScrape scrapes url with token and wants the status want, over HTTP/1.1, with metrics in
// the answer if and only if it is 200.
func checkScrape(ctx context.Context, t *testing.T, url, token string, want int) {
	t.Helper()
	resp, body := scrape(ctx, t, url, token)
	if resp.StatusCode != want {
		t.Fatalf("GET %s: %s, want %d: %s", url, resp.Status, want, body)
	}
	if resp.Proto != "HTTP/1.1" {
		t.Errorf("served over %s, want HTTP/1.1 (HTTP/2 is off)", resp.Proto)
	}
	if want == http.StatusOK && !strings.Contains(body, "# TYPE rest_client_requests_total counter") {
		t.Errorf("authorised scrape: no Prometheus metrics in the answer:\n%.500s", body)
	}
	if want != http.StatusOK && strings.Contains(body, "# TYPE") {
		t.Errorf("refused scrape carries metrics:\n%.500s", body)
	}
}

// checkCertPathServes starts the metrics server with a certificate of --metrics-cert-path and
// wants a TLS client that trusts only that certificate to connect.
func checkCertPathServes(ctx context.Context, t *testing.T, manager *rest.Config) {
	t.Helper()
	dir := t.TempDir()
	certPEM, keyPEM, err := certutil.GenerateSelfSignedCertKey("orgsync-metrics.orgsync-system.svc", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"serving.crt": certPEM, "serving.key": keyPEM} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	f := metricsFlags{addr: freeAddr(t), secure: true, certPath: dir, certName: "serving.crt", certKey: "serving.key"}
	if err := f.validate(); err != nil {
		t.Fatal(err)
	}
	addr := startMetrics(ctx, t, manager, f)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, ServerName: "orgsync-metrics.orgsync-system.svc", MinVersion: tls.VersionTLS12})
	if err != nil {
		t.Fatalf("the certificate of --metrics-cert-path does not verify: %v", err)
	}
	conn.Close()
}

// countingBurst is the burst of reviews of startCountingMetrics's endpoint, which never refills.
const countingBurst = 5

// startCountingMetrics starts a secure metrics endpoint acting as manager whose reviews never
// refill after countingBurst, and returns the count of the TokenReviews it creates and its URL.
func startCountingMetrics(ctx context.Context, t *testing.T, manager *rest.Config) (*atomic.Int32, string) {
	t.Helper()
	reviews := new(atomic.Int32)
	cfg := rest.CopyConfig(manager)
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return roundTripperFunc(func(r *http.Request) (*http.Response, error) {
			if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/tokenreviews") {
				reviews.Add(1)
			}
			return rt.RoundTrip(r)
		})
	})
	limits := reviewLimits{allowedFor: time.Hour, deniedFor: time.Hour, maxEntries: 1024, perSecond: 1.0 / 3600, burst: countingBurst}
	addr := startMetrics(ctx, t, cfg, metricsFlags{addr: freeAddr(t), secure: true, certName: "tls.crt", certKey: "tls.key", reviews: limits})
	return reviews, "https://" + addr + "/metrics"
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// readObject decodes a manifest of config/rbac.
func readObject[T any](t *testing.T, file string) *T {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "config", "rbac", file))
	if err != nil {
		t.Fatal(err)
	}
	obj := new(T)
	if err := yaml.UnmarshalStrict(data, obj); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return obj
}

// serviceAccountToken creates a ServiceAccount and returns a token of it from the TokenRequest API.
func serviceAccountToken(ctx context.Context, t *testing.T, cs kubernetes.Interface, namespace, name string) string {
	t.Helper()
	if _, err := cs.CoreV1().ServiceAccounts(namespace).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	tr, err := cs.CoreV1().ServiceAccounts(namespace).CreateToken(ctx, name, &authenticationv1.TokenRequest{}, metav1.CreateOptions{})
	if err != nil || tr.Status.Token == "" {
		t.Fatalf("token of %s/%s: %v", namespace, name, err)
	}
	return tr.Status.Token
}

// freeAddr returns a loopback address with a port free at the time of the call.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startMetrics starts a manager, as main does, with the metrics options of f and nothing else,
// and waits until its metrics endpoint accepts connections.
func startMetrics(ctx context.Context, t *testing.T, cfg *rest.Config, f metricsFlags) string {
	t.Helper()
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{Metrics: metricsOptions(f), HealthProbeBindAddress: "0"})
	if err != nil {
		t.Fatalf("creating the manager: %v", err)
	}
	running := testenv.Run(ctx, mgr)
	t.Cleanup(func() {
		if err := running.Stop(); err != nil {
			t.Errorf("manager with %+v: %v", f, err)
		}
	})
	dial := func() (net.Conn, error) { return net.DialTimeout("tcp", f.addr, time.Second) }
	if f.secure {
		dial = func() (net.Conn, error) {
			//nolint:gosec // the self-signed certificate of the test server
			return tls.DialWithDialer(&net.Dialer{Timeout: time.Second}, "tcp", f.addr, &tls.Config{InsecureSkipVerify: true})
		}
	}
	for {
		conn, err := dial()
		if err == nil {
			conn.Close()
			return f.addr
		}
		select {
		case <-running.Exited():
			t.Fatalf("manager with %+v stopped: %v", f, running.Err())
		case <-ctx.Done():
			t.Fatalf("metrics of %+v not served: %v", f, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// scrape GETs url with a bearer token (none if empty), trusting the self-signed certificate the
// metrics server generates, as kubebuilder's ServiceMonitor does.
func scrape(ctx context.Context, t *testing.T, url, token string) (*http.Response, string) {
	t.Helper()
	client := &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			TLSClientConfig:   &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // the self-signed certificate of the test server
			ForceAttemptHTTP2: true,
		},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", fmt.Sprintf("Bearer %s", token))
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}
