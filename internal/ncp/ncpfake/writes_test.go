package ncpfake

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The write log records every add, edit and delete that reaches a company's chart, applied or
// refused, with the department before and after it; other companies' writes are theirs.
func TestDepartmentWrites(t *testing.T) {
	s := newTestServer(t)
	c := newCaller(t, s)
	steps := []struct {
		method, key string
		body        map[string]any
		status      int
	}{
		{http.MethodPost, "hq", dept("hq", "#", "HQ", "1"), http.StatusCreated},
		{http.MethodPost, "ops", dept("ops", "hq", "Ops", "2"), http.StatusCreated},
		{http.MethodPost, "lost", dept("lost", "nowhere", "Lost", "1"), http.StatusBadRequest},
		{http.MethodPut, "ops", dept("ops", "#", "Operations", "2"), http.StatusOK},
		{http.MethodPut, "hq", dept("hq", "ops", "HQ", "1"), http.StatusOK},
		{http.MethodDelete, "ops", nil, http.StatusBadRequest},
		{http.MethodDelete, "hq", nil, http.StatusOK},
	}
	for _, st := range steps {
		if got := c.do(st.method, deptBase+"/"+st.key, st.body); got.status != st.status {
			t.Fatalf("%s %s: %d, want %d", st.method, st.key, got.status, st.status)
		}
	}
	hq := &Department{ExternalKey: "hq", Name: "HQ", ParentExternalKey: "#", DisplayOrder: "1.0"}
	hqMoved := &Department{ExternalKey: "hq", Name: "HQ", ParentExternalKey: "ops", DisplayOrder: "1.0"}
	ops := &Department{ExternalKey: "ops", Name: "Ops", ParentExternalKey: "hq", DisplayOrder: "2.0"}
	operations := &Department{ExternalKey: "ops", Name: "Operations", ParentExternalKey: "#", DisplayOrder: "2.0"}
	want := []DepartmentWrite{
		{Method: http.MethodPost, Key: "hq", After: hq, Applied: true},
		{Method: http.MethodPost, Key: "ops", After: ops, Applied: true},
		{Method: http.MethodPost, Key: "lost"},
		{Method: http.MethodPut, Key: "ops", Before: ops, After: operations, Applied: true},
		{Method: http.MethodPut, Key: "hq", Before: hq, After: hqMoved, Applied: true},
		{Method: http.MethodDelete, Key: "ops", Before: operations, After: operations},
		{Method: http.MethodDelete, Key: "hq", Before: hqMoved, Applied: true},
	}
	if d := cmp.Diff(want, s.DepartmentWrites(testCompany)); d != "" {
		t.Errorf("write log (-want +got):\n%s", d)
	}
	if w := s.DepartmentWrites("another-company"); w != nil {
		t.Errorf("another company's log: %v", w)
	}
}
