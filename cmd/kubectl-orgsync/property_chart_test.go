package main

// Random charts and reorganisations for the property test of plan (property_envtest_test.go):
// a chart is a few departments up to five levels deep, named in Korean, Chinese and English; a
// reorganisation renames, moves (under a new department too), deletes leaves and subtrees, adds
// departments, takes over remote departments no Department manages (adopts them, as they are or
// changed), replaces a department's key and hands a key over to another object; one department in
// five has deletionPolicy Orphan, whose delete leaves its remote department. Every chart
// drawn is one both clouds accept: no cycle, names unique (each carries its key), valid keys and
// values, and on Huawei Cloud no move to the top level (OneAccess has no way to make one).

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

// propertyOrganization is the name of every property case's Organization (each in its namespace).
const propertyOrganization = "org"

// propDept is one department of a drawn chart.
type propDept struct {
	object, key, word, parent string // parent "" for top level
	order                     string // NCP's displayOrder; "" leaves it unset
	category                  string // OneAccess's; "" leaves it unset
	orphan                    bool   // deletionPolicy Orphan
}

// name is the department's name: a word and its key, so that no two departments share one
// (OneAccess refuses siblings of one name).
func (d *propDept) name() string { return d.word + " " + d.key }

// propChart is a drawn chart, by key.
type propChart struct {
	provider v1alpha1.Provider
	depts    map[string]*propDept
	// unmanaged are top-level remote departments no Department claims (made by hand before
	// orgsync), which a reorganisation may take over.
	unmanaged map[string]*propDept
	// next numbers new keys and objects; it carries over to the reorganisation of the chart.
	next int
	// During a reorganisation: existed are the parents of the chart's departments before it, by
	// key, and left those of the remote departments its deletes with deletionPolicy Orphan leave
	// (where they were before it: a department deleted makes no move).
	existed map[string]string
	left    map[string]string
}

// words name departments; Korean, Chinese and English, as charts of NCP's and Huawei's customers.
var words = []string{"영업", "개발", "인사", "재무", "연구소", "研发", "市场", "财务", "销售部", "Sales", "Platform", "Legal", "Ops"}

// randomChart draws a chart of 3 to 16 departments for provider p.
func randomChart(rng *rand.Rand, p v1alpha1.Provider) *propChart {
	c := &propChart{provider: p, depts: map[string]*propDept{}, unmanaged: map[string]*propDept{}}
	if rng.IntN(3) == 0 {
		for range 1 + rng.IntN(3) {
			c.next++
			key := fmt.Sprintf("r-%d", c.next)
			c.unmanaged[key] = &propDept{key: key, object: key, word: words[rng.IntN(len(words))]}
		}
	}
	for i := range 3 + rng.IntN(14) {
		parent := ""
		if keys := c.keys(); i > 0 && rng.IntN(5) != 0 {
			if parent = keys[rng.IntN(len(keys))]; c.depth(parent) >= 4 {
				parent = ""
			}
		}
		c.add(rng, parent)
	}
	return c
}

// add adds a new department under parent and returns it. One key in five is Korean or Chinese
// (its object then has another name, as object names are ASCII).
func (c *propChart) add(rng *rand.Rand, parent string) *propDept {
	c.next++
	d := &propDept{key: fmt.Sprintf("k-%d", c.next), word: words[rng.IntN(len(words))], parent: parent}
	d.object = d.key
	d.orphan = rng.IntN(5) == 0
	if rng.IntN(5) == 0 {
		d.key = []string{"부서", "部门"}[rng.IntN(2)] + fmt.Sprint(c.next)
		d.object = fmt.Sprintf("u-%d", c.next)
	}
	c.setField(rng, d)
	c.depts[d.key] = d
	return d
}

// setField draws the provider's other field: an NCP display order, or a OneAccess category.
func (c *propChart) setField(rng *rand.Rand, d *propDept) {
	if rng.IntN(3) != 0 {
		return
	}
	if c.provider == v1alpha1.ProviderHuaweiCloud {
		d.category = []string{"department", "unit", "team"}[rng.IntN(3)]
		return
	}
	d.order = fmt.Sprint(1 + rng.IntN(9))
	if rng.IntN(2) == 0 {
		d.order += fmt.Sprintf(".%d", rng.IntN(10))
	}
}

