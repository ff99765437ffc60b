package provider

import (
	"strings"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

// Field names a field of a remote department as orgsync reports it (Diff, the Drifted
// condition and status.driftedFields, kubectl orgsync plan): the name of the Department spec
// field that sets it.
type Field string

// The fields of a remote department.
const (
	FieldName                 Field = "name"
	FieldParent               Field = "parentExternalKey"
	FieldI18nNames            Field = "i18nNames"
	FieldEmailAddress         Field = "emailAddress"
	FieldExternalEmailReceive Field = "externalEmailReceive"
	FieldDisplayOrder         Field = "displayOrder"
	FieldCategory             Field = "category"
)

// Fields lists fields, in the order Diff names them.
type Fields []Field

// String is the fields as a message names them: "name, displayOrder".
func (f Fields) String() string {
	return strings.Join(f.Strings(), ", ")
}

// Strings is the fields' names; nil when there are none.
func (f Fields) Strings() []string {
	if len(f) == 0 {
		return nil
	}
	out := make([]string, len(f))
	for i, field := range f {
		out[i] = string(field)
	}
	return out
}

// Conventions is what orgsync knows of one remote system's departments without reaching it: the
// fields it holds, the values it gives those a department leaves empty, how it compares them,
// the changes it cannot make, and which fields a Department states to match a remote department.
// The manager, kubectl orgsync (plan, tree, export) and the tests ask it: nothing outside a
// provider writes a remote system's default value or compares as the remote system does.
type Conventions interface {
	// Holds reports whether the remote system's departments have field f at all.
	Holds(f Field) bool
	// WithDefaults returns d with the value the remote system gives each field it holds that d
	// leaves empty: what a create writes (WORKPLACE: display order "1"; OneAccess: category
	// "department"), and what an empty listed value means.
	WithDefaults(d Department) Department
	// Diff names the fields in which observed differs from desired, compared as the remote
	// system means them; empty when they match.
	Diff(desired, observed Department) Fields
	// Unsupported returns an ErrUnsupported error, saying what to do instead, when the remote
	// system offers no way to turn observed into desired (OneAccess cannot move a unit to the top
	// level); nil when Update can. It reads nothing remote: the controller and plan ask it before
	// an update.
	Unsupported(desired, observed Department) error
	// Export sets on spec the fields of the remote department d that a Department states so that
	// the manager sees no difference: those the remote system holds, except the ones d leaves
	// blank or at the remote system's default (a Department that omits them keeps them as they
	// are). kubectl orgsync export writes it; the name, key and parent are the caller's.
	Export(d Department, spec *v1alpha1.DepartmentSpec)
}
