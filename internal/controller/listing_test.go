package controller_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/huaweicloud/huaweifake"
	"github.com/orgsync/orgsync/internal/ncp/ncpfake"
)

var _ = Describe("Listings that do not add up", func() { forEachBackend(listingScenarios) })

func listingScenarios(b backend) {
	t := tenantPerSpec(b)

	It("concludes nothing from a listing with an empty page before its total: no department created again, none left behind by a delete", func() {
		const n = 140 // two pages of 100
		for i := range n {
			t.backend.put(t.acct, fmt.Sprintf("unit-%03d", i), remoteDepartment{Name: fmt.Sprintf("Unit %03d", i)})
		}
		t.setUp()
		t.create(t.dept("unit-130", "", "Unit 130"), t.dept("unit-135", "", "Unit 135"))
		t.eventuallySynced("unit-130", "unit-135")

		// Every second list page comes back empty: no reading of the two pages adds up.
		before := listRequests(t)
		emptyListPages(t, 2)
		DeferCleanup(emptyListPages, t, 0)
		Eventually(listRequests).WithArguments(t).WithTimeout(timeout).WithPolling(poll).Should(BeNumerically(">=", before+2),
			"a listing after the pages went missing")
		Eventually(t.orgMessage).WithTimeout(timeout).WithPolling(poll).Should(
			And(ContainSubstring("the remote chart could not be read completely"), ContainSubstring("came back empty")))

		t.create(t.dept("unit-120", "", "Unit 120")) // exists remotely, on the second page
		t.delete("unit-130")
		Consistently(func() error {
			if t.gone("unit-130") && t.remote()["unit-130"].Name != "" {
				return errors.New("unit-130 released while its remote department exists")
			}
			if posts := postsIn(t.writes()); len(posts) > 0 {
				return fmt.Errorf("created again: %v", posts)
			}
			return nil
		}).WithTimeout(2 * syncPeriod).WithPolling(poll).Should(Succeed())

		emptyListPages(t, 0)
		Eventually(t.gone).WithArguments("unit-130").WithTimeout(timeout).WithPolling(poll).Should(BeTrue())
		Expect(t.remote()).NotTo(HaveKey("unit-130"), "the Department was released, its department left behind")
		t.eventuallySynced("unit-120", "unit-135")
		Expect(t.remote()).To(HaveLen(n - 1))
		Expect(postsIn(t.writes())).To(BeEmpty(), "a department that exists created again")
		Eventually(t.orgReason).WithTimeout(timeout).WithPolling(poll).Should(Equal(v1alpha1.ReasonSynced))
	})

	It("reads a tenant that answers offset=0 and offset=1 with the same first page completely: every unit adopted, none created again", func() {
		hw, ok := b.(*huaweiBackend)
		if !ok {
			Skip(b.name() + " pages by row offset, not by page number")
		}
		hw.tenant(t.acct).fake.SetPaging(huaweifake.PagesFromOne)
		const n = 130
		for i := range n {
			t.backend.put(t.acct, fmt.Sprintf("unit-%03d", i), remoteDepartment{Name: fmt.Sprintf("Unit %03d", i)})
		}
		t.backend.put(t.acct, "unit-125", remoteDepartment{Name: "Renamed by hand"})
		t.setUp()
		var names []string
		for i := 100; i < n; i++ { // the second page
			name := fmt.Sprintf("unit-%03d", i)
			t.create(t.dept(name, "", fmt.Sprintf("Unit %03d", i)))
			names = append(names, name)
		}
		t.eventuallySynced(names...)

		Expect(t.remote()).To(HaveLen(n))
		Expect(t.remote()["unit-125"].Name).To(Equal("Unit 125"), "the unit renamed by hand is restored")
		Expect(t.writes()).To(ConsistOf(HaveField("Key", "unit-125")), "only the renamed unit is written")
		Expect(postsIn(t.writes())).To(BeEmpty())
	})
}

// emptyListPages makes every every-th list page of the account's chart come back empty, with its
// true total; 0 ends it.
func emptyListPages(t *tenant, every int) {
	switch b := t.backend.(type) {
	case *ncpBackend:
		var lf *ncpfake.ListFailure
		if every > 0 {
			lf = &ncpfake.ListFailure{CompanyID: t.acct.companyID, Every: every, Answer: ncpfake.ListEmptyPage}
		}
		b.server.SetListFailure(lf)
	case *huaweiBackend:
		var lf *huaweifake.ListFailure
		if every > 0 {
			lf = &huaweifake.ListFailure{Every: every, Answer: huaweifake.ListEmptyPage}
		}
		b.tenant(t.acct).fake.SetListFailure(lf)
	default:
		Fail("no list failures for " + t.backend.name())
	}
}

// listRequests counts the list requests the account's chart was answered.
func listRequests(t *tenant) int {
	n := 0
	switch b := t.backend.(type) {
	case *ncpBackend:
		for _, r := range b.server.Requests() {
			if r.AccessKey == t.acct.id && r.Method == http.MethodGet && strings.HasSuffix(r.Path, "/department") {
				n++
			}
		}
	case *huaweiBackend:
		for _, r := range b.tenant(t.acct).fake.Requests() {
			if r.Method == http.MethodGet && r.Path == oneAccessUnitsPath {
				n++
			}
		}
	default:
		Fail("no request log for " + t.backend.name())
	}
	return n
}

func postsIn(calls []remoteCall) []remoteCall {
	var posts []remoteCall
	for _, c := range calls {
		if c.Method == http.MethodPost {
			posts = append(posts, c)
		}
	}
	return posts
}

// orgMessage is the Organization's Ready message.
func (t *tenant) orgMessage() string { return orgReady(t.ns, orgName).Message }
