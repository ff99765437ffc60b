package huaweifake

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/orgsync/orgsync/internal/fakeserver"
)

const (
	orgsAK = "AKORGS0000000000001"
	orgsSK = "SKORGSsecret00000000000000000000000001"
)

// serveError serves req in process and returns its status and error body.
func serveError(f *Fake, req *http.Request) (int, errorBody) {
	rec := httptest.NewRecorder()
	f.ServeHTTP(rec, req)
	var answer errorBody
	_ = json.Unmarshal(rec.Body.Bytes(), &answer)
	return rec.Code, answer
}

// signedCall serves one Organizations request signed for orgsAK (host and X-Sdk-Date only, no
// query), and returns its status and error body.
func signedCall(f *Fake, method, path, body string) (int, errorBody) {
	date := f.now().UTC().Format("20060102T150405Z")
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Host = "organizations.myhuaweicloud.com"
	req.Header.Set("X-Sdk-Date", date)
	canonical := fmt.Sprintf("%s\n%s\n\nhost:%s\nx-sdk-date:%s\n\nhost;x-sdk-date\n%x",
		method, uriForSigning(path), req.Host, date, sha256.Sum256([]byte(body)))
	mac := hmac.New(sha256.New, []byte(orgsSK))
	fmt.Fprintf(mac, "SDK-HMAC-SHA256\n%s\n%x", date, sha256.Sum256([]byte(canonical)))
	req.Header.Set("Authorization", "SDK-HMAC-SHA256 Access="+orgsAK+", SignedHeaders=host;x-sdk-date, Signature="+hex.EncodeToString(mac.Sum(nil)))
	return serveError(f, req)
}

// An account in no organization is answered as Huawei answers it (and as Huawei's own Terraform
// provider reads it): 401 Organizations.1015 on GET /v1/organizations and every call under it.
func TestNoOrganizationIs401Organizations1015(t *testing.T) {
	calls := []struct{ method, path, body string }{
		{http.MethodGet, organizationsPath, ""},
		{http.MethodDelete, organizationsPath, ""},
		{http.MethodGet, rootsPath, ""},
		{http.MethodGet, ousPath, ""},
		{http.MethodPost, ousPath, `{"name":"Sales","parent_id":"r-abcd"}`},
		{http.MethodGet, ousPath + "/ou-1", ""},
		{http.MethodPatch, ousPath + "/ou-1", `{"name":"Sales"}`},
		{http.MethodDelete, ousPath + "/ou-1", ""},
	}
	for _, undocumented := range []bool{false, true} {
		f := New(Options{AccessKey: orgsAK, SecretKey: orgsSK, Options: fakeserver.Options{UndocumentedErrors: undocumented}})
		for _, c := range calls {
			t.Run(fmt.Sprintf("%s %s (undocumented-answers mode %v)", c.method, c.path, undocumented), func(t *testing.T) {
				status, body := signedCall(f, c.method, c.path, c.body)
				if status != http.StatusUnauthorized || body.ErrorCode != "Organizations.1015" || body.ErrorMsg == "" {
					t.Errorf("%d %+v, want 401 Organizations.1015", status, body)
				}
			})
		}
	}

	// Once the account has an organization, the same calls are answered from it.
	f := New(Options{AccessKey: orgsAK, SecretKey: orgsSK})
	if status, body := signedCall(f, http.MethodPost, organizationsPath, ""); status != http.StatusCreated {
		t.Fatalf("create: %d %+v", status, body)
	}
	if status, body := signedCall(f, http.MethodGet, ousPath+"/ou-1", ""); status != http.StatusNotFound || body.ErrorCode != codeOUNotFound {
		t.Errorf("a missing unit of an existing organization: %d %+v, want 404 %s", status, body, codeOUNotFound)
	}
	if status, body := signedCall(f, http.MethodDelete, organizationsPath, ""); status != http.StatusNoContent {
		t.Fatalf("delete: %d %+v", status, body)
	}
	if status, body := signedCall(f, http.MethodDelete, organizationsPath, ""); status != http.StatusUnauthorized || body.ErrorCode != "Organizations.1015" {
		t.Errorf("delete again: %d %+v, want 401 Organizations.1015", status, body)
	}

	// An organization removed behind the API's back is gone the same way.
	if status, body := signedCall(f, http.MethodPost, organizationsPath, ""); status != http.StatusCreated {
		t.Fatalf("create: %d %+v", status, body)
	}
	f.RemoveOrganization(orgsAK)
	if status, body := signedCall(f, http.MethodGet, rootsPath, ""); status != http.StatusUnauthorized || body.ErrorCode != "Organizations.1015" {
		t.Errorf("roots after RemoveOrganization: %d %+v, want 401 Organizations.1015", status, body)
	}
}

func TestTemporaryFailure(t *testing.T) {
	for _, failure := range []TemporaryFailure{InternalTokenFailure, CBCFailure, AssumeRoleFailure} {
		t.Run(string(failure), func(t *testing.T) {
			srv := NewServer(Options{AccessKey: orgsAK, SecretKey: orgsSK, ClientID: "app", ClientSecret: "secret"})
			defer srv.Close()
			f := srv.Fake
			f.SetTemporaryFailure(failure, 2)
			for i := range 2 {
				status, body := signedCall(f, http.MethodPost, organizationsPath, "")
				if status != http.StatusBadRequest || body.ErrorCode != string(failure) || !strings.Contains(body.ErrorMsg, "Try again later") {
					t.Fatalf("request %d: %d %+v, want 400 %s", i, status, body, failure)
				}
			}
			if _, ok := f.Organization(orgsAK); ok {
				t.Fatal("a refused create created the organization")
			}
			if status, body := signedCall(f, http.MethodPost, organizationsPath, ""); status != http.StatusCreated {
				t.Fatalf("after the two failures: %d %+v, want 201", status, body)
			}

			checkTemporaryFailureEverywhere(t, srv, failure)
		})
	}
}

// checkTemporaryFailureEverywhere: a temporary failure set for every request fails every
// Organizations request to a known path, leaves OneAccess and unknown paths alone, and is removed
// by SetTemporaryFailure("", 0).
func checkTemporaryFailureEverywhere(t *testing.T, srv *Server, failure TemporaryFailure) {
	t.Helper()
	f := srv.Fake
	f.SetTemporaryFailure(failure, -1)
	for range 3 {
		if status, body := signedCall(f, http.MethodGet, organizationsPath, ""); status != http.StatusBadRequest || body.ErrorCode != string(failure) {
			t.Fatalf("every request: %d %+v, want 400 %s", status, body, failure)
		}
	}
	if status, _ := send(t, srv, tokenFor(t, srv), http.MethodGet, orgUnitsPath, ""); status != http.StatusOK {
		t.Errorf("OneAccess: %d, want 200 (not affected)", status)
	}
	if status, body := signedCall(f, http.MethodGet, organizationsPath+"/nowhere/x", ""); status != http.StatusNotFound {
		t.Errorf("an unknown path: %d %+v, want the gateway's 404", status, body)
	}
	f.SetTemporaryFailure("", 0)
	if status, body := signedCall(f, http.MethodGet, organizationsPath, ""); status != http.StatusOK {
		t.Fatalf("after SetTemporaryFailure(\"\", 0): %d %+v, want 200", status, body)
	}
}

func TestTemporaryFailureRefusesOtherCodes(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("SetTemporaryFailure accepted a code Huawei does not document as temporary")
		}
	}()
	New(Options{}).SetTemporaryFailure("Organizations.1001", 1)
}
