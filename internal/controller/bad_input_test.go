package controller_test

import (
	"cmp"
	"fmt"
	"maps"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

// The inputs and outcomes of this scenario are the table of docs/bad-input.md: a change to one
// belongs in both.
var _ = Describe("A chart applied with bad input", func() { forEveryBackend(badInputScenario) })

// refusal is a bad input the API server must refuse at admission.
type refusal struct {
	input string
	obj   client.Object
	// want are parts of the error: the field it names and, where the rule has one, its message.
	want []string
	opts []client.CreateOption
}

// reportedInput is a bad input that admission lets through (or cannot see) and whose Department's
// Ready condition must report it.
type reportedInput struct {
	input   string
	dept    string
	reason  string
	message []string
	// key is the Department's external key, which must never reach the remote system; "" when the
	// key is another Department's (a lost Conflict), checked through the holder instead.
	key string
}

func badInputScenario(b backend) {
	It("refuses each bad input at admission or names it in the Ready condition, writes nothing remote for any, and syncs the valid tree applied with them", func() {
		t := newTenant(b)
		t.setUp()
		c := newBadInputChart(t, b)
		c.apply()
		validKeys := c.expectValidSynced()
		c.expectReported()
		c.expectCounted()
		c.expectHeld(validKeys)
	})
}

// badInputChart is the chart the scenario applies at once, and what each part of it must come to.
type badInputChart struct {
	t *tenant
	b backend
	// valid sync exactly as written; depts are admitted and each is reported (by a reportedInput
	// in reported); refusals never get past admission.
	valid, depts []*v1alpha1.Department
	reported     []reportedInput
	refusals     []refusal
	// keylessOrg, of the account keyless, names keylessSecret, which lacks missingKey.
	keyless       *account
	missingKey    string
	keylessSecret *corev1.Secret
	keylessOrg    *v1alpha1.Organization
	// elsewhere is an Organization in otherNS, which no Department of t's namespace can reach.
	otherNS   string
	elsewhere *v1alpha1.Organization
}

// newBadInputChart builds t's chart for b; nothing is created yet (but the other namespace).
func newBadInputChart(t *tenant, b backend) *badInputChart {
	c := &badInputChart{t: t, b: b}
	c.addValid()
	c.addUnicode()
	c.addCycles()
	c.addDuplicateKeys()
	c.addMissingOrganization()
	c.addKeyless()
	c.addCrossNamespace()
	c.addRefusals()
	return c
}

// withOrder, withKey, withName, withParent, withI18n and withEmail set one field of a Department's
// spec.
func withOrder(o string) func(*v1alpha1.Department) {
	return func(d *v1alpha1.Department) { d.Spec.DisplayOrder = o }
}

func withKey(key string) func(*v1alpha1.Department) {
	return func(d *v1alpha1.Department) { d.Spec.ExternalKey = key }
}

func withName(v string) func(*v1alpha1.Department) {
	return func(d *v1alpha1.Department) { d.Spec.Name = v }
}

func withParent(v string) func(*v1alpha1.Department) {
	return func(d *v1alpha1.Department) { d.Spec.ParentExternalKey = v }
}

func withI18n(m map[string]v1alpha1.LocalizedName) func(*v1alpha1.Department) {
	return func(d *v1alpha1.Department) { d.Spec.I18nNames = m }
}

func withEmail(v string) func(*v1alpha1.Department) {
	return func(d *v1alpha1.Department) { d.Spec.EmailAddress = new(v) }
}

// addValid adds the valid chart. Names in any script, and (where the provider's documents allow
// any string) with bidirectional controls, combining marks and zero-width spaces, are valid input:
// they must sync exactly as written.
//
//	hq ── eng ── eng-apps
//	   ├─ sales
//	   ├─ rd-kr
//	   └─ kkk…k (at-limits)
//	shared-key (dup1-first), dup2-first
func (c *badInputChart) addValid() {
	t := c.t
	c.valid = []*v1alpha1.Department{
		t.dept("hq", "", "Headquarters", withOrder("1"), func(d *v1alpha1.Department) {
			d.Spec.I18nNames = map[string]v1alpha1.LocalizedName{"ko_KR": "본사", "en_US": "Headquarters"}
		}),
		t.dept("eng", "hq", "Engineering", withOrder("2")),
		t.dept("sales", "hq", "Sales", withOrder("3")),
		t.dept("eng-apps", "eng", "Applications"),
		t.dept("rd-kr", "hq", "연구 개발"),
		t.dept("dup1-first", "", "Shared key holder", withKey("shared-key")),
		t.dept("dup2-first", "", "Name key holder"),
		// Every limit met exactly: limits count characters, not bytes.
		t.dept("at-limits", "hq", strings.Repeat("가", 100), withKey(strings.Repeat("k", 36)), withOrder("1234567890"), func(d *v1alpha1.Department) {
			d.Spec.I18nNames = map[string]v1alpha1.LocalizedName{"ko_KR": v1alpha1.LocalizedName(strings.Repeat("나", 100))}
			d.Spec.EmailAddress = new(strings.Repeat("a", 94) + "@x.com")
			d.Spec.Category = strings.Repeat("c", 64)
		}),
	}
}

// addUnicode adds names and keys in characters WORKPLACE's documents allow (a name is any string
// of at most 100 characters) and OneAccess's do not (letters, digits, spaces, -, _ and & only; a
// code letters, digits, _ and -): valid for NCP, reported for Huawei Cloud.
func (c *badInputChart) addUnicode() {
	t := c.t
	unicodeInputs := []struct {
		input string
		dept  *v1alpha1.Department
		field string // how OneAccess's refusal names the field
		value string
	}{
		{"right-to-left override U+202E in a name", t.dept("name-rtl", "hq", "Support \u202eevil.exe"), "name", "Support \u202eevil.exe"},
		{"combining marks in a name", t.dept("name-combining", "hq", "Cafe\u0301 Ope\u0301rations"), "name", "Cafe\u0301 Ope\u0301rations"},
		{"zero-width space U+200B inside a name", t.dept("name-zwsp", "hq", "Zero\u200bWidth"), "name", "Zero\u200bWidth"},
		{"a slash in a name", t.dept("name-slash", "hq", "R&D / Ops"), "name", "R&D / Ops"},
		{"a dot in an externalKey", t.dept("key-dot", "hq", "Dotted key", withKey("team.dot")), "external key", "team.dot"},
		{"a combining mark in an externalKey", t.dept("key-combining", "hq", "Combining key", withKey("cafe\u0301")), "external key", "cafe\u0301"},
	}
	for _, u := range unicodeInputs {
		if c.b.provider() == v1alpha1.ProviderNCP {
			c.valid = append(c.valid, u.dept)
			continue
		}
		c.depts = append(c.depts, u.dept)
		c.reported = append(c.reported, reportedInput{
			input: u.input, dept: u.dept.Name, key: u.dept.Key(), reason: v1alpha1.ReasonInvalidSpec,
			message: []string{fmt.Sprintf("%s %q is not a valid OneAccess", u.field, u.value)},
		})
	}
}

// addCycles adds parent cycles of length 2 to 5: cycleN-0 -> cycleN-1 -> ... -> cycleN-0.
func (c *badInputChart) addCycles() {
	t := c.t
	for n := 2; n <= 5; n++ {
		keys := make([]string, n)
		for i := range keys {
			keys[i] = fmt.Sprintf("cycle%d-%d", n, i)
		}
		for i, key := range keys {
			c.depts = append(c.depts, t.dept(key, keys[(i+1)%n], "Cycle member"))
			// The cycle as the message walks it: from key round to key again.
			path := make([]string, 0, n+1)
			for j := 0; j <= n; j++ {
				path = append(path, keys[(i+j)%n])
			}
			c.reported = append(c.reported, reportedInput{
				input: fmt.Sprintf("a parent cycle of length %d", n), dept: key, key: key, reason: v1alpha1.ReasonParentCycle,
				message: []string{"parentExternalKey forms a cycle: " + strings.Join(path, " -> ")},
			})
		}
	}
}

// addDuplicateKeys adds keys claimed twice: by two externalKeys, and by one Department's
// metadata.name and another's externalKey. They are created after the holders (and named after
// them, for objects created within the same second).
func (c *badInputChart) addDuplicateKeys() {
	t := c.t
	c.depts = append(c.depts,
		t.dept("dup1-second", "", "Shared key claimant", withKey("shared-key")),
		t.dept("dup2-second", "", "Name key claimant", withKey("dup2-first")),
	)
	c.reported = append(c.reported,
		reportedInput{input: "an externalKey another Department's externalKey claims", dept: "dup1-second", reason: v1alpha1.ReasonConflict,
			message: []string{`Department "dup1-first"`, `external key "shared-key"`}},
		reportedInput{input: "an externalKey another Department's metadata.name claims", dept: "dup2-second", reason: v1alpha1.ReasonConflict,
			message: []string{`Department "dup2-first"`, `external key "dup2-first"`}},
	)
}

// addMissingOrganization adds a Department of an Organization that does not exist.
func (c *badInputChart) addMissingOrganization() {
	t := c.t
	c.depts = append(c.depts, t.dept("no-org", "", "No organization", func(d *v1alpha1.Department) {
		d.Spec.OrganizationRef.Name = "no-such-org"
	}))
	c.reported = append(c.reported, reportedInput{input: "an organizationRef to a missing Organization", dept: "no-org", key: "no-org",
		reason: v1alpha1.ReasonWaitingForOrganization, message: []string{fmt.Sprintf(`Organization "no-such-org" does not exist in namespace %q`, t.ns)}})
}

// addKeyless adds an Organization, of another account, whose Secret lacks the key the department
// API needs, and a Department of it.
func (c *badInputChart) addKeyless() {
	t, b := c.t, c.b
	c.keyless = b.newAccount()
	c.missingKey = b.departmentCredential()
	c.keylessSecret = &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: t.ns, Name: "keyless-credentials"}, StringData: map[string]string{}}
	for k, v := range c.keyless.secret {
		if k != c.missingKey {
			c.keylessSecret.StringData[k] = v
		}
	}
	c.keylessOrg = (&tenant{backend: b, acct: c.keyless, ns: t.ns}).organization(func(o *v1alpha1.Organization) {
		o.Name = "keyless"
		o.Spec.CredentialsSecretRef.Name = c.keylessSecret.Name
	})
	c.depts = append(c.depts, t.dept("keyless-dept", "", "Keyless", func(d *v1alpha1.Department) { d.Spec.OrganizationRef.Name = "keyless" }))
	c.reported = append(c.reported, reportedInput{input: "an Organization whose Secret lacks a key", dept: "keyless-dept", key: "keyless-dept",
		reason: v1alpha1.ReasonWaitingForOrganization, message: []string{`Organization "keyless" is not connected`}})
}

