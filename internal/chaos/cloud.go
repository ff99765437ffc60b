package chaos

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

// Providers are the clouds a run can be made against, in the order Run runs them.
var Providers = []v1alpha1.Provider{v1alpha1.ProviderNCP, v1alpha1.ProviderHuaweiCloud}

// remoteDepartment is a remote department as the invariants compare it, whichever the cloud.
type remoteDepartment struct {
	Key, Name string
	Parent    string // the parent's key; "" for a top-level department
	// DisplayOrder is WORKPLACE's dispOrd, Category OneAccess's category; each empty on the
	// other cloud.
	DisplayOrder, Category string
}

// cloud is one provider's fake as a run drives and inspects it; the Recorder serves it to the
// managers.
type cloud interface {
	http.Handler
	// departments returns the remote departments; department one of them.
	departments() []remoteDepartment
	department(key string) (remoteDepartment, bool)
	// putHandMade makes a top-level department behind the API's back, as a person would, and
	// returns it as made.
	putHandMade(key, name string) remoteDepartment
	// setFaults makes the fake answer those shares of requests 429 and 503.
	setFaults(throttle, unavailable float64)
	// managerFlags are the flags pointing a manager's calls to the cloud at url, at qps, each
	// request bounded by timeout.
	managerFlags(url string, qps int, timeout time.Duration) []string
	// organization returns the Organization and its credentials Secret; url is where the
	// Organization's spec points the provider's departments API, for a provider that takes it
	// there rather than from a manager flag.
	organization(url string) (*v1alpha1.Organization, *corev1.Secret)
	// differs says how d's remote department r differs from d's spec as the provider means
	// its fields, or "" when it does not.
	differs(d *v1alpha1.Department, r remoteDepartment) string
	// write returns the key of the department a request writes, and whether it writes one. It
	// is called before the fake serves the request, and leaves the request as it found it.
	write(req *http.Request) (string, bool)
	// errorCode reads the error code of an answer, or "".
	errorCode(body []byte) string
	// orderingCodes are the error codes of a write refused for ordering: a parent missing, a
	// cycle, children present (and, on OneAccess, a sibling's name).
	orderingCodes() []string
	// organizationAPI reports whether a path belongs to the organization API (NCP Organization,
	// Huawei Cloud Organizations), and organizationAPIDown answers such a request as a service
	// that is down does.
	organizationAPI(path string) bool
	organizationAPIDown(w http.ResponseWriter)
}

func newCloud(p v1alpha1.Provider) (cloud, error) {
	switch p {
	case v1alpha1.ProviderNCP:
		return newNCPCloud(), nil
	case v1alpha1.ProviderHuaweiCloud:
		return newHuaweiCloud(), nil
	}
	return nil, fmt.Errorf("chaos: no such provider %q (want one of %v)", p, Providers)
}

// ParseProviders reads a -provider flag: a provider's name, or "both".
func ParseProviders(s string) ([]v1alpha1.Provider, error) {
	if s == "both" {
		return Providers, nil
	}
	if p := v1alpha1.Provider(s); slices.Contains(Providers, p) {
		return []v1alpha1.Provider{p}, nil
	}
	return nil, fmt.Errorf("-provider %q: want ncp, huaweicloud or both", s)
}

// topLevel names a parent key for a message.
func topLevel(parent string) string { return cmp.Or(parent, "the top level") }

// newOrganization is a run's Organization, without its provider's part.
func newOrganization() *v1alpha1.Organization {
	return &v1alpha1.Organization{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: orgName},
		Spec: v1alpha1.OrganizationSpec{
			CredentialsSecretRef: v1alpha1.LocalObjectReference{Name: orgName + "-credentials"},
			// The runs delete whole charts on purpose: the default budget (20 an hour) would
			// hold them, which gitops_test.go proves; here nothing may be held.
			DeletionBudget: &v1alpha1.DeletionBudget{MaxDeletions: 1_000_000},
		},
	}
}

func newSecret(data map[string]string) *corev1.Secret {
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: orgName + "-credentials"}, StringData: data}
}
