// Command demo runs orgsync end to end on this machine with no cluster and no cloud account: a
// local control plane (bin/k8s), the CRDs, a fake cloud and the manager (bin/manager). It applies
// config/samples in a shuffled order, waits until every object is Ready, prints the department
// tree as the fake holds it, shows an update and a subtree delete propagating, then stops
// everything it started. `make demo` runs it.
//
// --provider ncp (the default) runs the samples as they are against the fake NCP (bin/fakencp);
// --provider huaweicloud replaces the samples' Secret and Organization with Huawei Cloud ones and
// runs the same departments against the fake OneAccess and Organizations (bin/fakehuawei).
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/testenv"
)

const (
	namespace  = "demo"
	accessKey  = "demo-access-key"
	secretKey  = "demo-secret-key"
	orgName    = "acme"
	waitBudget = 2 * time.Minute
)

// cloud is the fake remote system the demo runs against.
type cloud interface {
	// fake is the fake's binary in the bin folder, its arguments, and its name for messages.
	fake() (binary string, args []string, name string)
	// connect prepares the client that reads the fake's departments.
	connect(fakeURL string) error
	// managerArgs are the manager's provider flags.
	managerArgs(fakeURL string) []string
	// organization returns the Secret and Organization documents to apply instead of the
	// samples', or nil to keep the samples'.
	organization(fakeURL string) []string
	// departments lists the departments the fake holds.
	departments(ctx context.Context) ([]department, error)
}

// department is one remote department as the demo prints it.
type department struct {
	key, parent, name string // parent is "" for a top-level department
	// order sorts siblings; detail is printed after the name.
	order, detail string
	// leader is the WORKPLACE department leader, set by hand (never by orgsync).
	leader string
}

func main() {
	bin := flag.String("bin", "bin", "folder holding manager, the fakes and k8s/")
	samples := flag.String("samples", "config/samples", "folder of the sample objects")
	providerName := flag.String("provider", string(v1alpha1.ProviderNCP), "the cloud to run against: ncp or huaweicloud")
	scenarioName := flag.String("scenario", "samples", "samples (apply config/samples, update, delete a subtree) or adopt (export a hand-made chart into manifests, plan, apply, change; fake NCP only)")
	flag.Parse()
	clouds := map[string]cloud{string(v1alpha1.ProviderNCP): &ncpCloud{}, string(v1alpha1.ProviderHuaweiCloud): &huaweiCloud{}}
	remote, ok := clouds[*providerName]
	if !ok {
		fmt.Fprintf(os.Stderr, "demo: --provider must be ncp or huaweicloud, not %q\n", *providerName)
		os.Exit(2)
	}
	scenarios := map[string]scenario{"samples": {play: samplesScenario}, "adopt": {play: adoptScenario, seed: adoptChart}}
	play, ok := scenarios[*scenarioName]
	switch {
	case !ok:
		fmt.Fprintf(os.Stderr, "demo: --scenario must be samples or adopt, not %q\n", *scenarioName)
		os.Exit(2)
	case *scenarioName == "adopt" && *providerName != string(v1alpha1.ProviderNCP):
		fmt.Fprintln(os.Stderr, "demo: --scenario adopt runs against the fake NCP (--provider ncp)")
		os.Exit(2)
	}
	if err := run(*bin, *samples, remote, play); err != nil {
		fmt.Fprintln(os.Stderr, "demo failed:", err)
		os.Exit(1)
	}
}

// step prints a progress line with the time since the demo started.
var started = time.Now()

func step(format string, args ...any) {
	fmt.Printf("[%5.1fs] %s\n", time.Since(started).Seconds(), fmt.Sprintf(format, args...))
}

// stage is what a scenario plays on: the control plane, the fake cloud and the manager, started.
type stage struct {
	ctx                 context.Context
	bin, work           string
	kubectlPath         string // the control plane's kubectl
	kubeconfig          string
	k8s                 client.Client
	remote              cloud
	fakeName, fakeURL   string
	fakeLog, managerLog string // the fake's request log and the manager's log
}

// scenario is a demo's steps, played on a started stage with the samples folder, and the chart
// the fake starts with (nil: none).
type scenario struct {
	play func(s *stage, samples string) error
	seed []byte
}

