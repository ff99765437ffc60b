// Package promcheck checks the Helm chart's alert rules and Grafana dashboard against Prometheus
// and against the manager: the rules parse with Prometheus's own rule-file and PromQL parsers
// (github.com/prometheus/prometheus), every query of the dashboard parses, and every metric they
// name is one a running manager serves on /metrics.
//
// It is a module of its own so that the manager's go.mod does not carry Prometheus's server (and
// the newer client_golang, prometheus/common and Go release it requires) for one test; it uses the
// repository's packages through a replace directive. `make test` runs it after the main module.
package promcheck