// addCrossNamespace adds an Organization of the same name in another namespace: organizationRef
// has no namespace field, so a Department cannot reach it. The API server drops an unknown field
// (with a warning) unless the client asks for strict field validation, as kubectl does.
func (c *badInputChart) addCrossNamespace() {
	t, b := c.t, c.b
	c.otherNS = newNamespace()
	c.elsewhere = &v1alpha1.Organization{
		ObjectMeta: metav1.ObjectMeta{Namespace: c.otherNS, Name: "org-elsewhere"},
		Spec: v1alpha1.OrganizationSpec{
			Provider:             b.provider(),
			CredentialsSecretRef: v1alpha1.LocalObjectReference{Name: "absent"},
			Workplace:            v1alpha1.WorkplaceSpec{CompanyID: randomID("company-elsewhere-")},
			HuaweiCloud:          &v1alpha1.HuaweiCloudSpec{OneAccessDomain: "elsewhere.example.com"},
		},
	}
	c.reported = append(c.reported, reportedInput{input: "organizationRef.namespace, without strict field validation", dept: "cross-ns", key: "cross-ns",
		reason: v1alpha1.ReasonWaitingForOrganization, message: []string{fmt.Sprintf(`Organization "org-elsewhere" does not exist in namespace %q`, t.ns)}})
}

