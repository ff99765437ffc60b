package testenv

import (
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/httpretry"
	"github.com/orgsync/orgsync/internal/huaweicloud/huaweifake"
	"github.com/orgsync/orgsync/internal/ncp/ncpfake"
	"github.com/orgsync/orgsync/internal/provider"
	hwprovider "github.com/orgsync/orgsync/internal/provider/huaweicloud"
	ncpprovider "github.com/orgsync/orgsync/internal/provider/ncp"
)

// RandomID returns prefix and twelve random hex digits: names no other test uses.
func RandomID(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// FastClients are remote client options for tests: a rate limit no test reaches and short
// timeouts.
var FastClients = provider.ClientOptions{QPS: 1000, Burst: 1000, RequestTimeout: 5 * time.Second, MaxRetryDuration: 5 * time.Second}

// NCPAccount is an account of a fake NCP with a WORKPLACE company of its own.
type NCPAccount struct {
	AccessKey, SecretKey, CompanyID string
}

// NewNCPAccount adds a fresh account and company to the fake.
func NewNCPAccount(fake *ncpfake.Fake) NCPAccount {
	a := NCPAccount{AccessKey: RandomID("AK"), SecretKey: RandomID("SK"), CompanyID: RandomID("company-")}
	fake.AddAccount(a.AccessKey, a.SecretKey)
	fake.AddCompany(a.CompanyID)
	return a
}

// Credentials are the data of the account's credentials Secret.
func (a NCPAccount) Credentials() map[string]string {
	return map[string]string{v1alpha1.SecretKeyAccessKey: a.AccessKey, v1alpha1.SecretKeySecretKey: a.SecretKey}
}

// HuaweiTenant is a fake Huawei Cloud (OneAccess and Organizations) of its own, with the
// credentials of its one application and account.
type HuaweiTenant struct {
	*huaweifake.Server
	Credentials map[string]string
}

// NewHuaweiTenant starts a fake Huawei Cloud with fresh credentials; Close it when done.
func NewHuaweiTenant() HuaweiTenant {
	creds := NewHuaweiCredentials()
	return HuaweiTenant{Credentials: creds, Server: huaweifake.NewServer(HuaweiFakeOptions(creds))}
}

// NewHuaweiCredentials are fresh credentials of a Huawei Cloud Organization: a OneAccess
// application's and an Organizations account's.
func NewHuaweiCredentials() map[string]string {
	return map[string]string{
		v1alpha1.SecretKeyClientID: RandomID("client-"), v1alpha1.SecretKeyClientSecret: RandomID("secret-"),
		v1alpha1.SecretKeyAccessKey: RandomID("AK"), v1alpha1.SecretKeySecretKey: RandomID("SK"),
	}
}

// HuaweiFakeOptions configure a fake Huawei Cloud that accepts creds and no other.
func HuaweiFakeOptions(creds map[string]string) huaweifake.Options {
	return huaweifake.Options{
		ClientID: creds[v1alpha1.SecretKeyClientID], ClientSecret: creds[v1alpha1.SecretKeyClientSecret],
		AccessKey: creds[v1alpha1.SecretKeyAccessKey], SecretKey: creds[v1alpha1.SecretKeySecretKey],
	}
}

// NCPConnector connects Organizations to a fake NCP at url (both APIs).
func NCPConnector(url string, limits provider.ClientOptions) provider.Connector {
	return ncpprovider.NewConnector(ncpprovider.Options{WorkplaceEndpoint: url, OrganizationEndpoint: url, ClientOptions: limits})
}

// HuaweiConnector connects Organizations to fake Huawei Clouds, at whatever loopback endpoints
// their specs name (the fakes listen on plain http at 127.0.0.1, which is allowed only when told).
func HuaweiConnector(limits provider.ClientOptions) provider.Connector {
	return hwprovider.NewConnector(hwprovider.Options{
		Endpoints:     httpretry.EndpointPolicy{AllowedDomains: []string{"127.0.0.1"}, AllowInsecure: true},
		ClientOptions: limits,
	})
}

// Connectors connect Organizations of both providers to fakes: NCP's at ncpURL, Huawei Cloud's
// as HuaweiConnector does.
func Connectors(ncpURL string, limits provider.ClientOptions) provider.Mux {
	return provider.Mux{v1alpha1.ProviderNCP: NCPConnector(ncpURL, limits), v1alpha1.ProviderHuaweiCloud: HuaweiConnector(limits)}
}
