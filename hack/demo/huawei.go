package main

import (
	"context"
	"fmt"

	hwapi "github.com/orgsync/orgsync/internal/huaweicloud"
)

// The fake OneAccess application's client credentials (the access key pair is the NCP demo's).
const (
	clientID     = "demo-client-id"
	clientSecret = "demo-client-secret" //nolint:gosec // G101: the fake cloud's demo credential, on loopback only
)

// huaweiCloud is the fake OneAccess and Organizations. The samples' departments run unchanged;
// their Secret and Organization are replaced by Huawei Cloud ones pointing at the fake. OneAccess
// accepts the samples' Korean names (Unicode letters); it has no i18nNames or displayOrder, so
// the tree shows each unit's org_id instead and lists siblings by code.
type huaweiCloud struct {
	client *hwapi.OneAccessClient
}

func (c *huaweiCloud) fake() (string, []string, string) {
	return "fakehuawei", []string{"--client-id", clientID, "--client-secret", clientSecret,
		"--access-key", accessKey, "--secret-key", secretKey}, "fake OneAccess"
}

func (c *huaweiCloud) connect(fakeURL string) (err error) {
	c.client, err = hwapi.NewOneAccess(hwapi.OneAccessConfig{Endpoint: fakeURL, ClientID: clientID, ClientSecret: clientSecret})
	return err
}

// managerArgs let the Organization name the fake's endpoints: plain http on 127.0.0.1.
func (c *huaweiCloud) managerArgs(string) []string {
	return []string{"--allow-insecure-endpoints", "--huaweicloud-allowed-domains", "127.0.0.1"}
}

func (c *huaweiCloud) organization(fakeURL string) []string {
	secret := fmt.Sprintf(`apiVersion: v1
kind: Secret
metadata:
  name: huaweicloud-credentials
type: Opaque
stringData:
  clientId: %s
  clientSecret: %s
  accessKey: %s
  secretKey: %s`, clientID, clientSecret, accessKey, secretKey)
	org := fmt.Sprintf(`apiVersion: orgsync.dev/v1alpha1
kind: Organization
metadata:
  name: %s
spec:
  provider: huaweicloud
  description: ACME Corporation
  credentialsSecretRef:
    name: huaweicloud-credentials
  huaweicloud:
    oneAccessDomain: %s
    organizationsEndpoint: %s
  deletionPolicy: Orphan`, orgName, fakeURL, fakeURL)
	return []string{secret, org}
}

func (c *huaweiCloud) departments(ctx context.Context) ([]department, error) {
	units, err := c.client.ListAllOrgUnits(ctx)
	if err != nil {
		return nil, err
	}
	codes := map[string]string{}
	for _, u := range units {
		codes[u.ID] = u.Code
	}
	out := make([]department, 0, len(units))
	for _, u := range units {
		out = append(out, department{key: u.Code, parent: codes[u.ParentID], name: u.Name, detail: "org_id " + u.ID})
	}
	return out, nil
}
