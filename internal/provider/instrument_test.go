package provider

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

type stubDepartments struct {
	Conventions
	err error
}

func (s stubDepartments) List(context.Context) ([]Department, error) { return nil, s.err }
func (s stubDepartments) Create(context.Context, Department) (Department, error) {
	return Department{}, s.err
}
func (s stubDepartments) Update(context.Context, Department) (Department, error) {
	return Department{}, s.err
}
func (s stubDepartments) Delete(context.Context, Department) error { return s.err }

func TestInstrumentCountsOperationsByResult(t *testing.T) {
	tests := []struct {
		err    error
		result string
	}{
		{nil, "ok"},
		{fmt.Errorf("%w: 401", ErrCredentials), "credentials"},
		{fmt.Errorf("%w: 429", ErrThrottled), "throttled"},
		{fmt.Errorf("%w: -4030", ErrParentNotFound), "parent_not_found"},
		{fmt.Errorf("%w: an empty page", ErrIncompleteListing), "incomplete_listing"},
		{fmt.Errorf("%w: no move to the top level", ErrUnsupported), "unsupported"},
		{errors.New("boom"), "error"},
	}
	for _, tt := range tests {
		t.Run(tt.result, func(t *testing.T) {
			conn := Instrument("test-"+tt.result, &Connection{Departments: stubDepartments{err: tt.err}})
			before := testutil.ToFloat64(operationsTotal.WithLabelValues("test-"+tt.result, "delete_department", tt.result))
			err := conn.Departments.Delete(context.Background(), Department{Key: "k"})
			if !errors.Is(err, tt.err) {
				t.Fatalf("error not passed through: %v", err)
			}
			after := testutil.ToFloat64(operationsTotal.WithLabelValues("test-"+tt.result, "delete_department", tt.result))
			if after-before != 1 {
				t.Fatalf("delete_department{result=%q} grew by %v, want 1", tt.result, after-before)
			}
		})
	}
}
