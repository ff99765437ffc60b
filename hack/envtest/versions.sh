# The pinned versions of the control plane the tests and the demo run on, read by build.sh and
# envtest.sh.
KUBE_VERSION=v1.37.2
ETCD_VERSION=3.6.16
# setup-envtest's own version: the module of controller-runtime's release the project uses.
SETUP_ENVTEST_VERSION=v0.25.2