func (c *propChart) keys() []string { return slices.Sorted(maps.Keys(c.depts)) }

// depth is how many departments are above key; more than the chart holds in a cycle.
func (c *propChart) depth(key string) int {
	n := 0
	for d := c.depts[key]; d != nil && d.parent != "" && n <= len(c.depts); d = c.depts[d.parent] {
		n++
	}
	return n
}

// subtree is key and every department under it.
func (c *propChart) subtree(key string) map[string]bool {
	out := map[string]bool{key: true}
	for changed := true; changed; {
		changed = false
		for k, d := range c.depts {
			if !out[k] && out[d.parent] {
				out[k], changed = true, true
			}
		}
	}
	return out
}

func (c *propChart) children(key string) []string {
	var out []string
	for _, k := range c.keys() {
		if c.depts[k].parent == key {
			out = append(out, k)
		}
	}
	return out
}

func (c *propChart) clone() *propChart {
	out := &propChart{provider: c.provider, depts: map[string]*propDept{}, unmanaged: map[string]*propDept{}, next: c.next}
	for k, d := range c.depts {
		copied := *d
		out.depts[k] = &copied
	}
	for k, d := range c.unmanaged {
		copied := *d
		out.unmanaged[k] = &copied
	}
	return out
}

// reorganisation is one change a reorganisation makes to a chart: it returns what it did, or ""
// when it found nothing to change.
type reorganisation func(c *propChart, rng *rand.Rand) string

var reorganisations = []reorganisation{
	(*propChart).rename, (*propChart).move, (*propChart).moveUnderNew, (*propChart).deleteLeaf,
	(*propChart).deleteSubtree, (*propChart).addNew, (*propChart).replaceKey, (*propChart).handOver,
	(*propChart).changeField, (*propChart).adopt,
}

// reorganise draws 1 to 8 changes of c and returns the new chart and what changed. The new chart
// keeps at least one department, so that its manifests name the Organization.
func (c *propChart) reorganise(rng *rand.Rand) (*propChart, []string) {
	for {
		next := c.clone()
		next.existed, next.left = map[string]string{}, map[string]string{}
		for k, d := range c.depts {
			next.existed[k] = d.parent
		}
		var did []string
		for range 1 + rng.IntN(8) {
			if what := reorganisations[rng.IntN(len(reorganisations))](next, rng); what != "" {
				did = append(did, what)
			}
		}
		if len(next.depts) == 0 {
			did = append(did, next.addNew(rng))
		}
		if next.noDeleteBlocked() {
			return next, did
		}
	}
}

// noDeleteBlocked reports whether every delete of the reorganisation can be made: none deletes a
// remote department under which a delete with deletionPolicy Orphan leaves one.
func (c *propChart) noDeleteBlocked() bool {
	for _, parent := range c.left {
		_, kept := c.depts[parent]
		_, orphaned := c.left[parent]
		if parent != "" && !kept && !orphaned {
			return false
		}
	}
	return true
}

// remove deletes key from the chart; with deletionPolicy Orphan its remote department, if it had
// one, stays.
func (c *propChart) remove(key string) {
	if parent, existed := c.existed[key]; existed && c.depts[key].orphan {
		c.left[key] = parent
	}
	delete(c.depts, key)
}

// pick is a random key of c among those ok accepts; "" when none does.
func (c *propChart) pick(rng *rand.Rand, ok func(*propDept) bool) string {
	var candidates []string
	for _, k := range c.keys() {
		if ok(c.depts[k]) {
			candidates = append(candidates, k)
		}
	}
	if len(candidates) == 0 {
		return ""
	}
	return candidates[rng.IntN(len(candidates))]
}

func anyDept(*propDept) bool { return true }

func (c *propChart) rename(rng *rand.Rand) string {
	key := c.pick(rng, anyDept)
	if key == "" {
		return ""
	}
	d := c.depts[key]
	old := d.word
	for d.word == old {
		d.word = words[rng.IntN(len(words))]
	}
	return "rename " + key
}

// newParent is a random parent key could move under other than its own: outside its subtree, and
// on NCP possibly the top level (""); "" with false when there is none.
func (c *propChart) newParent(rng *rand.Rand, key string) (string, bool) {
	below := c.subtree(key)
	current := c.depts[key].parent
	options := []string{}
	if c.provider == v1alpha1.ProviderNCP && current != "" {
		options = append(options, "")
	}
	for _, k := range c.keys() {
		if !below[k] && k != current {
			options = append(options, k)
		}
	}
	if len(options) == 0 {
		return "", false
	}
	return options[rng.IntN(len(options))], true
}

