package controller_test

import (
	"os/exec"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	authorizationv1 "k8s.io/api/authorization/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/config/argocd"
)

// managerServiceAccount is the identity config/default gives the manager.
const managerServiceAccount = "system:serviceaccount:orgsync-system:orgsync-controller-manager"

var adminKubeconfig string

// kubectl runs bin/k8s/kubectl as a cluster admin against the test control plane.
func kubectl(args ...string) (string, error) {
	cmd := exec.Command(cp.Kubectl(), append([]string{"--kubeconfig", adminKubeconfig}, args...)...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// installManifests applies config/default (namespace, ServiceAccount, RBAC, Deployment, Service)
// for real, as `kubectl apply -k config/default` would on a cluster.
func installManifests() {
	var err error
	adminKubeconfig, err = cp.AdminKubeconfig(GinkgoT().TempDir(), "suite-admin")
	Expect(err).NotTo(HaveOccurred())

	out, err := kubectl("apply", "--server-side", "-k", filepath.Join("..", "..", "config", "default"))
	Expect(err).NotTo(HaveOccurred(), "kubectl apply -k config/default: %s", out)
}

var _ = Describe("Install manifests", func() {
	It("pass a server-side dry run of kubectl apply -k config/default", func() {
		out, err := kubectl("apply", "--dry-run=server", "-k", filepath.Join("..", "..", "config", "default"))
		Expect(err).NotTo(HaveOccurred(), out)
		Expect(out).To(ContainSubstring("deployment.apps/orgsync-controller-manager"))
		Expect(out).To(ContainSubstring("clusterrole.rbac.authorization.k8s.io/orgsync-manager-role"))
	})

	It("give the manager's ServiceAccount no more than it uses", func() {
		cfg := rest.CopyConfig(restCfg)
		cfg.Impersonate = rest.ImpersonationConfig{UserName: managerServiceAccount}
		sa, err := client.New(cfg, client.Options{Scheme: scheme})
		Expect(err).NotTo(HaveOccurred())
		can := func(verb, group, resource string) bool {
			review := &authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{
				ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: verb, Group: group, Resource: resource, Namespace: "default"},
			}}
			Expect(sa.Create(suiteCtx, review)).To(Succeed())
			return review.Status.Allowed
		}
		Expect(can("watch", "orgsync.dev", "departments")).To(BeTrue())
		Expect(can("update", "orgsync.dev", "organizations/status")).To(BeTrue())
		Expect(can("get", "", "secrets")).To(BeTrue())
		for _, denied := range [][3]string{
			// The Secret an Organization names is read with a get: other applications' Secrets
			// cannot be listed or watched, in any namespace.
			{"list", "", "secrets"}, {"watch", "", "secrets"},
			{"create", "", "secrets"}, {"update", "", "secrets"}, {"delete", "", "secrets"},
			{"create", "orgsync.dev", "organizations"}, {"delete", "orgsync.dev", "organizations"},
			{"list", "", "pods"}, {"list", "", "configmaps"}, {"create", "apps", "deployments"},
		} {
			Expect(can(denied[0], denied[1], denied[2])).To(BeFalse(), "%s %s/%s", denied[0], denied[1], denied[2])
		}
	})
})

var _ = Describe("Argo CD health of the operator's objects", func() {
	health := func(obj client.Object) string {
		u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
		Expect(err).NotTo(HaveOccurred())
		status, _, err := argocd.Health(u)
		Expect(err).NotTo(HaveOccurred())
		return status
	}

	It("is Healthy when Ready, Progressing while waiting, Degraded on a cycle", func() {
		t := newTenant(backends[0])
		t.setUp()
		t.create(t.dept("healthy", "", "Healthy"), t.dept("waiting", "nowhere", "Waiting"),
			t.dept("loop-a", "loop-b", "A"), t.dept("loop-b", "loop-a", "B"))
		t.eventuallySynced("healthy")
		Eventually(t.reason).WithArguments("waiting").WithTimeout(timeout).Should(Equal(v1alpha1.ReasonWaitingForParent))
		Eventually(t.reason).WithArguments("loop-a").WithTimeout(timeout).Should(Equal(v1alpha1.ReasonParentCycle))

		Expect(health(t.get("healthy"))).To(Equal(argocd.StatusHealthy))
		Expect(health(t.get("waiting"))).To(Equal(argocd.StatusProgressing))
		Expect(health(t.get("loop-a"))).To(Equal(argocd.StatusDegraded))
		org := t.currentOrganization()
		Expect(health(org)).To(Equal(argocd.StatusHealthy))
		Expect(strings.ToLower(org.Status.Conditions[0].Message)).To(ContainSubstring("connected"))
	})
})
