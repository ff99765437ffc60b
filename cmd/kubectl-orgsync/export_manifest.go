package main

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/decision"
	"github.com/orgsync/orgsync/internal/provider"
	"github.com/orgsync/orgsync/internal/provider/vendors"
)

// departmentManifest is a Department as export writes it: the fields a user writes, no status
// and no server fields.
type departmentManifest struct {
	APIVersion string                  `json:"apiVersion"`
	Kind       string                  `json:"kind"`
	Metadata   manifestMetadata        `json:"metadata"`
	Spec       v1alpha1.DepartmentSpec `json:"spec"`

	// parentKey, key: the tree the manifest belongs to (not written).
	key, parentKey string
}

type manifestMetadata struct {
	Name        string            `json:"name"`
	Namespace   string            `json:"namespace,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// skippedDepartment is a remote department export cannot write as a Department, and why.
type skippedDepartment struct {
	key    string
	reason string
}

// exportInput is what the manifests are made from.
type exportInput struct {
	provider     v1alpha1.Provider
	organization string
	namespace    string
	remote       []provider.Department
	// existing are the namespace's Departments: their names are kept for the keys they hold, and
	// with unmanagedOnly the keys the Organization's Departments claim are left out.
	existing      []v1alpha1.Department
	unmanagedOnly bool
}

// exportResult is the manifests in output order (each tree depth first from its top, siblings
// by display order then key; trees by the same order) and what was left out.
type exportResult struct {
	manifests []departmentManifest
	skipped   []skippedDepartment
	// covered counts the remote departments left out because a Department claims them.
	covered int
	// orphans are the exported departments whose parent the remote chart does not hold (gone,
	// or moved while it was listed): their Departments will wait for it (WaitingForParent).
	orphans []skippedDepartment
}

// buildManifests turns a remote chart into Department manifests which, applied, make the manager
// see no difference: the fields the provider compares (its Diff) that hold a value, as the
// controller builds the desired state (decision.DesiredDepartment; a blank field is left out,
// and so not managed). A department whose values a Department cannot
// hold (the CRD's validation) is skipped with the reason, and so is a department under a parent
// cycle.
func buildManifests(in exportInput) exportResult {
	var res exportResult
	claimed := map[string]bool{}
	for i := range in.existing {
		if d := &in.existing[i]; d.Spec.OrganizationRef.Name == in.organization {
			claimed[d.Key()] = true
		}
	}
	specs := map[string]v1alpha1.DepartmentSpec{}
	var keys []string
	for _, d := range in.remote {
		if in.unmanagedOnly && claimed[d.Key] {
			res.covered++
			continue
		}
		spec, reasons := exportSpec(in.provider, in.organization, d)
		if len(reasons) > 0 {
			res.skipped = append(res.skipped, skippedDepartment{key: d.Key, reason: strings.Join(reasons, "; ")})
			continue
		}
		if _, dup := specs[d.Key]; dup {
			res.skipped = append(res.skipped, skippedDepartment{key: d.Key, reason: "the remote chart lists the key twice"})
			continue
		}
		specs[d.Key] = spec
		keys = append(keys, d.Key)
	}
	slices.Sort(keys)
	names := assignNames(keys, in.existing, in.organization)
	reused := claimants(in.existing, in.organization)

	// Depth first from the tops: a department whose parent is not exported is a top.
	children := map[string][]string{}
	var tops []string
	for _, key := range keys {
		parent := specs[key].ParentExternalKey
		if _, ok := specs[parent]; ok {
			children[parent] = append(children[parent], key)
		} else {
			tops = append(tops, key)
		}
	}
	bySiblingOrder := func(a, b string) int {
		return cmp.Or(provider.CompareDisplayOrder(specs[a].DisplayOrder, specs[b].DisplayOrder), strings.Compare(a, b))
	}
	visited := map[string]bool{}
	var walk func(key string)
	walk = func(key string) {
		visited[key] = true
		spec := specs[key]
		if names[key] != key {
			spec.ExternalKey = key
		}
		m := departmentManifest{
			APIVersion: v1alpha1.GroupVersion.String(), Kind: "Department",
			Metadata: manifestMetadata{Name: names[key], Namespace: in.namespace},
			Spec:     spec, key: key, parentKey: spec.ParentExternalKey,
		}
		if d := reused[key]; d != nil && d.Name == names[key] {
			keepSettings(&m, d)
		}
		res.manifests = append(res.manifests, m)
		kids := children[key]
		slices.SortFunc(kids, bySiblingOrder)
		for _, kid := range kids {
			walk(kid)
		}
	}
	slices.SortFunc(tops, bySiblingOrder)
	for _, top := range tops {
		walk(top)
	}
	for _, key := range keys {
		if !visited[key] {
			res.skipped = append(res.skipped, skippedDepartment{key: key, reason: "its parents lead back to itself (a cycle in the remote chart)"})
		}
	}
	slices.SortFunc(res.skipped, func(a, b skippedDepartment) int { return strings.Compare(a.key, b.key) })
	res.orphans = orphansOf(res.manifests, in.remote)
	return res
}

// orphansOf are the manifests whose parent the remote chart does not hold.
func orphansOf(manifests []departmentManifest, remote []provider.Department) []skippedDepartment {
	listed := make(map[string]bool, len(remote))
	for _, d := range remote {
		listed[d.Key] = true
	}
	var orphans []skippedDepartment
	for _, m := range manifests {
		if m.parentKey != "" && !listed[m.parentKey] {
			orphans = append(orphans, skippedDepartment{key: m.key,
				reason: fmt.Sprintf("its parent %q is not in the remote chart: its Department will wait for it (WaitingForParent)", m.parentKey)})
		}
	}
	return orphans
}

// The CRD's patterns (api/v1alpha1/department_types.go), which the API server checks with Go's
// regexp as well.
var (
	keyPattern          = regexp.MustCompile(`^[^/?#%\p{Z}\p{C}]+$`)
	localizedPattern    = regexp.MustCompile(`^[^\p{Cc}\p{Zl}\p{Zp}]+$`)
	nameForbidden       = regexp.MustCompile(`[\p{Cc}\p{Zl}\p{Zp}]`)
	nameVisible         = regexp.MustCompile(`[^\p{Z}\p{C}]`)
	emailPattern        = regexp.MustCompile(`^([^@\p{Z}\p{C}]+@[^@\p{Z}\p{C}]+\.[^@\p{Z}\p{C}]+)?$`)
	displayOrderPattern = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)
	categoryPattern     = regexp.MustCompile(`^([A-Za-z0-9_-]+)?$`)
)

