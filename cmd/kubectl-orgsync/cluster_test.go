package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

func TestDecodeDepartmentList(t *testing.T) {
	_, depts := wideChart(3)
	list := v1alpha1.DepartmentList{Items: depts}
	list.APIVersion, list.Kind, list.ResourceVersion = v1alpha1.GroupVersion.String(), "DepartmentList", "42"
	data, err := json.Marshal(list)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeDepartmentList(strings.NewReader(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(depts, got); diff != "" {
		t.Errorf("decoded items differ (-want +got):\n%s", diff)
	}

	for _, empty := range []string{`{"kind":"DepartmentList","items":[]}`, `{"kind":"DepartmentList","items":null}`, `{"metadata":{}}`} {
		got, err := decodeDepartmentList(strings.NewReader(empty))
		if err != nil || len(got) != 0 {
			t.Errorf("%s: %d items, %v", empty, len(got), err)
		}
	}
	for _, bad := range []string{``, `[]`, `{"items":{}}`, `{"items":[{"spec":{"name":1}}]}`, `{"items":[{}]`, `{"items":[]`} {
		if _, err := decodeDepartmentList(strings.NewReader(bad)); err == nil {
			t.Errorf("%q: decoded without an error", bad)
		}
	}
}
