package huaweifake

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The write log records every create, update and delete that reaches the chart, applied or
// refused, with the unit before and after it and its parent by code.
func TestUnitWrites(t *testing.T) {
	srv := NewServer(Options{ClientID: "app", ClientSecret: "secret"})
	t.Cleanup(srv.Close)
	token := tokenFor(t, srv)
	hq := srv.PutOrgUnit(OrgUnit{Code: "hq", Name: "HQ", Category: "department"})
	ops := srv.PutOrgUnit(OrgUnit{Code: "ops", Name: "Ops", ParentID: hq, Category: "department"})
	steps := []struct {
		method, path, body string
		status             int
	}{
		{http.MethodPost, orgUnitsPath, `{"code":"dev","name":"Dev","parent_id":"` + hq + `"}`, http.StatusCreated},
		{http.MethodPost, orgUnitsPath, `{"code":"dev","name":"Dev 2"}`, http.StatusBadRequest},
		{http.MethodPut, orgUnitsPath + "/" + ops, `{"name":"Operations","category":"team"}`, http.StatusOK},
		{http.MethodDelete, orgUnitsPath + "/" + hq, ``, http.StatusBadRequest},
		{http.MethodDelete, orgUnitsPath + "/" + ops, ``, http.StatusNoContent},
	}
	for _, s := range steps {
		if status, _ := send(t, srv, token, s.method, s.path, s.body); status != s.status {
			t.Fatalf("%s %s: %d, want %d", s.method, s.path, status, s.status)
		}
	}
	dev := &UnitState{Name: "Dev", ParentCode: "hq", Category: "department"}
	opsBefore := &UnitState{Name: "Ops", ParentCode: "hq", Category: "department"}
	opsAfter := &UnitState{Name: "Operations", ParentCode: "hq", Category: "team"}
	hqState := &UnitState{Name: "HQ", Category: "department"}
	want := []UnitWrite{
		{Method: http.MethodPost, Code: "dev", After: dev, Applied: true},
		{Method: http.MethodPost, Code: "dev", Before: dev, After: dev},
		{Method: http.MethodPut, Code: "ops", Before: opsBefore, After: opsAfter, Applied: true},
		{Method: http.MethodDelete, Code: "hq", Before: hqState, After: hqState},
		{Method: http.MethodDelete, Code: "ops", Before: opsAfter, Applied: true},
	}
	if d := cmp.Diff(want, srv.UnitWrites()); d != "" {
		t.Errorf("write log (-want +got):\n%s", d)
	}
}
