// Package vendors finds the conventions of the provider an Organization names, without
// connecting to it: kubectl orgsync (plan, export) and the tests read a remote chart's fields,
// defaults and comparisons there, as the manager does through its connection.
package vendors

import (
	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/provider"
	hwprovider "github.com/orgsync/orgsync/internal/provider/huaweicloud"
	ncpprovider "github.com/orgsync/orgsync/internal/provider/ncp"
)

// For returns the conventions of provider p; an empty p is NCP, as in spec.provider. A provider
// orgsync does not know has NCP's: the manager refuses to connect to it anyway.
func For(p v1alpha1.Provider) provider.Conventions {
	if p == v1alpha1.ProviderHuaweiCloud {
		return hwprovider.Conventions{}
	}
	return ncpprovider.Conventions{}
}
