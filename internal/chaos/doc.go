// Package chaos runs orgsync's real manager binary (bin/manager) against a real control plane
// (kube-apiserver and etcd from bin/k8s) and a cloud's fake (the fake NCP, or the fake Huawei
// Cloud: OneAccess and Organizations), while it kills the manager, fails it over to a standby,
// breaks the remote API and changes the chart behind its back, and then checks the invariants a
// user relies on (Check): no remote department twice or without its object, every remote
// department as its object says (as its provider means the fields), no finalizer left behind,
// every object Ready or saying what to do, and no remote write refused for ordering reasons.
//
// `make chaos` runs the full runs through hack/chaos, on both clouds; TestChaos runs a shortened
// version of each in `make test`.
package chaos