func (c *propChart) move(rng *rand.Rand) string {
	key := c.pick(rng, anyDept)
	if key == "" {
		return ""
	}
	parent, ok := c.newParent(rng, key)
	if !ok {
		return ""
	}
	c.depts[key].parent = parent
	return fmt.Sprintf("move %s under %q", key, parent)
}

// moveUnderNew adds a department (outside key's subtree) and moves key under it.
func (c *propChart) moveUnderNew(rng *rand.Rand) string {
	key := c.pick(rng, anyDept)
	if key == "" {
		return ""
	}
	below := c.subtree(key)
	parent := "" // a new top-level department, or one outside key's subtree
	if rng.IntN(4) != 0 {
		parent = c.pick(rng, func(d *propDept) bool { return !below[d.key] && c.depth(d.key) < 4 })
	}
	created := c.add(rng, parent)
	c.depts[key].parent = created.key
	return fmt.Sprintf("move %s under new %s", key, created.key)
}

func (c *propChart) deleteLeaf(rng *rand.Rand) string {
	key := c.pick(rng, func(d *propDept) bool { return len(c.children(d.key)) == 0 })
	if key == "" {
		return ""
	}
	c.remove(key)
	return "delete leaf " + key
}

// deleteSubtree deletes a department and every department under it.
func (c *propChart) deleteSubtree(rng *rand.Rand) string {
	key := c.pick(rng, func(d *propDept) bool { return len(c.children(d.key)) > 0 })
	if key == "" {
		return ""
	}
	sub := c.subtree(key)
	for k := range sub {
		c.remove(k)
	}
	return fmt.Sprintf("delete subtree %s (%d)", key, len(sub))
}

func (c *propChart) addNew(rng *rand.Rand) string {
	parent := ""
	if len(c.depts) > 0 && rng.IntN(4) != 0 {
		parent = c.pick(rng, func(d *propDept) bool { return c.depth(d.key) < 4 })
	}
	return fmt.Sprintf("new %s under %q", c.add(rng, parent).key, parent)
}

// replaceKey gives a department's place to one of a new key: the new one is added under the same
// parent, the sub-departments move under it, and the old one goes.
func (c *propChart) replaceKey(rng *rand.Rand) string {
	key := c.pick(rng, anyDept)
	if key == "" {
		return ""
	}
	old := c.depts[key]
	created := c.add(rng, old.parent)
	created.word = old.word
	for _, child := range c.children(key) {
		c.depts[child].parent = created.key
	}
	c.remove(key)
	return fmt.Sprintf("replace %s by %s", key, created.key)
}

// handOver gives a key to a new object (the old object goes, the new one claims the key: a
// rename of the object in Git), sometimes with a new name.
func (c *propChart) handOver(rng *rand.Rand) string {
	key := c.pick(rng, anyDept)
	if key == "" {
		return ""
	}
	c.next++
	d := c.depts[key]
	d.object = fmt.Sprintf("h-%d", c.next)
	if rng.IntN(2) == 0 {
		d.word = words[rng.IntN(len(words))]
	}
	return fmt.Sprintf("hand %s over to object %s", key, d.object)
}

// changeField changes the display order (NCP) or the category (Huawei Cloud) of a department.
func (c *propChart) changeField(rng *rand.Rand) string {
	key := c.pick(rng, anyDept)
	if key == "" {
		return ""
	}
	d := c.depts[key]
	before := d.order + d.category
	for d.order+d.category == before {
		c.setField(rng, d)
	}
	return fmt.Sprintf("change %s's order or category to %q", key, d.order+d.category)
}

// adopt has a new Department take over an unmanaged remote department: as it is, renamed, or
// moved under a department of the chart.
func (c *propChart) adopt(rng *rand.Rand) string {
	keys := slices.Sorted(maps.Keys(c.unmanaged))
	if len(keys) == 0 {
		return ""
	}
	d := c.unmanaged[keys[rng.IntN(len(keys))]]
	delete(c.unmanaged, d.key)
	c.depts[d.key] = d
	switch rng.IntN(3) {
	case 1:
		d.word = words[(slices.Index(words, d.word)+1)%len(words)]
	case 2:
		d.parent = c.pick(rng, func(o *propDept) bool { return o.key != d.key })
	}
	return fmt.Sprintf("adopt %s as %q under %q", d.key, d.name(), d.parent)
}

