package main

import (
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/testenv"
)

// adoptChart is the chart the fake NCP starts with in the adopt scenario: a company's
// departments as made by hand in the console, before orgsync.
//
//go:embed adopt-chart.json
var adoptChart []byte

// mobileLeader is the leader a person set on eng-mobile in WORKPLACE (adopt-chart.json).
const mobileLeader = "emp-1024"

// Exit codes of kubectl orgsync plan.
const (
	planNoChanges = 0
	planChanges   = 2
)

// adoptScenario is docs/adopt.md's "adopt an existing chart in five minutes": a chart made by hand
// is exported into manifests, planned (nothing to change), applied (no remote write), then
// changed in Git and planned again, and the manager makes exactly the planned writes.
func adoptScenario(s *stage, samples string) error {
	if err := printTree(s.ctx, s.remote, "the chart made by hand in the "+s.fakeName); err != nil {
		return err
	}
	if err := adoptApplyOrganization(s, samples); err != nil {
		return err
	}
	chart, mobile, err := adoptExport(s)
	if err != nil {
		return err
	}
	writes, err := adoptPlanAndApply(s, chart)
	if err != nil {
		return err
	}
	if err := adoptChangeInGit(s, chart, mobile); err != nil {
		return err
	}
	if err := adoptApplyChange(s, chart, writes); err != nil {
		return err
	}
	return printTree(s.ctx, s.remote, "the department tree in the "+s.fakeName+" after the change")
}

// adoptApplyOrganization is step 1: only the credentials Secret and the Organization of the
// samples are applied, and the Organization lists the chart made by hand.
func adoptApplyOrganization(s *stage, samples string) error {
	docs, err := sampleDocuments(samples)
	if err != nil {
		return err
	}
	docs = slices.DeleteFunc(docs, func(doc string) bool { return strings.Contains(doc, "\nkind: Department") })
	step("1. applying only the credentials Secret and the Organization from %s", samples)
	if _, err := s.kubectl([]byte(strings.Join(docs, "\n---\n")), "apply", "-f", "-"); err != nil {
		return err
	}
	if err := s.waitOrganizationReady(); err != nil {
		return err
	}
	_, _, err = s.orgsync(exitOK, "tree")
	return err
}

// adoptExport is step 2: the chart exported into manifests; it returns their folder and the
// manifest of eng-mobile.
func adoptExport(s *stage) (chart, mobile string, err error) {
	step("2. exporting the chart into manifests, a folder per top-level department")
	chart = filepath.Join(s.work, "chart")
	if _, _, err := s.orgsync(exitOK, "export", orgName, "--output-dir", chart); err != nil {
		return "", "", err
	}
	if err := listFiles(chart); err != nil {
		return "", "", err
	}
	mobile = filepath.Join(chart, "engineering", "eng-mobile.yaml")
	if err := printFile(chart, mobile); err != nil {
		return "", "", err
	}
	return chart, mobile, nil
}

// adoptPlanAndApply is steps 3 and 4: the exported manifests plan no change, and applying them
// makes no remote write. It returns the fake's writes so far.
func adoptPlanAndApply(s *stage, chart string) ([]string, error) {
	step("3. planning the manifests: adopting the chart as it is changes nothing")
	if _, _, err := s.orgsync(planNoChanges, "plan", "-k", chart); err != nil {
		return nil, err
	}
	mark, err := s.remoteWrites()
	if err != nil {
		return nil, err
	}
	step("4. applying them")
	out, err := s.kubectl(nil, "apply", "-k", chart)
	if err != nil {
		return nil, err
	}
	fmt.Printf("\n$ kubectl apply -k chart\n%s\n", summarise(out))
	if err := waitAllReady(s.ctx, s.k8s); err != nil {
		return nil, err
	}
	writes, err := s.remoteWrites()
	if err != nil {
		return nil, err
	}
	if made := writes[len(mark):]; len(made) > 0 {
		return nil, fmt.Errorf("adopting the exported chart made %d remote writes, want none: %s", len(made), strings.Join(made, "; "))
	}
	step("the %s received no write: every department was adopted as it was", s.fakeName)
	if err := s.waitAllClaimed(); err != nil {
		return nil, err
	}
	if _, _, err := s.orgsync(exitOK, "tree"); err != nil {
		return nil, err
	}
	return writes, nil
}

// adoptChangeInGit is step 5: eng-mobile renamed and sales-partners removed in the manifests,
// which plan changes.
func adoptChangeInGit(s *stage, chart, mobile string) error {
	step("5. a change in Git: eng-mobile renamed, sales-partners removed")
	if err := editFile(mobile, strings.NewReplacer("모바일팀", "모바일앱팀", "en_US: Mobile", "en_US: Mobile Apps").Replace); err != nil {
		return err
	}
	if err := os.Remove(filepath.Join(chart, "sales", "sales-partners.yaml")); err != nil {
		return err
	}
	if err := editFile(filepath.Join(chart, "sales", "kustomization.yaml"), func(k string) string {
		return strings.Replace(k, "- sales-partners.yaml\n", "", 1)
	}); err != nil {
		return err
	}
	_, _, err := s.orgsync(planChanges, "plan", "-k", chart)
	return err
}

