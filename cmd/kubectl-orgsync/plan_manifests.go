package main

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/resource"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/decision"
)

// manifest is one Department read from the plan's input, with where it came from.
type manifest struct {
	// source is the file (a kustomization's directory, or STDIN) the manifest was read from.
	source string
	dept   v1alpha1.Department
}

// what names the manifest in errors: its file and object.
func (m *manifest) what() string {
	return fmt.Sprintf("%s: Department %q", m.source, m.dept.Name)
}

// manifestSources are the -f, -k and -R flags.
type manifestSources struct {
	filenames []string
	kustomize []string
	recursive bool
	// enforceNamespace: -n was given, so a manifest in another namespace is an error, as kubectl
	// apply -n makes it.
	enforceNamespace bool
}

// kustomizationFiles are the names kustomize recognises in a directory.
var kustomizationFiles = []string{"kustomization.yaml", "kustomization.yml", "Kustomization"}

// isKustomization reports whether dir is a directory holding a kustomization.
func isKustomization(dir string) bool {
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		return false
	}
	for _, name := range kustomizationFiles {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return true
		}
	}
	return false
}

// loadManifests reads the Departments of every source with cli-runtime's resource builder, as
// kubectl apply reads them: files, directories (with -R, recursively), URLs, standard input for
// "-", and kustomizations (given with -k, or a directory given with -f that holds one), which are
// built. Objects without a namespace get namespace; with src.enforceNamespace, objects in another
// namespace are refused, as kubectl apply refuses them. Every object must be an orgsync.dev/v1alpha1
// Department with only the fields the type has; every problem found is returned, each naming its
// file.
func loadManifests(src manifestSources, stdin io.Reader, namespace string) ([]manifest, error) {
	var files []string
	kustomizations := slices.Clone(src.kustomize)
	for _, f := range src.filenames {
		if isKustomization(f) {
			kustomizations = append(kustomizations, f)
		} else {
			files = append(files, f)
		}
	}
	var results []*resource.Result
	if len(files) > 0 {
		b := resource.NewLocalBuilder().Unstructured().ContinueOnError().NamespaceParam(namespace).DefaultNamespace()
		var paths []string
		for _, f := range files {
			if f == "-" {
				b = b.Stream(stdin, "STDIN")
				continue
			}
			paths = append(paths, f)
		}
		if len(paths) > 0 {
			b = b.FilenameParam(false, &resource.FilenameOptions{Filenames: paths, Recursive: src.recursive})
		}
		results = append(results, b.Flatten().Do())
	}
	for _, k := range kustomizations {
		b := resource.NewLocalBuilder().Unstructured().ContinueOnError().NamespaceParam(namespace).DefaultNamespace().
			FilenameParam(false, &resource.FilenameOptions{Kustomize: k})
		results = append(results, b.Flatten().Do())
	}

	var manifests []manifest
	var errs []error
	for _, r := range results {
		err := r.Visit(func(info *resource.Info, err error) error {
			if err != nil {
				errs = append(errs, errors.New(safe(err.Error())))
				return nil
			}
			m, err := toManifest(info, namespace, src.enforceNamespace)
			if err != nil {
				errs = append(errs, err)
				return nil
			}
			manifests = append(manifests, m)
			return nil
		})
		if err != nil {
			errs = append(errs, errors.New(safe(err.Error())))
		}
	}
	if len(errs) > 0 {
		return nil, joinErrors(errs)
	}
	if len(manifests) == 0 {
		return nil, errors.New("the manifests hold no Department")
	}
	return manifests, nil
}

