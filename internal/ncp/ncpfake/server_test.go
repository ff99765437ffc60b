package ncpfake

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/internal/fakeserver"
)

func TestRouting(t *testing.T) {
	_, c := newTestCaller(t)
	notFound := gatewayErr("300", "Not Found")
	methodNotAllowed := gatewayErr("100", "Method Not Allowed")
	tests := []struct {
		method, uri string
		status      int
		want        map[string]any
		allow       string
	}{
		{http.MethodGet, "/", 404, notFound, ""},
		{http.MethodGet, "/organization/apigw/v2/company/" + testCompany, 404, notFound, ""},
		{http.MethodGet, deptBase + "/", 404, notFound, ""},
		{http.MethodGet, deptBase + "/a/b", 404, notFound, ""},
		{http.MethodGet, "/organization/apigw/v2/company/" + testCompany + "/employee/e1", 404, notFound, ""},
		{http.MethodGet, "/open-api/v1/org/1/extra", 404, notFound, ""},
		{http.MethodGet, "/open-api/v1/organization", 404, notFound, ""},
		{http.MethodPost, deptBase, 405, methodNotAllowed, "GET"},
		{http.MethodPatch, deptBase + "/k", 405, methodNotAllowed, "GET, POST, PUT, DELETE"},
		{http.MethodDelete, orgBase, 405, methodNotAllowed, "GET, POST"},
		{http.MethodGet, orgBase + "/1", 405, methodNotAllowed, "DELETE"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.uri, func(t *testing.T) {
			got := c.do(tt.method, tt.uri, nil)
			expect(t, got, tt.status, tt.want)
			if allow := got.header.Get("Allow"); allow != tt.allow {
				t.Errorf("Allow = %q, want %q", allow, tt.allow)
			}
		})
	}
}

func TestBodyLimit(t *testing.T) {
	s, c := newTestCaller(t)
	tooLarge := gatewayErr("430", "request entity too large")
	big := `{"name":"` + strings.Repeat("x", maxBodyBytes) + `"}`
	expect(t, c.do(http.MethodPost, deptBase+"/k", big), http.StatusRequestEntityTooLarge, tooLarge)
	expect(t, c.do(http.MethodPost, orgBase, big), http.StatusRequestEntityTooLarge, tooLarge)

	// Without a Content-Length the limit still holds while reading.
	req, err := http.NewRequest(http.MethodPost, s.URL()+deptBase+"/k", strings.NewReader(big))
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = -1
	c.sign(req)
	expect(t, send(t, req), http.StatusRequestEntityTooLarge, tooLarge)

	// Just under the limit is read (and then validated).
	padded := `{"deptExternalKey":"k","name":"n","parentDeptExternalKey":"#","dispOrd":"1"}`
	padded += strings.Repeat(" ", maxBodyBytes-len(padded))
	expect(t, c.do(http.MethodPost, deptBase+"/k", padded), http.StatusCreated, nil)
}

func TestFaults(t *testing.T) {
	tests := []struct {
		name       string
		faults     Faults
		uri        string
		status     int
		want       map[string]any
		retryAfter string
	}{
		{"no faults", Faults{}, deptBase, 200, nil, ""},
		{"throttled WORKPLACE", Faults{ThrottleFraction: 1}, deptBase, 429, gatewayErr("420", "rate limited"), ""},
		{"throttled WORKPLACE with Retry-After", Faults{ThrottleFraction: 1, RetryAfter: 1500 * time.Millisecond}, deptBase, 429, gatewayErr("420", "rate limited"), "2"},
		{"Retry-After at least 1", Faults{ThrottleFraction: 1, RetryAfter: time.Millisecond}, deptBase, 429, nil, "1"},
		{"throttled Organization API", Faults{ThrottleFraction: 1}, orgBase, 403, gatewayErr("COMMON_104", "requests too frequent"), ""},
		{"unavailable WORKPLACE", Faults{UnavailableFraction: 1}, deptBase, 503, gatewayErr("500", "endpoint error"), ""},
		{"unavailable Organization API", Faults{UnavailableFraction: 1}, orgBase, 503, gatewayErr("500", "endpoint error"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, c := newTestCaller(t)
			s.SetFaults(tt.faults)
			for range 20 {
				got := c.do(http.MethodGet, tt.uri, nil)
				if tt.status == 200 && tt.uri == orgBase {
					tt.status = 404
				}
				expect(t, got, tt.status, tt.want)
				if ra := got.header.Get("Retry-After"); ra != tt.retryAfter {
					t.Fatalf("Retry-After = %q, want %q", ra, tt.retryAfter)
				}
			}
			// Nothing changed behind the faults.
			if len(s.Departments(testCompany)) != 0 {
				t.Error("departments changed")
			}
		})
	}
}

