package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/orgsync/orgsync/internal/ncp"
)

// companyID is the WORKPLACE company of config/samples.
const companyID = "acme-company"

// ncpCloud is the fake NCP: the samples run as they are.
type ncpCloud struct {
	client *ncp.Client
}

func (c *ncpCloud) fake() (string, []string, string) {
	return "fakencp", []string{"--access-key", accessKey, "--secret-key", secretKey, "--company-id", companyID}, "fake NCP"
}

func (c *ncpCloud) connect(fakeURL string) (err error) {
	c.client, err = ncp.New(ncp.Config{
		Credentials:          ncp.Credentials{AccessKey: accessKey, SecretKey: secretKey},
		WorkplaceEndpoint:    fakeURL,
		OrganizationEndpoint: fakeURL,
	})
	return err
}

func (c *ncpCloud) managerArgs(fakeURL string) []string {
	return []string{"--ncp-workplace-endpoint", fakeURL, "--ncp-organization-endpoint", fakeURL, "--allow-insecure-endpoints"}
}

func (c *ncpCloud) organization(string) []string { return nil }

func (c *ncpCloud) departments(ctx context.Context) ([]department, error) {
	depts, err := c.client.ListDepartments(ctx, companyID)
	if err != nil {
		return nil, err
	}
	out := make([]department, 0, len(depts))
	for _, d := range depts {
		parent := d.ParentExternalKey
		if parent == ncp.TopLevelParent {
			parent = ""
		}
		dept := department{
			key: d.ExternalKey, parent: parent, name: d.Name,
			order:  padOrder(d.DisplayOrder),
			detail: fmt.Sprintf("(%s)  order %s", d.I18nNames["en_US"], d.DisplayOrder),
		}
		if d.LeaderExternalKey != nil {
			dept.leader = *d.LeaderExternalKey
			dept.detail += "  leader " + dept.leader
		}
		out = append(out, dept)
	}
	return out, nil
}

// padOrder makes decimal display orders compare as numbers when compared as strings.
func padOrder(order string) string {
	whole, frac, _ := strings.Cut(order, ".")
	return fmt.Sprintf("%010s.%s", whole, frac)
}
