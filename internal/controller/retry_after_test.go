package controller_test

import (
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

// A remote service may ask, with one 429, for a hold of a year. The manager honours a
// Retry-After only up to --remote-max-retry-after (specMaxRetryAfter here), so the Organization's
// listing and the Department workers waiting on it are held no longer than that.
var _ = Describe("A remote service asking for a hold a year long", func() {
	b := backendOf[*ncpBackend]()
	t := tenantPerSpec(b)

	It("holds calls only up to the Retry-After cap: a rename made while it throttles lands once it stops", func() {
		t.setUp()
		t.create(t.dept("hq", "", "HQ"))
		t.eventuallySynced("hq")

		yearAhead := time.Now().AddDate(1, 0, 0).UTC().Format(http.TimeFormat)
		b.retryAfter.Store(&yearAhead)
		DeferCleanup(func() { b.retryAfter.Store(nil) })
		t.update("hq", func(d *v1alpha1.Department) { d.Spec.Name = "HQ renamed" })
		Consistently(func() string { return t.remote()["hq"].Name }).WithTimeout(10 * time.Second).Should(Equal("HQ"))

		b.retryAfter.Store(nil)
		Eventually(func() string { return t.remote()["hq"].Name }).WithTimeout(3*time.Minute).WithPolling(time.Second).
			Should(Equal("HQ renamed"), "the rename reaches the remote system within minutes of the throttling's end")
	})
})
