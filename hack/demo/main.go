// Command demo runs orgsync end to end on this machine with no cluster and no cloud account: a
// local control plane (bin/k8s), the CRDs, the fake NCP (bin/fakencp) and the manager
// (bin/manager). It applies config/samples in a shuffled order, waits until every object is Ready,
// prints the department tree as the fake WORKPLACE holds it, shows an update and a subtree delete
// propagating, then stops everything it started. `make demo` runs it.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/ncp"
)

const (
	namespace  = "demo"
	accessKey  = "demo-access-key"
	secretKey  = "demo-secret-key"
	companyID  = "acme-company"
	orgName    = "acme"
	waitBudget = 2 * time.Minute
)

func main() {
	bin := flag.String("bin", "bin", "folder holding manager, fakencp and k8s/")
	samples := flag.String("samples", "config/samples", "folder of the sample objects")
	flag.Parse()
	if err := run(*bin, *samples); err != nil {
		fmt.Fprintln(os.Stderr, "demo failed:", err)
		os.Exit(1)
	}
}

// step prints a progress line with the time since the demo started.
var started = time.Now()

func step(format string, args ...any) {
	fmt.Printf("[%5.1fs] %s\n", time.Since(started).Seconds(), fmt.Sprintf(format, args...))
}

func run(bin, samples string) (err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	work, err := os.MkdirTemp("", "orgsync-demo-")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			fmt.Fprintf(os.Stderr, "logs kept in %s\n", work)
			return
		}
		_ = os.RemoveAll(work)
	}()

	step("starting a local control plane from %s/k8s", bin)
	env := &envtest.Environment{
		BinaryAssetsDirectory: filepath.Join(bin, "k8s"),
		CRDDirectoryPaths:     []string{"config/crd/bases"},
		ErrorIfCRDPathMissing: true,
	}
	cfg, err := env.Start()
	if err != nil {
		return fmt.Errorf("starting the control plane: %w", err)
	}
	defer func() {
		step("stopping the control plane")
		_ = env.Stop()
	}()
	user, err := env.AddUser(envtest.User{Name: "demo-admin", Groups: []string{"system:masters"}}, cfg)
	if err != nil {
		return err
	}
	kubeconfigBytes, err := user.KubeConfig()
	if err != nil {
		return err
	}
	kubeconfig := filepath.Join(work, "kubeconfig")
	if err := os.WriteFile(kubeconfig, kubeconfigBytes, 0o600); err != nil {
		return err
	}
	step("CRDs installed: organizations.orgsync.dev, departments.orgsync.dev")

	fake, fakeURL, err := startFake(ctx, bin, work)
	if err != nil {
		return err
	}
	defer stop("fake NCP", fake)
	step("fake NCP listening on %s", fakeURL)

	manager := exec.CommandContext(ctx, filepath.Join(bin, "manager"),
		"--kubeconfig", kubeconfig,
		"--ncp-workplace-endpoint", fakeURL, "--ncp-organization-endpoint", fakeURL,
		"--metrics-bind-address", "0", "--health-probe-bind-address", "0",
		"--sync-period", "1m")
	managerLog, err := os.Create(filepath.Join(work, "manager.log"))
	if err != nil {
		return err
	}
	manager.Stdout, manager.Stderr = managerLog, managerLog
	if err := manager.Start(); err != nil {
		return fmt.Errorf("starting the manager: %w", err)
	}
	defer stop("manager", manager)
	step("manager started (pid %d)", manager.Process.Pid)

	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(v1alpha1.AddToScheme(scheme))
	k8s, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return err
	}
	if err := k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}}); err != nil {
		return err
	}
	kubectl := func(stdin []byte, args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, filepath.Join(bin, "k8s", "kubectl"), append([]string{"--kubeconfig", kubeconfig, "-n", namespace}, args...)...)
		cmd.Stdin = bytes.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return "", fmt.Errorf("kubectl %s: %w: %s", strings.Join(args, " "), err, out)
		}
		return string(out), nil
	}

	docs, err := sampleDocuments(samples)
	if err != nil {
		return err
	}
	rand.Shuffle(len(docs), func(i, j int) { docs[i], docs[j] = docs[j], docs[i] })
	step("applying %d sample objects from %s in a shuffled order", len(docs), samples)
	if _, err := kubectl([]byte(strings.Join(docs, "\n---\n")), "apply", "-f", "-"); err != nil {
		return err
	}

	if err := waitAllReady(ctx, k8s); err != nil {
		return err
	}
	out, err := kubectl(nil, "get", "organizations,departments")
	if err != nil {
		return err
	}
	fmt.Println("\n$ kubectl get organizations,departments -n demo")
	fmt.Println(out)

	remote, err := ncp.New(ncp.Config{
		Credentials:          ncp.Credentials{AccessKey: accessKey, SecretKey: secretKey},
		WorkplaceEndpoint:    fakeURL,
		OrganizationEndpoint: fakeURL,
	})
	if err != nil {
		return err
	}
	if err := printTree(ctx, remote, "the department tree in the fake WORKPLACE"); err != nil {
		return err
	}

	step("update: renaming eng-product-web to 웹플랫폼파트 (Web Platform) and moving it first")
	if _, err := kubectl(nil, "patch", "department", "eng-product-web", "--type=merge", "-p",
		`{"spec":{"name":"웹플랫폼파트","i18nNames":{"ko_KR":"웹플랫폼파트","en_US":"Web Platform"},"displayOrder":"0.5"}}`); err != nil {
		return err
	}
	if err := waitRemote(ctx, "the update", func() (bool, error) {
		d, err := remote.GetDepartment(ctx, companyID, "eng-product-web")
		return err == nil && d.Name == "웹플랫폼파트", nil
	}); err != nil {
		return err
	}

	subtree := []string{"mgmt", "mgmt-hr", "mgmt-finance", "mgmt-legal"}
	step("subtree delete: deleting %s all at once (parent first in the command)", strings.Join(subtree, ", "))
	if _, err := kubectl(nil, append([]string{"delete", "department", "--wait=false"}, subtree...)...); err != nil {
		return err
	}
	if err := waitRemote(ctx, "the subtree delete", func() (bool, error) {
		depts, err := remote.ListDepartments(ctx, companyID)
		if err != nil {
			return false, err
		}
		return !slices.ContainsFunc(depts, func(d ncp.Department) bool { return strings.HasPrefix(d.ExternalKey, "mgmt") }), nil
	}); err != nil {
		return err
	}
	if err := printTree(ctx, remote, "the department tree after the update and the subtree delete"); err != nil {
		return err
	}
	step("demo complete; stopping everything it started")
	return nil
}