// A list failure fails the list requests it names, counted from when it is set, and nothing else.
func TestListFailure(t *testing.T) {
	tests := []struct {
		name    string
		failure *ListFailure
		want    []int // statuses of six list requests in a row
	}{
		{"none", nil, []int{200, 200, 200, 200, 200, 200}},
		{"exactly the second", &ListFailure{After: 1, Count: 1}, []int{200, 503, 200, 200, 200, 200}},
		{"every one after the second", &ListFailure{After: 2}, []int{200, 200, 503, 503, 503, 503}},
		{"two after the first", &ListFailure{After: 1, Count: 2}, []int{200, 503, 503, 200, 200, 200}},
		{"from the start", &ListFailure{}, []int{503, 503, 503, 503, 503, 503}},
		{"every third", &ListFailure{Every: 3}, []int{200, 200, 503, 200, 200, 503}},
		{"every second after the first, twice", &ListFailure{After: 1, Every: 2, Count: 2}, []int{200, 200, 503, 200, 503, 200}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, c := newTestCaller(t)
			c.mustCreate("a", "#")
			c.do(http.MethodGet, deptBase, nil) // before SetListFailure: not counted
			s.SetListFailure(tt.failure)
			var got []int
			for range tt.want {
				r := c.do(http.MethodGet, deptBase+"?offset=0&limit=10", nil)
				got = append(got, r.status)
				if r.status == 503 {
					expect(t, r, 503, gatewayErr("500", "endpoint error"))
				}
				// Other calls are not list requests: they neither fail nor count.
				expect(t, c.do(http.MethodGet, deptBase+"/a", nil), 200, nil)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("list statuses (-want +got):\n%s", diff)
			}
		})
	}

	// Limited to one company, it neither counts nor fails the others' list requests.
	s, c := newTestCaller(t)
	s.AddCompany("other")
	other := strings.Replace(deptBase, testCompany, "other", 1)
	s.SetListFailure(&ListFailure{CompanyID: testCompany, Every: 2})
	for _, r := range []struct {
		path   string
		status int
	}{{other, 200}, {deptBase, 200}, {other, 200}, {deptBase, 503}, {other, 200}, {deptBase, 200}} {
		expect(t, c.do(http.MethodGet, r.path, nil), r.status, nil)
	}

	// Setting it again restarts the count; nil removes it.
	s, c = newTestCaller(t)
	s.SetListFailure(&ListFailure{After: 1})
	expect(t, c.do(http.MethodGet, deptBase, nil), 200, nil)
	expect(t, c.do(http.MethodGet, deptBase, nil), 503, nil)
	s.SetListFailure(&ListFailure{After: 1})
	expect(t, c.do(http.MethodGet, deptBase, nil), 200, nil)
	s.SetListFailure(nil)
	expect(t, c.do(http.MethodGet, deptBase, nil), 200, nil)
}

