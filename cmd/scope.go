package main

import (
	"errors"
	"fmt"
	"hash/fnv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

// scope is the part of the cluster one manager works on: the namespaces it watches
// (--watch-namespaces, all when empty), the Organizations and Departments it takes
// (--watch-label-selector, all when empty: one shard of several), and whether it watches
// the Secrets labelled orgsync.dev/credentials=true (--watch-credentials-secrets).
type scope struct {
	namespaces []string
	selector   labels.Selector // nil: every object
	// watchSecrets watches credentials Secrets, which needs list and watch on Secrets.
	watchSecrets bool
}

// parseScope reads the scope flags, refusing a namespace that is not a valid name (the watched
// ones, and the leader-election Lease's) and a selector that does not parse, naming the flag.
func parseScope(namespaces, selector string, watchSecrets bool, leaseNamespace string) (scope, error) {
	s := scope{namespaces: splitList(namespaces), watchSecrets: watchSecrets}
	var errs []error
	if leaseNamespace != "" {
		if problems := validation.IsDNS1123Label(leaseNamespace); len(problems) > 0 {
			errs = append(errs, fmt.Errorf("--leader-elect-resource-namespace=%s: not a namespace name: %s", leaseNamespace, problems[0]))
		}
	}
	for _, ns := range s.namespaces {
		if problems := validation.IsDNS1123Label(ns); len(problems) > 0 {
			errs = append(errs, fmt.Errorf("--watch-namespaces=%s: %q is not a namespace name: %s", namespaces, ns, problems[0]))
		}
	}
	if selector != "" {
		sel, err := labels.Parse(selector)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("--watch-label-selector=%s: %w", selector, err))
		case sel.Empty():
			errs = append(errs, fmt.Errorf("--watch-label-selector=%s: selects everything; leave it empty instead", selector))
		default:
			s.selector = sel
		}
	}
	return s, errors.Join(errs...)
}

// cacheOptions keeps the manager's cache to its scope. Secrets are cached, as metadata only, when
// labelled as credentials; the Secret an Organization names is read with a get either way.
func (s scope) cacheOptions() cache.Options {
	o := cache.Options{
		// Managed fields are the largest part of most cached objects and orgsync reads none of
		// them: a chart of 10,000 Departments is held in a third of the memory without them.
		DefaultTransform: cache.TransformStripManagedFields(),
		ByObject: map[client.Object]cache.ByObject{
			&corev1.Secret{}: {Label: labels.SelectorFromSet(labels.Set{v1alpha1.CredentialsLabel: "true"})},
		},
	}
	if len(s.namespaces) > 0 {
		o.DefaultNamespaces = map[string]cache.Config{}
		for _, ns := range s.namespaces {
			o.DefaultNamespaces[ns] = cache.Config{}
		}
	}
	if s.selector != nil {
		o.ByObject[&v1alpha1.Organization{}] = cache.ByObject{Label: s.selector}
		o.ByObject[&v1alpha1.Department{}] = cache.ByObject{Label: s.selector}
	}
	return o
}

// leaderElectionID names the Lease of the manager's shard: shards elect their leaders apart, and
// the replicas of one shard share one.
func (s scope) leaderElectionID() string {
	if s.selector == nil {
		return "orgsync.orgsync.dev"
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(s.selector.String()))
	return fmt.Sprintf("orgsync-%08x.orgsync.dev", h.Sum32())
}
