package ncpfake

import "slices"

// DepartmentWrite is one add, edit or delete of a department that reached a company's chart,
// applied or refused by the chart's rules (an unknown parent, a cycle, sub-departments left...).
// Requests refused before that (authentication, validation of the body, injected faults) are
// only in the request log. Tests compare the write log with the writes a plan predicted.
type DepartmentWrite struct {
	// Method is POST (add), PUT (edit) or DELETE.
	Method string
	// Key is the department's external key.
	Key string
	// Before and After are the department before and after the write; nil when it did not
	// exist. A refused write leaves After as Before.
	Before, After *Department
	// Applied is false when the chart's rules refused the write.
	Applied bool
}

// DepartmentWrites returns the department writes that reached a company's chart, in the order they
// were applied; nil for an unknown company. ResetRequests does not empty it.
func (f *Fake) DepartmentWrites(companyID string) []DepartmentWrite {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.companies[companyID]; ok {
		return slices.Clone(c.writes)
	}
	return nil
}

// record logs a write of key, with the department as it was before it (nil: absent) and as it
// is now.
func (c *company) record(method, key string, before *Department, applied bool) {
	c.writes = append(c.writes, DepartmentWrite{
		Method: method, Key: key, Before: clonePointer(before), After: clonePointer(c.departments[key]), Applied: applied,
	})
}

func clonePointer(d *Department) *Department {
	if d == nil {
		return nil
	}
	clone := cloneDepartment(*d)
	return &clone
}