// A list failure may answer a page that comes back empty or short of the page size before the
// totalCount is reached: 200, the company's true totalCount, and fewer elements than the page has.
func TestListFailureAnswers(t *testing.T) {
	tests := []struct {
		name   string
		answer ListAnswer
		want   [][]string // the keys of the pages at offset 0, 2 and 4, in pages of 2
	}{
		{"empty page", ListEmptyPage, [][]string{{"a", "b"}, {}, {"e"}}},
		{"short page", ListShortPage, [][]string{{"a", "b"}, {"c"}, {"e"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, c := newTestCaller(t)
			for _, key := range []string{"a", "b", "c", "d", "e"} {
				c.mustCreate(key, "#")
			}
			s.SetListFailure(&ListFailure{After: 1, Count: 1, Answer: tt.answer})
			var got [][]string
			for _, offset := range []int{0, 2, 4} {
				r := c.do(http.MethodGet, fmt.Sprintf("%s?offset=%d&limit=2", deptBase, offset), nil)
				body := r.json(t)
				if r.status != 200 || body["totalCount"] != float64(5) {
					t.Fatalf("offset %d: status %d, totalCount %v; want 200 and the true count 5", offset, r.status, body["totalCount"])
				}
				keys := []string{}
				for _, e := range body["elements"].([]any) {
					keys = append(keys, e.(map[string]any)["externalKey"].(string))
				}
				got = append(got, keys)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("pages (-want +got):\n%s", diff)
			}
			if n := len(s.Departments(testCompany)); n != 5 {
				t.Errorf("%d departments, want the 5 unchanged", n)
			}
		})
	}
}

// Faults apply only to authenticated requests to known paths.
func TestFaultsAfterAuthentication(t *testing.T) {
	s, c := newTestCaller(t)
	s.SetFaults(Faults{ThrottleFraction: 1})
	c.secretKey = "wrong"
	expect(t, c.do(http.MethodGet, deptBase, nil), 401, nil)
	expect(t, c.do(http.MethodGet, "/unknown", nil), 404, nil)
}

func TestFaultFractions(t *testing.T) {
	s, c := newTestCaller(t)
	s.SetFaults(Faults{ThrottleFraction: 0.5})
	counts := map[int]int{}
	for range 200 {
		counts[c.do(http.MethodGet, deptBase, nil).status]++
	}
	// 200 draws at p=0.5: outside [60, 140] has probability far below 1e-8.
	if counts[200] < 60 || counts[429] < 60 || counts[200]+counts[429] != 200 {
		t.Errorf("statuses = %v, want about half 429", counts)
	}
	s.SetFaults(Faults{})
	for range 20 {
		expect(t, c.do(http.MethodGet, deptBase, nil), 200, nil)
	}
}

func TestRateLimit(t *testing.T) {
	s, c := newTestCaller(t)
	s.SetFaults(Faults{RateLimit: 2, RetryAfter: time.Second})
	counts := map[int]int{}
	for range 10 {
		got := c.do(http.MethodGet, deptBase, nil)
		counts[got.status]++
		if got.status == 429 && got.header.Get("Retry-After") != "1" {
			t.Errorf("Retry-After = %q, want 1", got.header.Get("Retry-After"))
		}
	}
	// A burst of 2; at 2 per second at most one more token arrives during a fast loop.
	if counts[200] < 2 || counts[200] > 4 || counts[429] != 10-counts[200] {
		t.Errorf("statuses = %v, want 2 to 4 successes and the rest 429", counts)
	}
	// The Organization API answers the cap as COMMON_104.
	expect(t, c.do(http.MethodGet, orgBase, nil), 403, gatewayErr("COMMON_104", "requests too frequent"))

	// Lifting the cap lets everything through.
	s.SetFaults(Faults{})
	for range 10 {
		expect(t, c.do(http.MethodGet, deptBase, nil), 200, nil)
	}
	// A fractional rate still allows a burst of one.
	s.SetFaults(Faults{RateLimit: 0.5})
	expect(t, c.do(http.MethodGet, deptBase, nil), 200, nil)
	expect(t, c.do(http.MethodGet, deptBase, nil), 429, nil)
}

func TestLatency(t *testing.T) {
	s, c := newTestCaller(t)
	s.SetFaults(Faults{Latency: 50 * time.Millisecond})
	start := time.Now()
	expect(t, c.do(http.MethodGet, deptBase, nil), 200, nil)
	if elapsed := time.Since(start); elapsed < 50*time.Millisecond {
		t.Errorf("request took %v, want at least 50ms", elapsed)
	}
}

// Counts are per company and method, include rejected requests, and reset apart from the log.
func TestCounts(t *testing.T) {
	s, c := newTestCaller(t)
	s.AddCompany("other")
	if got := s.Counts(testCompany); got != nil {
		t.Fatalf("Counts before any request = %v, want nil", got)
	}
	c.mustCreate("a", "#")
	c.do(http.MethodPut, deptBase+"/a", dept("a", "#", "A", "2"))
	c.do(http.MethodGet, deptBase+"/a", nil)
	c.do(http.MethodGet, deptBase+"?offset=0&limit=5", nil)
	c.do(http.MethodGet, deptBase+"/ghost", nil)                                           // 404
	c.do(http.MethodPatch, deptBase+"/a", nil)                                             // 405
	c.do(http.MethodGet, orgBase, nil)                                                     // another API: not counted
	c.do(http.MethodGet, "/organization/apigw/v2/company/"+testCompany+"/employee/x", nil) // unknown path
	c.do(http.MethodGet, "/organization/apigw/v2/company/other/department", nil)
	c.do(http.MethodGet, "/organization/apigw/v2/company/no%2Fsuch/department", nil) // unknown company, escaped
	bad := c
	bad.secretKey = "wrong"
	bad.do(http.MethodDelete, deptBase+"/a", nil) // 401
	s.SetFaults(Faults{ThrottleFraction: 1})
	c.do(http.MethodDelete, deptBase+"/a", nil) // 429
	s.SetFaults(Faults{})

	want := map[string]int{http.MethodPost: 1, http.MethodPut: 1, http.MethodGet: 3, http.MethodPatch: 1, http.MethodDelete: 2}
	if diff := cmp.Diff(want, s.Counts(testCompany)); diff != "" {
		t.Errorf("Counts (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]int{http.MethodGet: 1}, s.Counts("other")); diff != "" {
		t.Errorf("Counts(other) (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]int{http.MethodGet: 1}, s.Counts("no/such")); diff != "" {
		t.Errorf("Counts(no/such) (-want +got):\n%s", diff)
	}

	// The result is a copy; the log and the counts reset apart.
	s.Counts(testCompany)[http.MethodGet] = 100
	s.ResetRequests()
	if got := s.Counts(testCompany)[http.MethodGet]; got != 3 {
		t.Errorf("GET count %d after ResetRequests and editing a result, want 3", got)
	}
	c.do(http.MethodGet, deptBase+"/a", nil)
	s.ResetCounts()
	if got := s.Counts(testCompany); got != nil {
		t.Errorf("Counts after ResetCounts = %v, want nil", got)
	}
	if got := len(s.Requests()); got != 1 {
		t.Errorf("%d requests logged after ResetCounts, want 1", got)
	}
	c.do(http.MethodGet, deptBase+"/a", nil)
	if diff := cmp.Diff(map[string]int{http.MethodGet: 1}, s.Counts(testCompany)); diff != "" {
		t.Errorf("Counts after a reset and one request (-want +got):\n%s", diff)
	}
}

func TestRequestLog(t *testing.T) {
	s, c := newTestCaller(t)
	c.mustCreate("a", "#")
	c.do(http.MethodGet, deptBase+"?offset=0&limit=5", nil)
	bad := c
	bad.secretKey = "wrong"
	bad.do(http.MethodGet, deptBase+"/a", nil)
	c.do(http.MethodGet, "/nowhere", nil)
	s.SetFaults(Faults{ThrottleFraction: 1})
	c.do(http.MethodDelete, deptBase+"/a", nil)

	want := []Request{
		{Method: "POST", Path: deptBase + "/a", Status: 201, Time: testEpoch, AccessKey: testAccessKey},
		{Method: "GET", Path: deptBase, Query: "offset=0&limit=5", Status: 200, Time: testEpoch, AccessKey: testAccessKey},
		{Method: "GET", Path: deptBase + "/a", Status: 401, Time: testEpoch, AccessKey: testAccessKey},
		{Method: "GET", Path: "/nowhere", Status: 404, Time: testEpoch, AccessKey: testAccessKey},
		{Method: "DELETE", Path: deptBase + "/a", Status: 429, Time: testEpoch, AccessKey: testAccessKey},
	}
	if diff := cmp.Diff(want, s.Requests()); diff != "" {
		t.Errorf("Requests (-want +got):\n%s", diff)
	}
	s.ResetRequests()
	if got := s.Requests(); len(got) != 0 {
		t.Errorf("Requests after reset = %v", got)
	}
	c.do(http.MethodGet, orgBase, nil)
	if got := s.Requests(); len(got) != 1 || got[0].Path != orgBase || got[0].Status != 429 && got[0].Status != 403 {
		t.Errorf("Requests = %+v, want the one throttled GET /org", got)
	}
}

// OnRequest sees each request once it is answered.
func TestOnRequest(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	s := NewServer(Options{AccessKey: testAccessKey, SecretKey: testSecretKey, CompanyIDs: []string{testCompany},
		Options: fakeserver.Options{Now: func() time.Time { return testEpoch }, OnRequest: func(r Request) {
			mu.Lock()
			defer mu.Unlock()
			seen = append(seen, fmt.Sprintf("%s %s %d", r.Method, r.Path, r.Status))
		}},
	})
	defer s.Close()
	c := newCaller(t, s)
	c.do(http.MethodGet, deptBase, nil)
	c.do(http.MethodGet, deptBase+"/x", nil)
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff([]string{"GET " + deptBase + " 200", "GET " + deptBase + "/x 404"}, seen); diff != "" {
		t.Errorf("OnRequest (-want +got):\n%s", diff)
	}
}

// concurrentWorkerStep creates, edits and lists a department over HTTP, then deletes it when asked,
// sending what went wrong to errs.
func concurrentWorkerStep(c caller, key string, remove bool, errs chan<- string) {
	if got := c.do(http.MethodPost, deptBase+"/"+key, dept(key, "root", key, "1")); got.status != 201 {
		errs <- fmt.Sprintf("POST %s: %d %s", key, got.status, got.body)
	}
	if got := c.do(http.MethodPut, deptBase+"/"+key, dept(key, "root", key+"!", "2")); got.status != 200 {
		errs <- fmt.Sprintf("PUT %s: %d %s", key, got.status, got.body)
	}
	if got := c.do(http.MethodGet, deptBase+"?limit=100", nil); got.status != 200 {
		errs <- fmt.Sprintf("list: %d", got.status)
	}
	if !remove {
		return
	}
	if got := c.do(http.MethodDelete, deptBase+"/"+key, nil); got.status != 200 {
		errs <- fmt.Sprintf("DELETE %s: %d", key, got.status)
	}
}

// Many clients at once over HTTP and through the inspection API; run with -race.
func TestConcurrentUse(t *testing.T) {
	s, c := newTestCaller(t)
	c.mustCreate("root", "#")
	const workers, perWorker = 8, 25

	var wg sync.WaitGroup
	errs := make(chan string, workers*perWorker*4)
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				concurrentWorkerStep(c, fmt.Sprintf("w%d-%d", w, i), i%2 == 0, errs)
			}
		})
	}
	wg.Go(func() {
		for i := range 50 {
			s.Departments(testCompany)
			s.Requests()
			s.Counts(testCompany)
			s.PutDepartment(testCompany, Department{ExternalKey: fmt.Sprintf("drift-%d", i), Name: "d", ParentExternalKey: "#", DisplayOrder: "1"})
			s.SetFaults(Faults{})
			s.Organization(testAccessKey)
		}
	})
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	// root, the odd-numbered half of each worker's departments, and the drifted ones.
	if got, want := len(s.Departments(testCompany)), 1+workers*(perWorker/2)+50; got != want {
		t.Errorf("%d departments, want %d", got, want)
	}
	if got, want := len(s.Requests()), 1+workers*(perWorker*3+(perWorker+1)/2); got != want {
		t.Errorf("%d requests logged, want %d", got, want)
	}
	counted := 0
	for _, n := range s.Counts(testCompany) {
		counted += n
	}
	if want := len(s.Requests()); counted != want {
		t.Errorf("%d requests counted, want %d", counted, want)
	}
}
