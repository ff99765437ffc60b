package fakeserver

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

func TestLogOrderAndStatus(t *testing.T) {
	clock := time.Unix(1700000000, 0)
	var reported []Request
	log := NewLog(func() time.Time { return clock }, func(r Request) { reported = append(reported, r) })

	first := log.Start(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/a%2Fb?x=1", nil), "AK")
	second := log.Start(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/c", nil), "")
	if got := log.Requests(); len(got) != 2 || got[0].Status != 0 {
		t.Fatalf("in flight: %+v", got)
	}
	second.WriteHeader(http.StatusConflict)
	second.WriteHeader(http.StatusOK) // ignored
	second.SetAccessKey("signed")
	second.Done()
	_, _ = first.Write([]byte("{}")) // an implicit 200
	first.Done()

	want := []Request{
		{Method: http.MethodGet, Path: "/a/b", Query: "x=1", Status: http.StatusOK, Time: clock, AccessKey: "AK"},
		{Method: http.MethodPost, Path: "/c", Status: http.StatusConflict, Time: clock, AccessKey: "signed"},
	}
	if got := log.Requests(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("log = %+v, want %+v (arrival order)", got, want)
	}
	if fmt.Sprint(reported) != fmt.Sprint([]Request{want[1], want[0]}) {
		t.Errorf("reported = %+v, want completion order", reported)
	}
	log.Reset()
	if got := log.Requests(); len(got) != 0 {
		t.Errorf("after Reset: %+v", got)
	}
}

func TestLogNothingWrittenIs200(t *testing.T) {
	log := NewLog(time.Now, nil)
	log.Start(httptest.NewRecorder(), httptest.NewRequest(http.MethodDelete, "/x", nil), "").Done()
	if got := log.Requests(); len(got) != 1 || got[0].Status != http.StatusOK {
		t.Errorf("log = %+v", got)
	}
}

func TestExchangeUnwraps(t *testing.T) {
	w := httptest.NewRecorder()
	e := NewLog(time.Now, nil).Start(w, httptest.NewRequest(http.MethodGet, "/", nil), "")
	if e.Unwrap() != w {
		t.Error("Unwrap does not return the underlying writer")
	}
	if err := http.NewResponseController(e).Flush(); err != nil {
		t.Errorf("Flush through the exchange: %v", err)
	}
}

func TestLogConcurrently(t *testing.T) {
	var mu sync.Mutex
	reported := 0
	log := NewLog(time.Now, func(Request) { mu.Lock(); reported++; mu.Unlock() })
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 25 {
				e := log.Start(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, fmt.Sprintf("/%d/%d", i, j), nil), "")
				e.SetAccessKey("k")
				e.WriteHeader(http.StatusAccepted)
				_ = log.Requests()
				e.Done()
			}
		})
	}
	wg.Wait()
	got := log.Requests()
	if len(got) != 200 || reported != 200 {
		t.Fatalf("%d logged, %d reported, want 200", len(got), reported)
	}
	for _, r := range got {
		if r.Status != http.StatusAccepted || r.AccessKey != "k" {
			t.Fatalf("entry %+v", r)
		}
	}
}