// crossNamespace is a Department of t's namespace whose organizationRef names org in otherNS.
func (c *badInputChart) crossNamespace(name, org string) *unstructured.Unstructured {
	t := c.t
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": v1alpha1.GroupVersion.String(), "kind": "Department",
		"metadata": map[string]any{"namespace": t.ns, "name": name},
		"spec": map[string]any{
			"organizationRef": map[string]any{"name": org, "namespace": c.otherNS},
			"name":            "Cross namespace",
		},
	}}
	return u
}

// refused is a Department, child of hq, that differs from a valid one in what mutate changes.
func (c *badInputChart) refused(name string, mutate ...func(*v1alpha1.Department)) *v1alpha1.Department {
	return c.t.dept(name, "hq", "Refused "+name, mutate...)
}

// refusedOrg is an Organization, refused-org, that differs from a valid one in what mutate changes.
func (c *badInputChart) refusedOrg(mutate func(*v1alpha1.Organization)) *v1alpha1.Organization {
	return c.t.organization(func(o *v1alpha1.Organization) { o.Name = "refused-org" }, mutate)
}

// unwelcome are characters some text fields refuse, each with how an input names it and the
// suffix of the refused Department that holds it.
var unwelcome = map[string]struct{ what, char string }{
	"nul": {"NUL U+0000", "\x00"}, "soh": {"U+0001", "\x01"}, "tab": {"a tab", "\t"}, "lf": {"a newline", "\n"},
	"del": {"DEL U+007F", "\x7f"}, "ls": {"a line separator U+2028", "\u2028"}, "zwsp": {"U+200B", "\u200b"},
	"rtl": {"U+202E", "\u202e"}, "nbsp": {"a no-break space U+00A0", "\u00a0"},
}

