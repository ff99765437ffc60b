package ncpfake

import (
	"fmt"
	"io"
	"maps"
	"slices"
)

// seedFile is the format LoadSeed reads: departments by company, each in the wire format of the
// add call's body, parents before their children.
//
//	{"companies": {"c1": [
//	    {"deptExternalKey": "sales", "name": "Sales", "parentDeptExternalKey": "#", "dispOrd": "1"},
//	    {"deptExternalKey": "sales-kr", "name": "Sales Korea", "parentDeptExternalKey": "sales", "dispOrd": "1"}
//	]}}
type seedFile struct {
	Companies map[string][]departmentBody `json:"companies"`
}

// LoadSeed adds companies and departments read from r (format below), checked as the add call
// checks them: valid fields, parents first, no duplicates. On error, departments before the faulty
// one stay loaded.
//
//	{"companies": {"<companyId>": [<add call body>, ...]}}
func (f *Fake) LoadSeed(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("reading seed: %w", err)
	}
	var seed seedFile
	if err := decodeStrict(raw, &seed); err != nil {
		return fmt.Errorf("decoding seed: %w", err)
	}
	for _, companyID := range slices.Sorted(maps.Keys(seed.Companies)) {
		f.AddCompany(companyID)
		for i, body := range seed.Companies[companyID] {
			if err := f.seedDepartment(companyID, body); err != nil {
				return fmt.Errorf("seed company %s, department %d: %w", companyID, i, err)
			}
		}
	}
	return nil
}

func (f *Fake) seedDepartment(companyID string, body departmentBody) error {
	key := ""
	if body.DeptExternalKey != nil {
		key = *body.DeptExternalKey
	}
	if errs := body.validate(key); errs != nil {
		return fmt.Errorf("%s", errs[0].Message)
	}
	d := body.department()
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.companyLocked(companyID)
	if _, ok := c.departments[d.ExternalKey]; ok {
		return fmt.Errorf("department already exists: %s", d.ExternalKey)
	}
	if _, ok := c.departments[d.ParentExternalKey]; !ok && d.ParentExternalKey != TopLevelParent {
		return fmt.Errorf("parent department not found: %s", d.ParentExternalKey)
	}
	c.put(&d)
	return nil
}
