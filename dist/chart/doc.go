// Package chart holds the orgsync Helm chart. It has no Go code of its own: chart_test.go and
// scope_test.go render the chart with the Helm library and check the result against config/ (the
// generated RBAC and CRDs, and the kustomize Deployment's security settings), so the two ways to
// install cannot drift; access_test.go applies renders to a real API server (envtest) and asks it
// what the manager's ServiceAccount may read.
package chart