// charRefusals are the refusals of field holding each unwelcome character of slugs: the input
// "<field> with <what>" is the Department r-<short>-<slug> whose field set sets to format holding
// the character.
func (c *badInputChart) charRefusals(field, short string, set func(string) func(*v1alpha1.Department), format string, want []string, slugs ...string) []refusal {
	rs := make([]refusal, 0, len(slugs))
	for _, slug := range slugs {
		u := unwelcome[slug]
		rs = append(rs, refusal{input: field + " with " + u.what, obj: c.refused("r-"+short+"-"+slug, set(fmt.Sprintf(format, u.char))), want: want})
	}
	return rs
}

// addRefusals adds the inputs the API server refuses. Each changes one field of an otherwise
// valid object.
func (c *badInputChart) addRefusals() {
	const long = 10000
	manyLocales := map[string]v1alpha1.LocalizedName{}
	for i := range 51 {
		manyLocales[fmt.Sprintf("x%02d", i)] = "Name"
	}
	const (
		tooLong      = "Too long"
		badKey       = "should match"
		invisible    = "must contain a visible character"
		controlChars = "must not contain control characters"
	)
	strict := []client.CreateOption{client.FieldValidation(metav1.FieldValidationStrict)}
	secretRefElsewhere := toUnstructured(c.refusedOrg(func(*v1alpha1.Organization) {}))
	Expect(unstructured.SetNestedField(secretRefElsewhere.Object, c.otherNS, "spec", "credentialsSecretRef", "namespace")).To(Succeed())
	c.refusals = append(c.refusals, []refusal{
		{input: "name of 101 characters", obj: c.refused("r-name-101", withName(strings.Repeat("가", 101))), want: []string{"spec.name", tooLong}},
		{input: "name of 10,000 characters", obj: c.refused("r-name-long", withName(strings.Repeat("n", long))), want: []string{"spec.name", tooLong}},
		{input: "name of spaces only", obj: c.refused("r-name-blank", withName("   ")), want: []string{"spec.name", invisible}},
		{input: "name of a zero-width space only", obj: c.refused("r-name-zwsp", withName("\u200b")), want: []string{"spec.name", invisible}},
	}...)
	c.refusals = append(c.refusals, c.charRefusals("name", "name", withName, "Team%sA", []string{"spec.name", controlChars}, "nul", "soh", "tab", "lf", "del", "ls")...)
	c.refusals = append(c.refusals, []refusal{
		{input: "externalKey of 37 characters", obj: c.refused("r-key-37", withKey(strings.Repeat("k", 37))), want: []string{"spec.externalKey", tooLong}},
		{input: "externalKey of 10,000 characters", obj: c.refused("r-key-long", withKey(strings.Repeat("k", long))), want: []string{"spec.externalKey", tooLong}},
		{input: "externalKey of 65 characters (OneAccess's code limit, 64, plus one)", obj: c.refused("r-key-65", withKey(strings.Repeat("k", 65))),
			want: []string{"spec.externalKey", tooLong}},
		{input: "metadata.name of 37 characters and no externalKey", obj: c.refused(strings.Repeat("m", 37)),
			want: []string{"spec.externalKey is required when metadata.name is longer than 36 characters"}},
		{input: "externalKey ..", obj: c.refused("r-key-dotdot", withKey("..")), want: []string{"spec.externalKey", "externalKey must not be . or .."}},
		{input: "externalKey .", obj: c.refused("r-key-dot", withKey(".")), want: []string{"spec.externalKey", "externalKey must not be . or .."}},
		{input: "externalKey with %2F", obj: c.refused("r-key-pct", withKey("a%2Fb")), want: []string{"spec.externalKey", badKey}},
		{input: "externalKey #", obj: c.refused("r-key-hash", withKey("#")), want: []string{"spec.externalKey", badKey}},
		{input: "externalKey with #", obj: c.refused("r-key-hash2", withKey("a#b")), want: []string{"spec.externalKey", badKey}},
		{input: "externalKey with /", obj: c.refused("r-key-slash", withKey("a/b")), want: []string{"spec.externalKey", badKey}},
		{input: "externalKey with ?", obj: c.refused("r-key-query", withKey("a?b")), want: []string{"spec.externalKey", badKey}},
		{input: "externalKey with a space", obj: c.refused("r-key-space", withKey("a b")), want: []string{"spec.externalKey", badKey}},
	}...)
	c.refusals = append(c.refusals, c.charRefusals("externalKey", "key", withKey, "a%sb", []string{"spec.externalKey", badKey}, "soh", "tab", "lf", "del", "zwsp", "rtl", "nbsp")...)
	c.refusals = append(c.refusals, []refusal{
		{input: "parentExternalKey of 37 characters", obj: c.refused("r-parent-37", withParent(strings.Repeat("p", 37))), want: []string{"spec.parentExternalKey", tooLong}},
		{input: "parentExternalKey of 10,000 characters", obj: c.refused("r-parent-long", withParent(strings.Repeat("p", long))), want: []string{"spec.parentExternalKey", tooLong}},
		{input: "parentExternalKey ..", obj: c.refused("r-parent-dotdot", withParent("..")), want: []string{"spec.parentExternalKey", "parentExternalKey must not be . or .."}},
		{input: "parentExternalKey .", obj: c.refused("r-parent-dot", withParent(".")), want: []string{"spec.parentExternalKey", "parentExternalKey must not be . or .."}},
		{input: "parentExternalKey with %2F", obj: c.refused("r-parent-pct", withParent("hq%2F..")), want: []string{"spec.parentExternalKey", badKey}},
		{input: "parentExternalKey #", obj: c.refused("r-parent-hash", withParent("#")), want: []string{"spec.parentExternalKey", badKey}},
		{input: "parentExternalKey with U+200B", obj: c.refused("r-parent-zwsp", withParent("h\u200bq")), want: []string{"spec.parentExternalKey", badKey}},
		{input: "a parent cycle of length 1", obj: c.refused("r-cycle1", withParent("r-cycle1")), want: []string{"spec.parentExternalKey must not name the department itself"}},
		{input: "i18nNames name of 101 characters", obj: c.refused("r-i18n-101", withI18n(map[string]v1alpha1.LocalizedName{"ko_KR": v1alpha1.LocalizedName(strings.Repeat("가", 101))})),
			want: []string{"spec.i18nNames", tooLong}},
		{input: "i18nNames name of 10,000 characters", obj: c.refused("r-i18n-long", withI18n(map[string]v1alpha1.LocalizedName{"en_US": v1alpha1.LocalizedName(strings.Repeat("n", long))})),
			want: []string{"spec.i18nNames", tooLong}},
		{input: "i18nNames with 51 locales", obj: c.refused("r-i18n-many", withI18n(manyLocales)), want: []string{"spec.i18nNames", "Too many"}},
		{input: "i18nNames locale of 21 characters", obj: c.refused("r-i18n-locale", withI18n(map[string]v1alpha1.LocalizedName{strings.Repeat("l", 21): "Name"})), want: []string{"spec.i18nNames", "each i18nNames key must be a locale"}},
		{input: "i18nNames name with U+0001", obj: c.refused("r-i18n-soh", withI18n(map[string]v1alpha1.LocalizedName{"en_US": "Team\x01A"})), want: []string{"spec.i18nNames", badKey}},
		{input: "i18nNames name with a tab", obj: c.refused("r-i18n-tab", withI18n(map[string]v1alpha1.LocalizedName{"en_US": "Team\tA"})), want: []string{"spec.i18nNames", badKey}},
		{input: "i18nNames name with a newline", obj: c.refused("r-i18n-lf", withI18n(map[string]v1alpha1.LocalizedName{"en_US": "Team\nA"})), want: []string{"spec.i18nNames", badKey}},
		{input: "i18nNames name with DEL U+007F", obj: c.refused("r-i18n-del", withI18n(map[string]v1alpha1.LocalizedName{"ko_KR": "영업\x7f"})), want: []string{"spec.i18nNames", badKey}},
		{input: "i18nNames name with a line separator U+2028", obj: c.refused("r-i18n-ls", withI18n(map[string]v1alpha1.LocalizedName{"ko_KR": "영업\u2028부"})), want: []string{"spec.i18nNames", badKey}},
		{input: "emailAddress of 101 characters", obj: c.refused("r-email-101", withEmail(strings.Repeat("a", 95)+"@x.com")), want: []string{"spec.emailAddress", tooLong}},
		{input: "emailAddress of 10,000 characters", obj: c.refused("r-email-long", withEmail(strings.Repeat("a", long-6)+"@x.com")), want: []string{"spec.emailAddress", tooLong}},
		{input: "emailAddress with U+0001", obj: c.refused("r-email-soh", withEmail("te\x01am@example.com")), want: []string{"spec.emailAddress", badKey}},
		{input: "displayOrder of 11 characters", obj: c.refused("r-order-11", withOrder("12345678901")), want: []string{"spec.displayOrder", tooLong}},
		{input: "category of 65 characters", obj: c.refused("r-category-65", func(d *v1alpha1.Department) { d.Spec.Category = strings.Repeat("c", 65) }),
			want: []string{"spec.category", tooLong}},
		{input: "organizationRef.name of 254 characters", obj: c.refused("r-orgref-254", func(d *v1alpha1.Department) { d.Spec.OrganizationRef.Name = strings.Repeat("o", 254) }),
			want: []string{"spec.organizationRef.name", tooLong}},
		{input: "organizationRef.namespace, with strict field validation", obj: c.crossNamespace("r-cross-ns", orgName), opts: strict,
			want: []string{`unknown field "spec.organizationRef.namespace"`}},
		{input: "Organization description of 1,001 characters", obj: c.refusedOrg(func(o *v1alpha1.Organization) { o.Spec.Description = strings.Repeat("d", 1001) }),
			want: []string{"spec.description", tooLong}},
		{input: "Organization description of 10,000 characters", obj: c.refusedOrg(func(o *v1alpha1.Organization) { o.Spec.Description = strings.Repeat("d", long) }),
			want: []string{"spec.description", tooLong}},
		{input: "companyId of 37 characters", obj: c.refusedOrg(func(o *v1alpha1.Organization) { o.Spec.Workplace.CompanyID = strings.Repeat("c", 37) }),
			want: []string{"spec.workplace.companyId", tooLong}},
		{input: "companyId with U+0001", obj: c.refusedOrg(func(o *v1alpha1.Organization) { o.Spec.Workplace.CompanyID = "company\x01" }),
			want: []string{"spec.workplace.companyId", badKey}},
		{input: "companyId with %2F", obj: c.refusedOrg(func(o *v1alpha1.Organization) { o.Spec.Workplace.CompanyID = "c%2F.." }),
			want: []string{"spec.workplace.companyId", badKey}},
		{input: "credentialsSecretRef.name of 254 characters", obj: c.refusedOrg(func(o *v1alpha1.Organization) { o.Spec.CredentialsSecretRef.Name = strings.Repeat("s", 254) }),
			want: []string{"spec.credentialsSecretRef.name", tooLong}},
		{input: "huaweicloud.oneAccessDomain of 254 characters", obj: c.refusedOrg(func(o *v1alpha1.Organization) {
			o.Spec.HuaweiCloud = &v1alpha1.HuaweiCloudSpec{OneAccessDomain: strings.Repeat("d", 250) + ".com"}
		}), want: []string{"spec.huaweicloud.oneAccessDomain", tooLong}},
		{input: "credentialsSecretRef.namespace, with strict field validation", obj: secretRefElsewhere, opts: strict,
			want: []string{`unknown field "spec.credentialsSecretRef.namespace"`}},
	}...)
}

