package huaweifake

import "slices"

// UnitWrite is one create, update or delete of an organization unit that reached the tenant's
// chart, applied or refused by the chart's rules (a code taken, an unknown parent, a cycle,
// sub-units left...). Requests refused before that (authentication, a body that does not decode,
// injected faults) are only in the request log. Tests compare the write log with the writes a
// plan predicted.
type UnitWrite struct {
	// Method is POST (create), PUT (update) or DELETE.
	Method string
	// Code is the unit's code: the one sent for a create, the unit's for an update or a delete
	// ("" when the org_id is unknown).
	Code string
	// Before and After are the unit before and after the write; nil when it did not exist. A
	// refused write leaves After as Before.
	Before, After *UnitState
	// Applied is false when the chart's rules refused the write.
	Applied bool
}

// UnitState is a unit as a write found or left it, its parent named by code (org_ids are the
// fake's own and outlive no delete).
type UnitState struct {
	Name, ParentCode, Category string
}

// UnitWrites returns the unit writes that reached the tenant's chart, in the order they were
// applied. ResetRequests does not empty it.
func (f *Fake) UnitWrites() []UnitWrite {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.unitWrites)
}

// unitStateLocked is the unit of org_id id as it is now; nil when there is none. f.mu must be
// held.
func (f *Fake) unitStateLocked(id string) *UnitState {
	u, ok := f.units[id]
	if !ok {
		return nil
	}
	s := &UnitState{Name: u.Name, Category: u.Category}
	if parent, ok := f.units[u.ParentID]; ok {
		s.ParentCode = parent.Code
	}
	return s
}

// recordUnitWriteLocked logs a write of the unit of org_id id (code its code), which found it as
// before. f.mu must be held.
func (f *Fake) recordUnitWriteLocked(method, code, id string, before *UnitState, applied bool) {
	f.unitWrites = append(f.unitWrites, UnitWrite{Method: method, Code: code, Before: before, After: f.unitStateLocked(id), Applied: applied})
}

// unitCodeLocked is the code of the unit of org_id id; "" when there is none. f.mu must be held.
func (f *Fake) unitCodeLocked(id string) string {
	if u, ok := f.units[id]; ok {
		return u.Code
	}
	return ""
}

// unitIDByCodeLocked is the org_id of the unit with code; "" when there is none. f.mu must be held.
func (f *Fake) unitIDByCodeLocked(code string) string {
	for id, u := range f.units {
		if u.Code == code {
			return id
		}
	}
	return ""
}
