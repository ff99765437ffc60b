package controller

import (
	"cmp"
	"fmt"
	"net"
	"net/url"
	"path"
	"strconv"
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
	if n, err := strconv.Atoi(port); err == nil {
		port = strconv.Itoa(n) // "0443" is port 443, as the dialer reads it
	}
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

// targetConflict decides whether org may go on to connect to its remote chart, given rec, the
// manager's record of who holds it (nil: no one), whether that holder is gone, and every
// Organization with the same target (org among them or not):
//   - the holder rec names keeps the chart against every other Organization, from any namespace,
//     until it goes (while it is being deleted too: its Departments still delete under it);
//   - while no one holds it, an Organization keeps it against a younger one of its own namespace
//     (then the first by name), and nothing against another namespace's: whose credentials list
//     the chart first takes it, so that one whose credentials never worked holds nothing.
//
// The Conflict outcome names the Organization that keeps the chart when it is in org's
// namespace; otherwise it says only that the chart is unavailable, so that a tenant, with
// working credentials or none, learns nothing of another namespace.
func targetConflict(org *v1alpha1.Organization, rec *v1alpha1.RemoteTarget, holderGone bool, claimants []v1alpha1.Organization) (outcome, bool) {
	if heldBy(rec, org) {
		return outcome{}, false
	}
	if rec != nil && !holderGone {
		h := rec.Spec.Holder
		return conflictWith(org, h.Namespace, h.Name), true
	}
	var keeper *v1alpha1.Organization
	for i := range claimants {
		c := &claimants[i]
		if c.UID == org.UID || c.Namespace != org.Namespace || !c.DeletionTimestamp.IsZero() || !olderOrganization(c, org) {
			continue
		}
		if keeper == nil || olderOrganization(c, keeper) {
			keeper = c
		}
	}
	if keeper == nil {
		return outcome{}, false
	}
	return conflictWith(org, keeper.Namespace, keeper.Name), true
}

// conflictWith is the Conflict outcome of org against the Organization namespace/name that keeps
// its chart: named in org's own namespace only.
func conflictWith(org *v1alpha1.Organization, namespace, name string) outcome {
	if namespace == org.Namespace {
		return notReady(v1alpha1.ReasonConflict, fmt.Sprintf("Organization %s/%s already manages %s; one remote chart can have only one Organization",
			namespace, name, remoteTarget(org)))
	}
	return targetUnavailable(org)
}

// targetUnavailable is the Conflict outcome that says only that org's chart is unavailable.
func targetUnavailable(org *v1alpha1.Organization) outcome {
	return notReady(v1alpha1.ReasonConflict, fmt.Sprintf("%s is unavailable to this Organization", remoteTarget(org)))
}

// olderOrganization orders Organizations by creation time, then by namespace and name.
func olderOrganization(a, b *v1alpha1.Organization) bool {
	if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		return a.CreationTimestamp.Before(&b.CreationTimestamp)
	}
	return a.Namespace+"/"+a.Name < b.Namespace+"/"+b.Name
}
