package huaweifake

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Numbered from 1, offset=0 and offset=1 both answer the first page and offset=2 the second; the
// default numbers them from 0, as the reference does.
func TestPaging(t *testing.T) {
	tests := []struct {
		name   string
		paging Paging
		pages  [][2]int // for offset 0, 1, 2, 3: the positions of the first unit and one past the last
	}{
		{"from zero (the reference)", PagesFromZero, [][2]int{{0, 100}, {100, 200}, {200, 230}, {230, 230}}},
		{"from one, 0 read as 1", PagesFromOne, [][2]int{{0, 100}, {0, 100}, {100, 200}, {200, 230}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := NewServer(Options{ClientID: "app", ClientSecret: "secret"})
			defer srv.Close()
			token := tokenFor(t, srv)
			_, others, _ := pagingTree(srv)
			srv.SetPaging(tt.paging)
			for offset, want := range tt.pages {
				answer := list(t, srv, token, url.Values{"all_child": {"true"}, "offset": {strconv.Itoa(offset)}, "limit": {"100"}})
				if answer.Total != len(others) {
					t.Errorf("offset %d: total %d, want %d", offset, answer.Total, len(others))
				}
				if diff := cmp.Diff(others[want[0]:want[1]], answer.codes()); diff != "" {
					t.Errorf("offset %d (-want +got):\n%s", offset, diff)
				}
			}
		})
	}
	srv, token := newOneAccessServer(t)
	pagingTree(srv)
	srv.SetPaging(PagesFromOne)
	far := list(t, srv, token, url.Values{"all_child": {"true"}, "offset": {strconv.Itoa(1 << 62)}, "limit": {"100"}})
	if len(far.Organizations) != 0 {
		t.Errorf("a page far past the end: %d units", len(far.Organizations))
	}
}

// A list failure fails the list requests it names, counted from when it is set: answered 503, or
// 200 with the listing's true total and a page that is empty or short.
func TestListFailure(t *testing.T) {
	tests := []struct {
		name    string
		failure *ListFailure
		want    []string // what each of six requests for the first page of 10 roots gets
	}{
		{"none", nil, []string{"10", "10", "10", "10", "10", "10"}},
		{"exactly the second", &ListFailure{After: 1, Count: 1}, []string{"10", "503", "10", "10", "10", "10"}},
		{"every one after the second", &ListFailure{After: 2}, []string{"10", "10", "503", "503", "503", "503"}},
		{"every third, empty", &ListFailure{Every: 3, Answer: ListEmptyPage}, []string{"10", "10", "0", "10", "10", "0"}},
		{"every second after the first, twice, short", &ListFailure{After: 1, Every: 2, Count: 2, Answer: ListShortPage},
			[]string{"10", "10", "9", "10", "9", "10"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := NewServer(Options{ClientID: "app", ClientSecret: "secret"})
			defer srv.Close()
			token := tokenFor(t, srv)
			for i := range 12 {
				code := "root-" + strconv.Itoa(i)
				srv.PutOrgUnit(OrgUnit{Code: code, Name: code})
			}
			query := orgUnitsPath + "?offset=0&limit=10"
			send(t, srv, token, http.MethodGet, query, "") // before SetListFailure: not counted
			srv.SetListFailure(tt.failure)
			var got []string
			for range tt.want {
				status, body := send(t, srv, token, http.MethodGet, query, "")
				var answer listed
				switch {
				case status != http.StatusOK:
					got = append(got, strconv.Itoa(status))
				case json.Unmarshal(body, &answer) != nil || answer.Total != 12:
					t.Fatalf("answer %s, want the true total 12", body)
				default:
					got = append(got, strconv.Itoa(len(answer.Organizations)))
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("answers (-want +got):\n%s", diff)
			}
			// Nothing changed behind the failures.
			if n := len(srv.OrgUnits()); n != 12 {
				t.Errorf("%d units, want 12", n)
			}
		})
	}
}
