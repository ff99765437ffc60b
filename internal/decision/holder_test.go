package decision

import (
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

var created = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

// claimant is a Department called name claiming key, created age minutes after created.
func claimant(name, key string, age int, mutate ...func(*v1alpha1.Department)) v1alpha1.Department {
	d := v1alpha1.Department{
		ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID("uid-" + name), CreationTimestamp: metav1.NewTime(created.Add(time.Duration(age) * time.Minute))},
		Spec:       v1alpha1.DepartmentSpec{ExternalKey: key},
	}
	for _, m := range mutate {
		m(&d)
	}
	return d
}

func deleting(d *v1alpha1.Department) {
	d.DeletionTimestamp = &metav1.Time{Time: created.Add(time.Hour)}
}

func synced(d *v1alpha1.Department) {
	d.Status.ExternalKey, d.Status.LastSyncTime = d.Key(), &metav1.Time{Time: created}
}

func parent(key string) func(*v1alpha1.Department) {
	return func(d *v1alpha1.Department) { d.Spec.ParentExternalKey = key }
}

func TestHolder(t *testing.T) {
	cases := map[string]struct {
		claimants []v1alpha1.Department
		holder    string // "" for none
		live      string
	}{
		"none":      {},
		"one":       {claimants: []v1alpha1.Department{claimant("a", "k", 0)}, holder: "a", live: "a"},
		"the older": {claimants: []v1alpha1.Department{claimant("b", "k", 1), claimant("a", "k", 2)}, holder: "b", live: "b"},
		// The status, which anyone allowed to write it could set, takes no key from the older.
		"the older, though the younger's status says it synced": {claimants: []v1alpha1.Department{claimant("old", "k", 0), claimant("new", "k", 5, synced)}, holder: "old", live: "old"},
		"the same second: by name":                              {claimants: []v1alpha1.Department{claimant("z", "k", 0), claimant("m", "k", 0)}, holder: "m", live: "m"},
		"live before deleting":                                  {claimants: []v1alpha1.Department{claimant("old", "k", 0, synced, deleting), claimant("new", "k", 5)}, holder: "new", live: "new"},
		"only deleting ones":                                    {claimants: []v1alpha1.Department{claimant("b", "k", 1, deleting), claimant("a", "k", 2, deleting)}, holder: "b"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			// The cache lists claimants in any order: the holder does not depend on it.
			for _, order := range [][]v1alpha1.Department{tc.claimants, reversed(tc.claimants)} {
				if got := nameOf(Holder(Each(order))); got != tc.holder {
					t.Errorf("Holder = %q, want %q", got, tc.holder)
				}
				if got := nameOf(LiveHolder(Each(order))); got != tc.live {
					t.Errorf("LiveHolder = %q, want %q", got, tc.live)
				}
			}
		})
	}
}

func TestKeyHolderAndSuccessor(t *testing.T) {
	old := claimant("old", "k", 0, synced, deleting)
	renamed, other := claimant("renamed", "k", 5), claimant("other", "k", 3)
	holder, successor := KeyHolder([]v1alpha1.Department{renamed, old, other}, &old)
	if nameOf(holder) != "other" || nameOf(successor) != "other" {
		t.Errorf("deleting: holder %q, successor %q; want the oldest live claimant for both", nameOf(holder), nameOf(successor))
	}
	holder, successor = KeyHolder([]v1alpha1.Department{renamed, other}, &renamed)
	if nameOf(holder) != "other" || successor != nil {
		t.Errorf("live: holder %q, successor %q; want other and none", nameOf(holder), nameOf(successor))
	}
	if _, successor = KeyHolder([]v1alpha1.Department{old}, &old); successor != nil {
		t.Errorf("alone: successor %q", successor.Name)
	}
}

func TestBlame(t *testing.T) {
	for name, tc := range map[string]struct {
		claimants []v1alpha1.Department
		want      string
	}{
		"no Department":                    {want: "k" + UnmanagedSuffix},
		"the holder, not the first listed": {claimants: []v1alpha1.Department{claimant("a-young", "k", 9), claimant("b-old", "k", 1)}, want: "b-old"},
		"a deleting one alone":             {claimants: []v1alpha1.Department{claimant("gone", "k", 0, deleting)}, want: "gone"},
		"the live one over a deleting one": {claimants: []v1alpha1.Department{claimant("a", "k", 0, deleting), claimant("b", "k", 1)}, want: "b"},
	} {
		if got := Blame("k", Each(tc.claimants)); got != tc.want {
			t.Errorf("%s: %q, want %q", name, got, tc.want)
		}
	}
	if !Unmanaged([]string{"a", "k" + UnmanagedSuffix}) || Unmanaged([]string{"a"}) {
		t.Error("Unmanaged misreads Blame's names")
	}
}

func reversed(ds []v1alpha1.Department) []v1alpha1.Department {
	out := slices.Clone(ds)
	slices.Reverse(out)
	return out
}

func nameOf(d *v1alpha1.Department) string {
	if d == nil {
		return ""
	}
	return d.Name
}