// startFake runs bin/fakencp on a free loopback port and returns its base URL.
func startFake(ctx context.Context, bin, work string) (*exec.Cmd, string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "fakencp"), "--listen", "127.0.0.1:0",
		"--access-key", accessKey, "--secret-key", secretKey, "--company-id", companyID)
	logFile, err := os.Create(filepath.Join(work, "fakencp.log"))
	if err != nil {
		return nil, "", err
	}
	cmd.Stderr = logFile
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", fmt.Errorf("starting fakencp: %w", err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		stop("fake NCP", cmd)
		return nil, "", fmt.Errorf("reading fakencp's address: %w", err)
	}
	i := strings.Index(line, "http://")
	if i < 0 {
		stop("fake NCP", cmd)
		return nil, "", fmt.Errorf("fakencp printed no URL: %q", line)
	}
	return cmd, strings.TrimSpace(line[i:]), nil
}

// stop ends a child process with SIGTERM, then SIGKILL after a grace period.
func stop(name string, cmd *exec.Cmd) {
	if cmd.Process == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
	step("stopped the %s", name)
}

// sampleDocuments reads the YAML documents of every file in dir except the kustomization.
func sampleDocuments(dir string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	var docs []string
	for _, f := range files {
		if filepath.Base(f) == "kustomization.yaml" {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		for _, doc := range strings.Split(string(data), "\n---") {
			if strings.Contains(doc, "kind:") {
				docs = append(docs, strings.TrimSpace(doc))
			}
		}
	}
	return docs, nil
}

// waitAllReady waits until the Organization and every Department are Ready, printing progress.
func waitAllReady(ctx context.Context, k8s client.Client) error {
	deadline := time.Now().Add(waitBudget)
	last := ""
	for {
		var depts v1alpha1.DepartmentList
		if err := k8s.List(ctx, &depts, client.InNamespace(namespace)); err != nil {
			return err
		}
		var org v1alpha1.Organization
		orgReady := k8s.Get(ctx, client.ObjectKey{Namespace: namespace, Name: orgName}, &org) == nil &&
			meta.IsStatusConditionTrue(org.Status.Conditions, v1alpha1.ConditionReady)
		ready := 0
		for i := range depts.Items {
			if meta.IsStatusConditionTrue(depts.Items[i].Status.Conditions, v1alpha1.ConditionReady) {
				ready++
			}
		}
		progress := fmt.Sprintf("waiting: Organization ready=%t, Departments ready %d/%d", orgReady, ready, len(depts.Items))
		if progress != last {
			step("%s", progress)
			last = progress
		}
		if orgReady && ready == len(depts.Items) && ready > 0 {
			step("every object is Ready")
			return nil
		}
		if time.Now().After(deadline) {
			return errors.New("timed out waiting for the objects to become Ready")
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func waitRemote(ctx context.Context, what string, done func() (bool, error)) error {
	deadline := time.Now().Add(waitBudget)
	for {
		ok, err := done()
		if err != nil {
			return err
		}
		if ok {
			step("%s reached the fake WORKPLACE", what)
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out waiting for %s", what)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// printTree prints the departments the fake holds, indented under their parents, siblings in
// display order.
func printTree(ctx context.Context, remote *ncp.Client, title string) error {
	depts, err := remote.ListDepartments(ctx, companyID)
	if err != nil {
		return err
	}
	children := map[string][]ncp.Department{}
	for _, d := range depts {
		children[d.ParentExternalKey] = append(children[d.ParentExternalKey], d)
	}
	fmt.Printf("\n%s (%d departments):\n", title, len(depts))
	var walk func(parent string, depth int)
	walk = func(parent string, depth int) {
		kids := children[parent]
		slices.SortFunc(kids, func(a, b ncp.Department) int {
			if c := strings.Compare(padOrder(a.DisplayOrder), padOrder(b.DisplayOrder)); c != 0 {
				return c
			}
			return strings.Compare(a.ExternalKey, b.ExternalKey)
		})
		for _, d := range kids {
			fmt.Printf("%s- %s  %s (%s)  order %s\n", strings.Repeat("    ", depth), d.ExternalKey, d.Name, d.I18nNames["en_US"], d.DisplayOrder)
			walk(d.ExternalKey, depth+1)
		}
	}
	walk(ncp.TopLevelParent, 0)
	fmt.Println()
	return nil
}

// padOrder makes decimal display orders compare as numbers when compared as strings.
func padOrder(order string) string {
	whole, frac, _ := strings.Cut(order, ".")
	return fmt.Sprintf("%010s.%s", whole, frac)
}
