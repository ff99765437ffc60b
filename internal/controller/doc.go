// Package controller holds orgsync's two reconcilers, Organization and Department, and what only
// they share: each Organization's connection to its cloud (rebuilt when its spec or credentials
// change), its remote inventory, the deletion budget and grace, the counts an Organization
// reports, and the cache indexes that find an Organization's Departments by key. Setup registers
// them with a manager; `kubectl orgsync plan` asks the Department reconciler's decisions of a
// chart the manager has not seen yet (plan.go).
//
// The Ginkgo envtest suites here are scenarios told as a user sees them: what the remote system
// holds, and the conditions `kubectl get` shows. Run one with KUBEBUILDER_ASSETS=bin/k8s and
// -ginkgo.focus; the whole suite takes many minutes.
package controller