// adoptApplyChange is step 6: the change applied (and the removed Department deleted) reaches the
// fake, eng-mobile keeps the leader set remotely, and the writes since mark are printed; then
// the manifests plan no change.
func adoptApplyChange(s *stage, chart string, mark []string) error {
	step("6. applying the change (a GitOps tool would prune the removed Department; here kubectl delete does)")
	if _, err := s.kubectl(nil, "apply", "-k", chart); err != nil {
		return err
	}
	if _, err := s.kubectl(nil, "delete", "department", "sales-partners", "--wait=false"); err != nil {
		return err
	}
	if err := waitRemote(s.ctx, "the change reached the "+s.fakeName, func() (bool, error) {
		depts, err := s.remote.departments(s.ctx)
		return err == nil && slices.ContainsFunc(depts, func(d department) bool { return d.key == "eng-mobile" && d.name == "모바일앱팀" }) &&
			!slices.ContainsFunc(depts, func(d department) bool { return d.key == "sales-partners" }), err
	}); err != nil {
		return err
	}
	if err := waitAllReady(s.ctx, s.k8s); err != nil {
		return err
	}
	depts, err := s.remote.departments(s.ctx)
	if err != nil {
		return err
	}
	if i := slices.IndexFunc(depts, func(d department) bool { return d.key == "eng-mobile" }); i < 0 || depts[i].leader != mobileLeader {
		return fmt.Errorf("eng-mobile lost the leader set in WORKPLACE (%s) when it was renamed", mobileLeader)
	}
	step("eng-mobile keeps its leader %s, set in WORKPLACE: orgsync sends back what no Department sets", mobileLeader)
	writes, err := s.remoteWrites()
	if err != nil {
		return err
	}
	fmt.Printf("\nthe writes the %s received, as planned:\n", s.fakeName)
	for _, w := range writes[len(mark):] {
		fmt.Println("  " + w)
	}
	_, _, err = s.orgsync(planNoChanges, "plan", "-k", chart)
	return err
}

const exitOK = 0

// orgsync runs bin/kubectl-orgsync as `kubectl orgsync` would, in the demo's namespace and, for
// the commands that read the remote chart, with the fake's endpoints; it prints the command and
// its output, and fails unless it exits with want.
func (s *stage) orgsync(want int, args ...string) (string, int, error) {
	shown := make([]string, len(args))
	for i, a := range args {
		shown[i] = strings.ReplaceAll(a, s.work+string(filepath.Separator), "")
	}
	full := append([]string{"--kubeconfig", s.kubeconfig, "-n", namespace}, args...)
	if args[0] == "export" || args[0] == "plan" {
		full = append(full, "--ncp-workplace-endpoint", s.fakeURL, "--ncp-organization-endpoint", s.fakeURL, "--allow-insecure-endpoints")
	}
	cmd := exec.CommandContext(s.ctx, filepath.Join(s.bin, "kubectl-orgsync"), full...) //nolint:gosec // G204: the demo's own plugin from --bin
	out, err := cmd.CombinedOutput()
	code := 0
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		return "", 0, fmt.Errorf("kubectl orgsync %s: %w", strings.Join(shown, " "), err)
	}
	fmt.Printf("\n$ kubectl orgsync %s\n%s", strings.Join(shown, " "), out)
	fmt.Printf("(exit code %d)\n", code)
	if code != want {
		return string(out), code, fmt.Errorf("kubectl orgsync %s exited %d, want %d", strings.Join(shown, " "), code, want)
	}
	return string(out), code, nil
}

// remoteWrites returns the writes the fake has answered so far, from its request log
// ("date time METHOD PATH STATUS"), in order.
func (s *stage) remoteWrites() ([]string, error) {
	data, err := os.ReadFile(s.fakeLog)
	if err != nil {
		return nil, err
	}
	var writes []string
	for _, line := range strings.Split(string(data), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 5 && fields[2] != "GET" && strings.HasPrefix(fields[3], "/") {
			writes = append(writes, strings.Join(fields[2:], " "))
		}
	}
	return writes, nil
}

// waitOrganizationReady waits until the Organization has converged (testenv.Converged).
func (s *stage) waitOrganizationReady() error {
	return waitRemote(s.ctx, "the Organization is Ready (connected, the remote chart listed)", func() (bool, error) {
		var org v1alpha1.Organization
		err := s.k8s.Get(s.ctx, client.ObjectKey{Namespace: namespace, Name: orgName}, &org)
		return err == nil && testenv.Converged(&org), client.IgnoreNotFound(err)
	})
}

// waitAllClaimed waits until the Organization's status counts no remote department without a
// Department (it recounts about a second after its Departments change).
func (s *stage) waitAllClaimed() error {
	return waitRemote(s.ctx, "the Organization counts no remote department without a Department", func() (bool, error) {
		var org v1alpha1.Organization
		err := s.k8s.Get(s.ctx, client.ObjectKey{Namespace: namespace, Name: orgName}, &org)
		return err == nil && org.Status.Inventory != nil && org.Status.Inventory.Unmanaged == 0, err
	})
}

// listFiles prints the files under dir, relative to its parent.
func listFiles(dir string) error {
	fmt.Printf("\n$ find chart -type f\n")
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(filepath.Dir(dir), path)
			fmt.Println(rel)
		}
		return err
	})
}

func printFile(dir, path string) error {
	data, err := os.ReadFile(path) //nolint:gosec // G304: a file the demo's export wrote
	if err != nil {
		return err
	}
	rel, _ := filepath.Rel(filepath.Dir(dir), path)
	fmt.Printf("\n$ cat %s\n%s", rel, data)
	return nil
}

func editFile(path string, edit func(string) string) error {
	data, err := os.ReadFile(path) //nolint:gosec // G304: a file the demo's export wrote
	if err != nil {
		return err
	}
	changed := edit(string(data))
	if changed == string(data) {
		return fmt.Errorf("editing %s changed nothing", path)
	}
	return os.WriteFile(path, []byte(changed), 0o600)
}

// summarise shortens kubectl apply's output to its first lines and a count.
func summarise(out string) string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) <= 4 {
		return strings.Join(lines, "\n")
	}
	return fmt.Sprintf("%s\n... (%d objects in all)", strings.Join(lines[:3], "\n"), len(lines))
}
