// Package testenv is the one test environment of orgsync: the control plane (kube-apiserver and
// etcd of bin/k8s, with the CRDs installed), the manager as a child process or in process, the
// fake clouds wired with credentials, and the one meaning of "converged" every wait uses.
//
// The controller suite, the plugin's tests, the chaos suite, the bench and the demo all start
// their worlds here, so that the lookup of the control-plane binaries, the way a manager is
// launched and stopped, and what "the object has converged" means are written once. It is not a
// _test package: the programs of hack/ use it too.
package testenv