// CRD limits, in characters.
const (
	maxKeyLength          = 36
	maxNameLength         = 100
	maxI18nNames          = 50
	minLocaleLength       = 2
	maxLocaleLength       = 20
	maxEmailLength        = 100
	maxDisplayOrderLength = 10
	maxCategoryLength     = 64
)

// exportSpec is the spec of a Department that matches d for provider p, or the reasons no
// Department can. It holds the fields p's conventions export (provider.Conventions.Export), and
// only those, checked against the CRD's limits.
func exportSpec(p v1alpha1.Provider, organization string, d provider.Department) (v1alpha1.DepartmentSpec, []string) {
	spec := v1alpha1.DepartmentSpec{
		OrganizationRef:   v1alpha1.LocalObjectReference{Name: organization},
		Name:              d.Name,
		ParentExternalKey: d.ParentKey,
	}
	vendors.For(p).Export(d, &spec)
	var reasons []string
	reasons = append(reasons, keyProblems("key", d.Key, false)...)
	reasons = append(reasons, keyProblems("parent key", d.ParentKey, true)...)
	if d.ParentKey != "" && d.ParentKey == d.Key {
		reasons = append(reasons, "it is its own parent")
	}
	reasons = append(reasons, nameProblems(d.Name)...)
	reasons = append(reasons, exportedFieldProblems(&spec)...)
	return spec, reasons
}

