package controller

import (
	"cmp"
	"fmt"
	"net"
	"net/url"
	"path"
	"strings"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

// remoteTarget names the remote chart an Organization manages, normalised so that two spellings
// of one chart are one target: two Organizations with the same target would fight over its
// departments. It is "" when the spec names no target (admission requires one).
func remoteTarget(org *v1alpha1.Organization) string {
	if org.Spec.Provider == v1alpha1.ProviderHuaweiCloud {
		if org.Spec.HuaweiCloud == nil || org.Spec.HuaweiCloud.OneAccessDomain == "" {
			return ""
		}
		return "Huawei Cloud OneAccess tenant " + tenantURL(org.Spec.HuaweiCloud.OneAccessDomain)
	}
	if org.Spec.Workplace.CompanyID == "" {
		return ""
	}
	// The companyId is an opaque connection key: no document says two spellings name one company.
	return fmt.Sprintf("NCP WORKPLACE company %s (site %s)", org.Spec.Workplace.CompanyID, cmp.Or(string(org.Spec.Site), "public"))
}

// defaultPorts are the ports a URL of each scheme names when it names none.
var defaultPorts = map[string]string{"https": "443", "http": "80"}

// tenantURL reads a oneAccessDomain as the connector does (a bare host means https) and
// normalises it: scheme and host in lower case, the host without a trailing dot, no default port,
// no trailing slash, no dot segments, and no user information, query or fragment (which the
// connector refuses anyway). A value that does not parse is compared in lower case as it is.
func tenantURL(domain string) string {
	raw := domain
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return strings.ToLower(domain)
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	port := u.Port()
	if port == defaultPorts[u.Scheme] {
		port = ""
	}
	switch {
	case port != "":
		host = net.JoinHostPort(host, port)
	case strings.Contains(host, ":"):
		host = "[" + host + "]" // an IPv6 address
	}
	return u.Scheme + "://" + host + strings.TrimRight(path.Clean("/"+u.Path), "/")
}

// holdsTarget reports whether org holds its remote chart: its credentials listed the chart
// (status.inventory is recorded then) and it was not told Conflict since (which clears the
// inventory). Targets are immutable, so the chart it listed is the chart of its target.
func holdsTarget(org *v1alpha1.Organization) bool {
	return org.Status.Inventory != nil
}

// keepsTargetAgainst reports whether Organization a keeps the remote chart that both a and b
// claim, so that b is told Conflict:
//   - one that holds the chart keeps it against one that does not, from any namespace;
//   - of two that hold it (both connected before either saw the other), or two of one namespace
//     that do not, the older keeps it, then the first by namespace and name;
//   - of two namespaces, one that does not hold the chart keeps nothing against the other: an
//     Organization whose credentials never worked holds no other namespace's company.
func keepsTargetAgainst(a, b *v1alpha1.Organization) bool {
	aHolds, bHolds := holdsTarget(a), holdsTarget(b)
	switch {
	case aHolds != bHolds:
		return aHolds
	case !aHolds && a.Namespace != b.Namespace:
		return false
	}
	return olderOrganization(a, b)
}

// olderOrganization orders Organizations by creation time, then by namespace and name.
func olderOrganization(a, b *v1alpha1.Organization) bool {
	if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		return a.CreationTimestamp.Before(&b.CreationTimestamp)
	}
	return a.Namespace+"/"+a.Name < b.Namespace+"/"+b.Name
}

// ranksBefore orders the Organizations that keep a chart against another, to name the first:
// those that hold it, then the older.
func ranksBefore(a, b *v1alpha1.Organization) bool {
	if aHolds, bHolds := holdsTarget(a), holdsTarget(b); aHolds != bHolds {
		return aHolds
	}
	return olderOrganization(a, b)
}

// targetConflict decides whether org may manage its remote chart, given every Organization with
// the same target (org among them or not). When one keeps the chart against org, it returns the
// Conflict outcome: naming that Organization when it is in org's namespace, and only saying that
// it is in another namespace otherwise, so that no namespace reads another's object names.
func targetConflict(org *v1alpha1.Organization, claimants []v1alpha1.Organization) (outcome, bool) {
	var holder *v1alpha1.Organization
	for i := range claimants {
		c := &claimants[i]
		if c.UID == org.UID || !c.DeletionTimestamp.IsZero() || !keepsTargetAgainst(c, org) {
			continue
		}
		if holder == nil || ranksBefore(c, holder) {
			holder = c
		}
	}
	switch {
	case holder == nil:
		return outcome{}, false
	case holder.Namespace == org.Namespace:
		return notReady(v1alpha1.ReasonConflict, fmt.Sprintf("Organization %s/%s already manages %s; one remote chart can have only one Organization",
			holder.Namespace, holder.Name, remoteTarget(org))), true
	default:
		return notReady(v1alpha1.ReasonConflict, fmt.Sprintf("an Organization in another namespace already manages %s; one remote chart can have only one Organization",
			remoteTarget(org))), true
	}
}
