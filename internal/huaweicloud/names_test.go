package huaweicloud

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/orgsync/orgsync/internal/huaweicloud/huaweifake"
)

// TestNamesAgreeWithFake checks the helpers and, independently, that the fake's own rules accept
// and reject the same values, so InvalidSpec decided before any call matches what OneAccess does.
func TestNamesAgreeWithFake(t *testing.T) {
	tests := []struct {
		value           string
		validCode, name bool
	}{
		{"sales", true, true},
		{"sales-kr_2", true, true},
		{"영업부", true, true}, // Unicode letters count as letters
		{"販売", true, true},
		{"١٢٣", true, true}, // Arabic-Indic digits are decimal digits
		{"R&D", false, true},
		{"Sales Korea", false, true},
		{"a/b", false, false},
		{"a.b", false, false},
		{"tab\there", false, false},
		{"emoji🙂", false, false},
		{strings.Repeat("c", 64), true, true},
		{strings.Repeat("c", 65), false, true},
		{strings.Repeat("가", 100), false, true},
		{strings.Repeat("가", 101), false, false},
	}
	srv := newFake(t, huaweifake.Options{})
	c := newOneAccess(t, srv.URL())
	ctx := context.Background()
	for i, tt := range tests {
		if got := ValidCode(tt.value); got != tt.validCode {
			t.Errorf("ValidCode(%q) = %v", tt.value, got)
		}
		if got := ValidName(tt.value); got != tt.name {
			t.Errorf("ValidName(%q) = %v", tt.value, got)
		}
		_, err := c.CreateOrgUnit(ctx, OrgUnit{Code: tt.value, Name: "N" + strconv.Itoa(i)})
		if accepted := err == nil || errors.Is(err, ErrAlreadyExists); accepted != tt.validCode {
			t.Errorf("fake code %q: %v", tt.value, err)
		}
		_, err = c.CreateOrgUnit(ctx, OrgUnit{Code: "name-probe", Name: tt.value})
		if accepted := err == nil; accepted != tt.name {
			t.Errorf("fake name %q: %v", tt.value, err)
		}
		if err == nil {
			u, _ := srv.OrgUnitByCode("name-probe")
			srv.RemoveOrgUnit(u.ID)
		}
	}
	if ValidCode("") || ValidName("") || ValidOUName("") || !ValidOUName("Sales & Ops/EU") || ValidOUName(strings.Repeat("x", 65)) {
		t.Error("edge cases")
	}
}
