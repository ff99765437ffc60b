package controller_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

var _ = Describe("The control plane", func() {
	It("is a real kube-apiserver of the pinned version that stores and returns objects", func() {
		dc, err := discovery.NewDiscoveryClientForConfig(restCfg)
		Expect(err).NotTo(HaveOccurred())
		v, err := dc.ServerVersion()
		Expect(err).NotTo(HaveOccurred())
		Expect(v.GitVersion).To(Equal("v1.37.2"))

		ns := newNamespace()
		got := &corev1.Namespace{}
		Expect(k8sClient.Get(suiteCtx, types.NamespacedName{Name: ns}, got)).To(Succeed())
		Expect(got.Status.Phase).To(Equal(corev1.NamespaceActive))
	})
})

var _ = Describe("Admission", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	// bareOrganization is an Organization admission accepts, with only the required fields set.
	bareOrganization := func() *v1alpha1.Organization {
		return &v1alpha1.Organization{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: orgName},
			Spec: v1alpha1.OrganizationSpec{
				CredentialsSecretRef: v1alpha1.LocalObjectReference{Name: secretName},
				Workplace:            v1alpha1.WorkplaceSpec{CompanyID: "company"},
			},
		}
	}

	valid := func() *v1alpha1.Department {
		return &v1alpha1.Department{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "valid"},
			Spec: v1alpha1.DepartmentSpec{
				OrganizationRef: v1alpha1.LocalObjectReference{Name: orgName},
				Name:            "Valid",
			},
		}
	}

	It("defaults externalKey to the name and the policies, and leaves the optional remote fields unset (not managed)", func() {
		d := valid()
		Expect(k8sClient.Create(suiteCtx, d)).To(Succeed())
		Expect(d.Key()).To(Equal("valid"))
		Expect(d.Spec.DisplayOrder).To(BeEmpty())
		Expect(d.Spec.EmailAddress).To(BeNil())
		Expect(d.Spec.ExternalEmailReceive).To(BeNil())
		Expect(d.Spec.I18nNames).To(BeNil())
		Expect(d.Spec.Category).To(BeEmpty())
		Expect(d.Spec.DeletionPolicy).To(Equal(v1alpha1.DeletionPolicyDelete))
		Expect(d.Spec.ManagementPolicy).To(Equal(v1alpha1.ManagementPolicyManage))
	})

	DescribeTable("rejects a Department that breaks a documented limit, naming the field",
		func(field string, mutate func(*v1alpha1.Department)) {
			d := valid()
			mutate(d)
			expectRefused(d, field)
		},
		Entry("name missing", "spec.name", func(d *v1alpha1.Department) { d.Spec.Name = "" }),
		Entry("name over 100", "spec.name", func(d *v1alpha1.Department) { d.Spec.Name = strings.Repeat("가", 101) }),
		Entry("externalKey over 36", "spec.externalKey", func(d *v1alpha1.Department) { d.Spec.ExternalKey = strings.Repeat("k", 37) }),
		Entry("externalKey with a slash", "spec.externalKey", func(d *v1alpha1.Department) { d.Spec.ExternalKey = "a/b" }),
		Entry("externalKey ..", "spec.externalKey", func(d *v1alpha1.Department) { d.Spec.ExternalKey = ".." }),
		Entry("parentExternalKey .", "spec.parentExternalKey", func(d *v1alpha1.Department) { d.Spec.ParentExternalKey = "." }),
		Entry("metadata.name over 36 without externalKey", "spec.externalKey", func(d *v1alpha1.Department) { d.Name = strings.Repeat("n", 37) }),
		Entry("parentExternalKey over 36", "spec.parentExternalKey", func(d *v1alpha1.Department) { d.Spec.ParentExternalKey = strings.Repeat("p", 37) }),
		Entry("parentExternalKey naming itself", "spec.parentExternalKey", func(d *v1alpha1.Department) { d.Spec.ParentExternalKey = "valid" }),
		Entry("emailAddress not an address", "spec.emailAddress", func(d *v1alpha1.Department) { d.Spec.EmailAddress = new("not-an-address") }),
		Entry("emailAddress over 100", "spec.emailAddress", func(d *v1alpha1.Department) {
			d.Spec.EmailAddress = new(strings.Repeat("a", 95) + "@x.com")
		}),
		Entry("displayOrder not a decimal", "spec.displayOrder", func(d *v1alpha1.Department) { d.Spec.DisplayOrder = "first" }),
		Entry("displayOrder over 10", "spec.displayOrder", func(d *v1alpha1.Department) { d.Spec.DisplayOrder = "12345678901" }),
		Entry("an i18nNames name over 100", "spec.i18nNames", func(d *v1alpha1.Department) {
			d.Spec.I18nNames = map[string]v1alpha1.LocalizedName{"ko_KR": v1alpha1.LocalizedName(strings.Repeat("가", 101))}
		}),
		Entry("an empty i18nNames name", "spec.i18nNames", func(d *v1alpha1.Department) { d.Spec.I18nNames = map[string]v1alpha1.LocalizedName{"en_US": ""} }),
		Entry("organizationRef missing", "spec.organizationRef.name", func(d *v1alpha1.Department) { d.Spec.OrganizationRef.Name = "" }),
		Entry("an unknown deletionPolicy", "spec.deletionPolicy", func(d *v1alpha1.Department) { d.Spec.DeletionPolicy = "Keep" }),
		Entry("an unknown managementPolicy", "spec.managementPolicy", func(d *v1alpha1.Department) { d.Spec.ManagementPolicy = "Sometimes" }),
	)

	DescribeTable("keeps the fields that decide where remote writes go immutable",
		func(message string, change func(*v1alpha1.Department)) {
			d := valid()
			Expect(k8sClient.Create(suiteCtx, d)).To(Succeed())
			Eventually(func() string {
				current := &v1alpha1.Department{}
				Expect(k8sClient.Get(suiteCtx, types.NamespacedName{Namespace: ns, Name: d.Name}, current)).To(Succeed())
				change(current)
				err := k8sClient.Update(suiteCtx, current)
				Expect(err).To(HaveOccurred())
				return err.Error()
			}).WithTimeout(timeout).Should(ContainSubstring(message))
		},
		Entry("externalKey", "spec.externalKey is immutable", func(d *v1alpha1.Department) { d.Spec.ExternalKey = "another-key" }),
		Entry("organizationRef", "organizationRef is immutable", func(d *v1alpha1.Department) { d.Spec.OrganizationRef.Name = "other" }),
	)

	It("keeps an Organization's companyId immutable and its other settings editable", func() {
		org := bareOrganization()
		Expect(k8sClient.Create(suiteCtx, org)).To(Succeed())
		Eventually(func() error {
			current := &v1alpha1.Organization{}
			Expect(k8sClient.Get(suiteCtx, types.NamespacedName{Namespace: ns, Name: orgName}, current)).To(Succeed())
			current.Spec.Description = "edited"
			current.Spec.CredentialsSecretRef.Name = "rotated"
			return k8sClient.Update(suiteCtx, current)
		}).WithTimeout(timeout).Should(Succeed())
		Eventually(func() string {
			current := &v1alpha1.Organization{}
			Expect(k8sClient.Get(suiteCtx, types.NamespacedName{Namespace: ns, Name: orgName}, current)).To(Succeed())
			current.Spec.Workplace.CompanyID = "another-company"
			err := k8sClient.Update(suiteCtx, current)
			Expect(err).To(HaveOccurred())
			return err.Error()
		}).WithTimeout(timeout).Should(ContainSubstring("companyId is immutable"))
	})

	DescribeTable("rejects an Organization that breaks a documented limit, naming the field",
		func(field string, mutate func(*v1alpha1.Organization)) {
			org := bareOrganization()
			mutate(org)
			expectRefused(org, field)
		},
		Entry("companyId over 36", "spec.workplace.companyId", func(o *v1alpha1.Organization) { o.Spec.Workplace.CompanyID = strings.Repeat("c", 37) }),
		Entry("companyId missing", "spec.workplace.companyId", func(o *v1alpha1.Organization) { o.Spec.Workplace.CompanyID = "" }),
		Entry("an unknown site", "spec.site", func(o *v1alpha1.Organization) { o.Spec.Site = "moon" }),
		Entry("an unknown provider", "spec.provider", func(o *v1alpha1.Organization) { o.Spec.Provider = "aws" }),
		Entry("secret name missing", "spec.credentialsSecretRef.name", func(o *v1alpha1.Organization) { o.Spec.CredentialsSecretRef.Name = "" }),
		Entry("an unknown deletionPolicy", "spec.deletionPolicy", func(o *v1alpha1.Organization) { o.Spec.DeletionPolicy = "Keep" }),
	)
})