// apply creates the whole chart at once and checks that each refusal is refused, naming its field.
func (c *badInputChart) apply() {
	t := c.t
	By(fmt.Sprintf("applying %d valid Departments, %d Departments admission lets through and %d refused objects at once", len(c.valid), len(c.depts)+1, len(c.refusals)))
	t.create(c.valid...)
	Expect(k8sClient.Create(suiteCtx, c.keylessSecret)).To(Succeed())
	Expect(k8sClient.Create(suiteCtx, c.keylessOrg)).To(Succeed())
	Expect(k8sClient.Create(suiteCtx, c.elsewhere)).To(Succeed())
	t.create(c.depts...)
	Expect(k8sClient.Create(suiteCtx, c.crossNamespace("cross-ns", "org-elsewhere"))).To(Succeed(), "the API server drops the unknown field")
	for _, r := range c.refusals {
		err := k8sClient.Create(suiteCtx, r.obj, r.opts...)
		Expect(err).To(HaveOccurred(), "%s: admitted", r.input)
		GinkgoWriter.Printf("%s: %v\n", r.input, err)
		for _, w := range r.want {
			Expect(err.Error()).To(ContainSubstring(w), "%s", r.input)
		}
	}
}

// expectValidSynced checks that the valid Departments sync, each with one create, exactly as
// written; it returns their keys.
func (c *badInputChart) expectValidSynced() map[string]bool {
	t, b := c.t, c.b
	By("the valid Departments sync, each with one create, and match their spec exactly")
	validKeys := map[string]bool{}
	for _, d := range c.valid {
		validKeys[d.Key()] = true
		t.eventuallySynced(d.Name)
	}
	remote := t.remote()
	Expect(keysOf(remote)).To(Equal(keysOf(validKeys)), "the remote chart holds the valid departments and nothing else")
	for _, d := range c.valid {
		r := remote[d.Key()]
		Expect(r.Name).To(Equal(d.Spec.Name), "Department %s: the name, byte for byte", d.Name)
		Expect(r.Parent).To(Equal(d.Spec.ParentExternalKey), "Department %s", d.Name)
		if b.supports(featureI18nNames) {
			Expect(maps.Equal(r.I18nNames, d.Spec.PlainI18nNames())).To(BeTrue(),
				"Department %s: i18nNames %v, want %v", d.Name, r.I18nNames, d.Spec.I18nNames)
		}
		if b.supports(featureDisplayOrder) {
			Expect(r.DisplayOrder).To(Equal(cmp.Or(d.Spec.DisplayOrder, "1")+".0"), "Department %s: a create sends 1 when none is set", d.Name)
		}
		Expect(t.writesTo(d.Key())).To(ConsistOf(And(HaveField("Method", "POST"), HaveField("Status", BeNumerically("<", 300)))),
			"Department %s: created once", d.Name)
	}
	return validKeys
}