// exportedFieldProblems checks the fields a provider exported against the CRD's limits, and
// spells a display order the CRD cannot hold as it is in its shortest form.
func exportedFieldProblems(spec *v1alpha1.DepartmentSpec) []string {
	var reasons []string
	if c := spec.Category; c != "" && (utf8.RuneCountInString(c) > maxCategoryLength || !categoryPattern.MatchString(c)) {
		reasons = append(reasons, fmt.Sprintf("category %q is not 1 to %d ASCII letters, digits, _ or -", c, maxCategoryLength))
	}
	plain := make(map[string]string, len(spec.I18nNames))
	for locale, name := range spec.I18nNames {
		plain[locale] = string(name)
	}
	reasons = append(reasons, i18nProblems(plain)...)
	if e := spec.EmailAddress; e != nil && (utf8.RuneCountInString(*e) > maxEmailLength || !emailPattern.MatchString(*e)) {
		reasons = append(reasons, fmt.Sprintf("e-mail address %q is not an address of at most %d characters", *e, maxEmailLength))
	}
	if remote := spec.DisplayOrder; remote != "" {
		order, ok := exportDisplayOrder(remote)
		if !ok {
			reasons = append(reasons, fmt.Sprintf("display order %q is not a decimal of at most %d characters without a sign", remote, maxDisplayOrderLength))
		}
		spec.DisplayOrder = order
	}
	return reasons
}

func keyProblems(what, key string, optional bool) []string {
	switch n := utf8.RuneCountInString(key); {
	case n == 0 && optional:
		return nil
	case n == 0:
		return []string{what + " is empty"}
	case n > maxKeyLength:
		return []string{fmt.Sprintf("%s %q is longer than %d characters", what, key, maxKeyLength)}
	case !keyPattern.MatchString(key):
		return []string{fmt.Sprintf("%s %q holds /, ?, #, %%, a space, or a control or invisible character", what, key)}
	case key == "." || key == "..":
		return []string{fmt.Sprintf("%s %q is . or ..", what, key)}
	}
	return nil
}

func nameProblems(name string) []string {
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		return []string{"the name is empty"}
	case n > maxNameLength:
		return []string{fmt.Sprintf("the name %q is longer than %d characters", name, maxNameLength)}
	case nameForbidden.MatchString(name):
		return []string{fmt.Sprintf("the name %q holds a control character or a line break", name)}
	case !nameVisible.MatchString(name):
		return []string{fmt.Sprintf("the name %q has no visible character", name)}
	}
	return nil
}

func i18nProblems(names map[string]string) []string {
	var reasons []string
	if len(names) > maxI18nNames {
		reasons = append(reasons, fmt.Sprintf("it has %d i18n names, more than %d", len(names), maxI18nNames))
	}
	for _, locale := range slices.Sorted(maps.Keys(names)) {
		if n := utf8.RuneCountInString(locale); n < minLocaleLength || n > maxLocaleLength {
			reasons = append(reasons, fmt.Sprintf("i18n locale %q is not %d to %d characters", locale, minLocaleLength, maxLocaleLength))
		}
		name := names[locale]
		if utf8.RuneCountInString(name) > maxNameLength || !localizedPattern.MatchString(name) {
			reasons = append(reasons, fmt.Sprintf("i18n name %s %q is not 1 to %d characters without control characters or line breaks", locale, name, maxNameLength))
		}
	}
	return reasons
}

// exportDisplayOrder is remote as the CRD can hold it: as it is, or in its shortest decimal spelling
// ("0002.50" is 2.5 to WORKPLACE).
func exportDisplayOrder(remote string) (string, bool) {
	fits := func(order string) bool {
		return len(order) <= maxDisplayOrderLength && displayOrderPattern.MatchString(order)
	}
	if fits(remote) {
		return remote, true
	}
	parsed := provider.ParseDisplayOrder(remote)
	order, number := parsed.Shortest()
	if !number || parsed.Negative() {
		return remote, false
	}
	return order, fits(order)
}