// departments is the chart's Department objects in namespace, ordered by object name.
func (c *propChart) departments(namespace string) []v1alpha1.Department {
	out := make([]v1alpha1.Department, 0, len(c.depts))
	for _, d := range c.depts {
		dept := v1alpha1.Department{
			ObjectMeta: metav1.ObjectMeta{Name: d.object, Namespace: namespace},
			Spec: v1alpha1.DepartmentSpec{
				OrganizationRef: v1alpha1.LocalObjectReference{Name: propertyOrganization},
				Name:            d.name(), ParentExternalKey: d.parent, DisplayOrder: d.order, Category: d.category,
			},
		}
		if d.object != d.key {
			dept.Spec.ExternalKey = d.key
		}
		if d.orphan {
			dept.Spec.DeletionPolicy = v1alpha1.DeletionPolicyOrphan
		}
		out = append(out, dept)
	}
	slices.SortFunc(out, func(a, b v1alpha1.Department) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// String draws the chart as an indented tree, for a failure's report.
func (c *propChart) String() string {
	var b strings.Builder
	var walk func(parent, indent string)
	walk = func(parent, indent string) {
		for _, k := range c.children(parent) {
			d := c.depts[k]
			fmt.Fprintf(&b, "%s%s %q (object %s", indent, k, d.name(), d.object)
			if d.order != "" || d.category != "" {
				fmt.Fprintf(&b, ", %s", d.order+d.category)
			}
			if d.orphan {
				b.WriteString(", Orphan")
			}
			b.WriteString(")\n")
			walk(k, indent+"  ")
		}
	}
	walk("", "  ")
	for _, k := range slices.Sorted(maps.Keys(c.unmanaged)) {
		fmt.Fprintf(&b, "  %s %q (unmanaged)\n", k, c.unmanaged[k].name())
	}
	return b.String()
}

// TestReorganisationsKeepChartsValid draws many charts and reorganisations and checks what every
// cloud needs of them: no cycle, no department under a missing parent, unique objects and names,
// and on Huawei Cloud no department moved to the top level.
func TestReorganisationsKeepChartsValid(t *testing.T) {
	for seed := range uint64(2000) {
		rng := rand.New(rand.NewPCG(seed, 18))
		p := propertyProvider(seed)
		before := randomChart(rng, p)
		after, did := before.reorganise(rng)
		for _, c := range []*propChart{before, after} {
			if err := c.valid(); err != nil {
				t.Fatalf("seed %d (%s): %v\nbefore:\n%s\nafter %v:\n%s", seed, p, err, before, did, after)
			}
		}
		if len(after.depts) == 0 {
			t.Fatalf("seed %d: the reorganisation left no department", seed)
		}
		for k, d := range after.depts {
			if was, ok := before.depts[k]; ok && p == v1alpha1.ProviderHuaweiCloud && d.parent == "" && was.parent != "" {
				t.Fatalf("seed %d: %s moved to the top level on Huawei Cloud", seed, k)
			}
		}
	}
}

// valid reports what would make the chart one a cloud refuses.
func (c *propChart) valid() error {
	objects, names := map[string]bool{}, map[string]bool{}
	for _, d := range c.unmanaged {
		names[d.name()] = true
	}
	for k, d := range c.depts {
		if d.parent != "" && c.depts[d.parent] == nil {
			return fmt.Errorf("%s is under %s, which is not in the chart", k, d.parent)
		}
		if c.depth(k) > len(c.depts) {
			return fmt.Errorf("%s is in a cycle", k)
		}
		if objects[d.object] || names[d.name()] {
			return fmt.Errorf("object %s or name %q twice", d.object, d.name())
		}
		objects[d.object], names[d.name()] = true, true
	}
	return nil
}

// propertyProvider is the provider of a seed's case: NCP for even seeds, Huawei Cloud for odd.
func propertyProvider(seed uint64) v1alpha1.Provider {
	if seed%2 == 0 {
		return v1alpha1.ProviderNCP
	}
	return v1alpha1.ProviderHuaweiCloud
}