// expectReported checks that each bad input admission let through is reported by name.
func (c *badInputChart) expectReported() {
	t, b := c.t, c.b
	By("each bad input admission let through is reported by name in the Ready condition")
	for _, r := range c.reported {
		Eventually(t.reason).WithArguments(r.dept).WithTimeout(timeout).WithPolling(poll).Should(Equal(r.reason), "%s (Department %s)", r.input, r.dept)
		for _, m := range r.message {
			Expect(t.message(r.dept)).To(ContainSubstring(m), "%s (Department %s)", r.input, r.dept)
		}
	}
	keylessReady := func() metav1.Condition { return orgCondition(t.ns, "keyless", v1alpha1.ConditionReady) }
	Eventually(keylessReady).WithTimeout(timeout).Should(HaveField("Reason", v1alpha1.ReasonCredentialsInvalid))
	Expect(keylessReady().Message).To(ContainSubstring(fmt.Sprintf("secret %q has no key %q", c.keylessSecret.Name, c.missingKey)))
	Expect(b.calls(c.keyless)).To(BeEmpty(), "nothing is sent with incomplete credentials")
	Expect(b.departments(c.keyless)).To(BeEmpty())
	stored := &unstructured.Unstructured{}
	stored.SetGroupVersionKind(v1alpha1.GroupVersion.WithKind("Department"))
	Expect(k8sClient.Get(suiteCtx, types.NamespacedName{Namespace: t.ns, Name: "cross-ns"}, stored)).To(Succeed())
	Expect(stored.Object["spec"]).To(HaveKeyWithValue("organizationRef", map[string]any{"name": "org-elsewhere"}), "no namespace is stored")
}