// toManifest checks that info is a Department and decodes it strictly; without a namespace it
// goes in namespace, and with enforce it must be in namespace.
//
// Every text of the manifest's that an error carries (its file name, a field the type lacks) is
// shown with its control characters escaped (safe): a manifest from a pull request cannot write
// control sequences into a CI log.
func toManifest(info *resource.Info, namespace string, enforce bool) (manifest, error) {
	source := safe(cleanSource(info.Source))
	u, ok := info.Object.(*unstructured.Unstructured)
	if !ok {
		return manifest{}, fmt.Errorf("%s: %T is not an object", source, info.Object)
	}
	gvk := u.GroupVersionKind()
	if gvk.Group != v1alpha1.GroupVersion.Group || gvk.Kind != "Department" {
		return manifest{}, fmt.Errorf("%s: %s %q (apiVersion %s) is not a Department: plan reads orgsync.dev/v1alpha1 Departments only",
			source, kindOf(u), u.GetName(), shown(u.GetAPIVersion()))
	}
	if gvk.Version != v1alpha1.GroupVersion.Version {
		return manifest{}, fmt.Errorf("%s: Department %q has apiVersion %s; this plugin knows %s", source, u.GetName(), shown(u.GetAPIVersion()), v1alpha1.GroupVersion)
	}
	if u.GetName() == "" {
		return manifest{}, fmt.Errorf("%s: a Department without metadata.name", source)
	}
	var dept v1alpha1.Department
	if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(u.Object, &dept, true); err != nil {
		return manifest{}, fmt.Errorf("%s: Department %q: %s", source, u.GetName(), safe(err.Error()))
	}
	// The builder defaults the namespace only of kinds a server maps; a local read maps none.
	if dept.Namespace == "" {
		dept.Namespace = namespace
	}
	if enforce && dept.Namespace != namespace {
		return manifest{}, fmt.Errorf("%s: Department %q is in namespace %q, not in %q as -n says (kubectl apply -n %s refuses it too): drop -n, or pass --namespace=%s",
			source, dept.Name, dept.Namespace, namespace, namespace, dept.Namespace)
	}
	// The plan reasons about the spec and metadata the manifest gives; a status in a manifest
	// is not applied.
	dept.Status = v1alpha1.DepartmentStatus{}
	return manifest{source: source, dept: dept}, nil
}

func kindOf(u *unstructured.Unstructured) string {
	if u.GetKind() == "" {
		return "an object without a kind"
	}
	return shown(u.GetKind())
}

// shown is s as an error may print it: quoted when it holds anything but visible characters, so
// that a manifest from a pull request cannot write control sequences into a CI log.
func shown(s string) string {
	for _, r := range s {
		if !unicode.IsGraphic(r) || unicode.IsSpace(r) {
			return strconv.Quote(s)
		}
	}
	return s
}

// cleanSource shortens an absolute path under the working directory to a relative one.
func cleanSource(source string) string {
	if wd, err := os.Getwd(); err == nil && filepath.IsAbs(source) {
		if rel, err := filepath.Rel(wd, source); err == nil && !strings.HasPrefix(rel, "..") {
			return rel
		}
	}
	return source
}

// joinErrors reports several problems as one error, one a line.
func joinErrors(errs []error) error {
	if len(errs) == 1 {
		return errs[0]
	}
	lines := make([]string, 0, len(errs))
	for _, err := range errs {
		lines = append(lines, "  "+strings.ReplaceAll(err.Error(), "\n", "\n  "))
	}
	return fmt.Errorf("%d problems in the manifests:\n%s", len(errs), strings.Join(lines, "\n"))
}

// checkKeys refuses manifests that give one Department (namespace and name) twice, since an
// apply would make the object one of them and the plan could not say which, and manifests that
// claim one external key twice in one Organization: the manager would let only one of them have
// it.
func checkKeys(manifests []manifest) error {
	type objectKey struct{ namespace, name string }
	type orgKey struct{ namespace, org, key string }
	objects := map[objectKey]*manifest{}
	first := map[orgKey]*manifest{}
	var errs []error
	for i := range manifests {
		m := &manifests[i]
		o := objectKey{m.dept.Namespace, m.dept.Name}
		if prev, ok := objects[o]; ok {
			errs = append(errs, fmt.Errorf("%s and %s both give Department %q of namespace %q: give each Department once", prev.source, m.source, o.name, o.namespace))
			continue
		}
		objects[o] = m
		k := orgKey{m.dept.Namespace, m.dept.Spec.OrganizationRef.Name, m.dept.Key()}
		if prev, ok := first[k]; ok {
			errs = append(errs, fmt.Errorf("%s and %s both claim external key %q of Organization %q", prev.what(), m.what(), k.key, k.org))
			continue
		}
		first[k] = m
	}
	if len(errs) > 0 {
		return joinErrors(errs)
	}
	return nil
}

// checkCycles refuses Departments whose parentExternalKey leads back to themselves. depts are an
// Organization's live Departments as the apply would leave them; sources names where each came
// from (by object name; a Department not in the manifests is "in the cluster").
func checkCycles(depts []v1alpha1.Department, sources map[string]string) error {
	var errs []error
	for _, cycle := range decision.Cycles(decision.Each(depts)) {
		keys := make([]string, 0, len(cycle)+1)
		where := make([]string, 0, len(cycle))
		for _, d := range cycle {
			keys = append(keys, d.Key())
			where = append(where, fmt.Sprintf("%s: %s", d.Key(), cmp.Or(sources[d.Name], "in the cluster")))
		}
		keys = append(keys, keys[0])
		errs = append(errs, fmt.Errorf("parentExternalKey forms a cycle: %s (%s)", strings.Join(keys, " -> "), strings.Join(where, ", ")))
	}
	if len(errs) > 0 {
		return joinErrors(errs)
	}
	return nil
}
