// Package chart holds the orgsync Helm chart. It has no Go code of its own: chart_test.go renders
// the chart with the Helm library and checks the result against config/ (the generated RBAC and
// CRDs, and the kustomize Deployment's security settings), so the two ways to install cannot drift.
package chart