// expectCounted checks the Organization's count of its Departments and of the Ready ones.
func (c *badInputChart) expectCounted() {
	t := c.t
	By("the Organization counts its Departments and the Ready ones")
	acmeDepartments := int32(len(c.valid) + len(c.depts) - 2) // all but no-org and keyless-dept
	Eventually(func() v1alpha1.DepartmentCounts { return t.currentOrganization().Status.Departments }).WithTimeout(timeout).Should(Equal(v1alpha1.DepartmentCounts{Total: acmeDepartments, Ready: int32(len(c.valid))}))
	Expect(t.orgReason()).To(Equal(v1alpha1.ReasonSynced))
}

// expectHeld checks that, over two sync periods, nothing is written again and every outcome holds.
func (c *badInputChart) expectHeld(validKeys map[string]bool) {
	t := c.t
	By("over two sync periods, nothing is written again and every outcome holds")
	writes := t.writes()
	for _, w := range writes {
		Expect(validKeys).To(HaveKey(w.Key), "a remote write for a key no valid Department holds: %v", w)
	}
	Consistently(t.writes).WithTimeout(2*syncPeriod + time.Second).WithPolling(250 * time.Millisecond).Should(Equal(writes))
	Expect(keysOf(t.remote())).To(Equal(keysOf(validKeys)))
	for _, d := range c.valid {
		Expect(t.reason(d.Name)).To(Equal(v1alpha1.ReasonSynced), "Department %s", d.Name)
	}
	for _, r := range c.reported {
		Expect(t.reason(r.dept)).To(Equal(r.reason), "%s (Department %s)", r.input, r.dept)
		if r.key != "" {
			Expect(t.remote()).NotTo(HaveKey(r.key), "%s", r.input)
			Expect(t.writesTo(r.key)).To(BeEmpty(), "%s", r.input)
		}
	}
	Expect(t.remote()["shared-key"].Name).To(Equal("Shared key holder"))
	Expect(t.remote()["dup2-first"].Name).To(Equal("Name key holder"))
}

// toUnstructured converts obj, keeping its kind, so that fields its type lacks can be added.
func toUnstructured(obj client.Object) *unstructured.Unstructured {
	gvks, _, err := scheme.ObjectKinds(obj)
	Expect(err).NotTo(HaveOccurred())
	content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	Expect(err).NotTo(HaveOccurred())
	u := &unstructured.Unstructured{Object: content}
	u.SetGroupVersionKind(gvks[0])
	return u
}