// maxGeneratedBase is how much of a key a generated name keeps before its hash.
const maxGeneratedBase = 40

// claimants are, by key, the Departments of organization among existing that hold each key
// (decision.ClaimsFirst).
func claimants(existing []v1alpha1.Department, organization string) map[string]*v1alpha1.Department {
	claimant := map[string]*v1alpha1.Department{}
	for i := range existing {
		d := &existing[i]
		if d.Spec.OrganizationRef.Name != organization {
			continue
		}
		if c, ok := claimant[d.Key()]; !ok || decision.ClaimsFirst(d, c) {
			claimant[d.Key()] = d
		}
	}
	return claimant
}

// keepSettings copies into m what of d, the Department whose name m takes, is not the remote
// chart's: its policies, when not the defaults, and orgsync.dev/paused. Applying the export then
// changes nothing of d but what the remote chart says (kubectl apply's and a server-side apply's
// merge would otherwise reset what the manifest leaves out, and a Department that only observed
// or orphaned would start to write or delete).
func keepSettings(m *departmentManifest, d *v1alpha1.Department) {
	if d.Spec.DeletionPolicy != "" && d.Spec.DeletionPolicy != v1alpha1.DeletionPolicyDelete {
		m.Spec.DeletionPolicy = d.Spec.DeletionPolicy
	}
	if d.Spec.ManagementPolicy != "" && d.Spec.ManagementPolicy != v1alpha1.ManagementPolicyManage {
		m.Spec.ManagementPolicy = d.Spec.ManagementPolicy
	}
	if paused, ok := d.Annotations[v1alpha1.AnnotationPaused]; ok {
		m.Metadata.Annotations = map[string]string{v1alpha1.AnnotationPaused: paused}
	}
}

// assignNames names each key's Department: the key itself where it is a valid object name
// (a DNS-1123 subdomain) that no other Department of the namespace has, else a generated name:
// the key in lower case with other characters as "-", then "-" and the start of the key's
// SHA-256 (longer when that is taken). A key that a Department of the Organization claims keeps
// that Department's name (the one that holds it, when several claim it), so that applying the
// export updates the object rather than adding a second claim. Other Departments of the namespace
// keep their names: the export reuses none for another key or Organization. Names depend on the
// key, not on the order of the chart.
func assignNames(keys []string, existing []v1alpha1.Department, organization string) map[string]string {
	used := map[string]string{} // name → the key it holds; "" for another Organization's
	for i := range existing {
		d := &existing[i]
		used[d.Name] = ""
		if d.Spec.OrganizationRef.Name == organization {
			used[d.Name] = d.Key()
		}
	}
	claimant := claimants(existing, organization)
	names := make(map[string]string, len(keys))
	for _, key := range keys {
		if d, ok := claimant[key]; ok {
			names[key] = d.Name
		}
	}
	for _, key := range keys {
		if _, ok := names[key]; ok {
			continue
		}
		holder, taken := used[key]
		if len(validation.IsDNS1123Subdomain(key)) == 0 && (!taken || holder == key) {
			names[key] = key
			used[key] = key
		}
	}
	for _, key := range keys {
		if _, ok := names[key]; ok {
			continue
		}
		sum := sha256.Sum256([]byte(key))
		hash := hex.EncodeToString(sum[:])
		base := generatedBase(key)
		for length := 8; ; length += 8 {
			name := base + "-" + hash[:min(length, len(hash))]
			if holder, taken := used[name]; !taken || holder == key || length >= len(hash) {
				names[key] = name
				used[name] = key
				break
			}
		}
	}
	return names
}

// generatedBase is key as the start of an object name: lower-case ASCII letters and digits,
// other runs of characters as one "-"; "dept" when nothing is left.
func generatedBase(key string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(key) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			if b.Len() >= maxGeneratedBase {
				break
			}
			continue
		}
		dash = true
	}
	if b.Len() == 0 {
		return "dept"
	}
	return b.String()
}