// kubectl runs the control plane's kubectl (bin/k8s/kubectl) in the demo's namespace.
func (s *stage) kubectl(stdin []byte, args ...string) (string, error) {
	cmd := exec.CommandContext(s.ctx, s.kubectlPath, append([]string{"--kubeconfig", s.kubeconfig, "-n", namespace}, args...)...) //nolint:gosec // G204: the demo's own kubectl from --bin
	cmd.Stdin = bytes.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("kubectl %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

func run(bin, samples string, remote cloud, play scenario) (err error) {
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
	cp, err := testenv.Start(testenv.Options{Assets: filepath.Join(bin, "k8s")})
	if err != nil {
		return err
	}
	defer func() {
		step("stopping the control plane")
		_ = cp.Stop()
	}()
	kubeconfig, err := cp.AdminKubeconfig(work, "demo-admin")
	if err != nil {
		return err
	}
	step("CRDs installed: organizations.orgsync.dev, departments.orgsync.dev")

	fakeBinary, fakeArgs, fakeName := remote.fake()
	if play.seed != nil { // the fake NCP's --seed-file: a chart that exists before orgsync
		seedFile := filepath.Join(work, "seed.json")
		if err := os.WriteFile(seedFile, play.seed, 0o600); err != nil {
			return err
		}
		fakeArgs = append(fakeArgs, "--seed-file", seedFile)
	}
	fake := &testenv.Process{
		Name: fakeName, Binary: filepath.Join(bin, fakeBinary), LogPath: filepath.Join(work, fakeBinary+".log"),
		Args: append([]string{"--listen", "127.0.0.1:0"}, fakeArgs...),
	}
	fakeURL, err := fake.StartListening()
	if err != nil {
		return err
	}
	defer stop(fake)
	step("%s listening on %s", fakeName, fakeURL)
	if err := remote.connect(fakeURL); err != nil {
		return err
	}

	manager := &testenv.Process{
		Name: "manager", Binary: filepath.Join(bin, "manager"), LogPath: filepath.Join(work, "manager.log"),
		Args: append([]string{
			"--kubeconfig", kubeconfig,
			"--metrics-bind-address", "0", "--health-probe-bind-address", "0",
			"--sync-period", "1m"}, remote.managerArgs(fakeURL)...),
	}
	if err := manager.Start(); err != nil {
		return err
	}
	defer stop(manager)
	step("manager started (pid %d)", manager.Pid())

	k8s := cp.Client
	if err := testenv.CreateNamespaces(ctx, k8s, namespace); err != nil {
		return err
	}
	s := &stage{ctx: ctx, bin: bin, work: work, kubectlPath: cp.Kubectl(), kubeconfig: kubeconfig, k8s: k8s, remote: remote,
		fakeName: fakeName, fakeURL: fakeURL,
		fakeLog: fake.LogPath, managerLog: manager.LogPath}
	if err := play.play(s, samples); err != nil {
		return err
	}
	step("demo complete; stopping everything it started")
	return nil
}

// samplesScenario applies config/samples in a shuffled order, waits until every object is
// Ready, then shows an update and a subtree delete propagating.
func samplesScenario(s *stage, samples string) error {
	ctx, k8s, remote, fakeName, kubectl := s.ctx, s.k8s, s.remote, s.fakeName, s.kubectl
	docs, err := sampleDocuments(samples)
	if err != nil {
		return err
	}
	if org := remote.organization(s.fakeURL); org != nil {
		docs = slices.DeleteFunc(docs, func(doc string) bool {
			return strings.Contains(doc, "\nkind: Secret") || strings.Contains(doc, "\nkind: Organization")
		})
		docs = append(docs, org...)
	}
	rand.Shuffle(len(docs), func(i, j int) { docs[i], docs[j] = docs[j], docs[i] }) //nolint:gosec // G404: the order of apply, not a secret
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

	if err := printTree(ctx, remote, "the department tree in the "+fakeName); err != nil {
		return err
	}

	step("update: renaming eng-product-web to 웹플랫폼파트 (Web Platform) and moving it first")
	if _, err := kubectl(nil, "patch", "department", "eng-product-web", "--type=merge", "-p",
		`{"spec":{"name":"웹플랫폼파트","i18nNames":{"ko_KR":"웹플랫폼파트","en_US":"Web Platform"},"displayOrder":"0.5"}}`); err != nil {
		return err
	}
	if err := waitRemote(ctx, "the update reached the "+fakeName, func() (bool, error) {
		depts, err := remote.departments(ctx)
		return slices.ContainsFunc(depts, func(d department) bool {
			return d.key == "eng-product-web" && d.name == "웹플랫폼파트"
		}), err
	}); err != nil {
		return err
	}

	subtree := []string{"mgmt", "mgmt-hr", "mgmt-finance", "mgmt-legal"}
	step("subtree delete: deleting %s all at once (parent first in the command)", strings.Join(subtree, ", "))
	if _, err := kubectl(nil, append([]string{"delete", "department", "--wait=false"}, subtree...)...); err != nil {
		return err
	}
	if err := waitRemote(ctx, "the subtree delete reached the "+fakeName, func() (bool, error) {
		depts, err := remote.departments(ctx)
		if err != nil {
			return false, err
		}
		return !slices.ContainsFunc(depts, func(d department) bool { return strings.HasPrefix(d.key, "mgmt") }), nil
	}); err != nil {
		return err
	}
	return printTree(ctx, remote, "the department tree after the update and the subtree delete")
}

// stop ends a child process with SIGTERM, then SIGKILL after a grace period.
func stop(p *testenv.Process) {
	p.Stop()
	step("stopped the %s", p.Name)
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

// waitAllReady waits until the Organization and every Department have converged (Ready for
// their current generation, testenv.Converged), printing progress.
func waitAllReady(ctx context.Context, k8s client.Client) error {
	last := ""
	return wait(ctx, "the objects to become Ready", func(ctx context.Context) (bool, string, error) {
		var depts v1alpha1.DepartmentList
		if err := k8s.List(ctx, &depts, client.InNamespace(namespace)); err != nil {
			return false, "", err
		}
		var org v1alpha1.Organization
		orgReady := k8s.Get(ctx, client.ObjectKey{Namespace: namespace, Name: orgName}, &org) == nil && testenv.Converged(&org)
		ready := testenv.CountConverged(depts.Items)
		progress := fmt.Sprintf("waiting: Organization ready=%t, Departments ready %d/%d", orgReady, ready, len(depts.Items))
		if progress != last {
			step("%s", progress)
			last = progress
		}
		if orgReady && ready == len(depts.Items) && ready > 0 {
			step("every object is Ready")
			return true, "", nil
		}
		return false, progress, nil
	})
}

// waitRemote waits until done reports true, then says what.
func waitRemote(ctx context.Context, what string, done func() (bool, error)) error {
	return wait(ctx, what, func(context.Context) (bool, string, error) {
		ok, err := done()
		if ok {
			step("%s", what)
		}
		return ok, "", err
	})
}

// wait polls done every quarter second for at most waitBudget.
func wait(ctx context.Context, what string, done func(context.Context) (bool, string, error)) error {
	ctx, cancel := context.WithTimeout(ctx, waitBudget)
	defer cancel()
	if err := testenv.Poll(ctx, 250*time.Millisecond, done); err != nil {
		return fmt.Errorf("timed out waiting for %s: %w", what, err)
	}
	return nil
}

// printTree prints the departments the fake holds, indented under their parents, siblings in
// order.
func printTree(ctx context.Context, remote cloud, title string) error {
	depts, err := remote.departments(ctx)
	if err != nil {
		return err
	}
	children := map[string][]department{}
	for _, d := range depts {
		children[d.parent] = append(children[d.parent], d)
	}
	fmt.Printf("\n%s (%d departments):\n", title, len(depts))
	var walk func(parent string, depth int)
	walk = func(parent string, depth int) {
		kids := children[parent]
		slices.SortFunc(kids, func(a, b department) int {
			if c := strings.Compare(a.order, b.order); c != 0 {
				return c
			}
			return strings.Compare(a.key, b.key)
		})
		for _, d := range kids {
			fmt.Printf("%s- %s  %s  %s\n", strings.Repeat("    ", depth), d.key, d.name, d.detail)
			walk(d.key, depth+1)
		}
	}
	walk("", 0)
	fmt.Println()
	return nil
}
