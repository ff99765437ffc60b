package huaweifake

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Codes the fake answers authentication failures with. Only APIGW.0301 is Huawei's.
const (
	codeSignatureFailed    = "APIGW.0301"
	codeTokenRefused       = "AUTH.0001" // a bearer token that is unknown or expired
	codeCredentialsRefused = "AUTH.0002" // a token request with the wrong client_id or client_secret
	codeTokenRequestBad    = "AUTH.0003" // a token request whose form or grant_type is wrong
)

// sdkDateWindow: an X-Sdk-Date this far or farther from the server clock is refused.
const sdkDateWindow = 15 * time.Minute

// account is an Organizations account that can sign requests.
type account struct {
	secretKey     string
	securityToken string // required as X-Security-Token when set (temporary credentials)
}

// AddAccount adds an Organizations account, or replaces its keys. A non-empty securityToken makes
// the credentials temporary: requests must then carry it in X-Security-Token.
func (f *Fake) AddAccount(accessKey, secretKey, securityToken string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.accounts[accessKey] = &account{secretKey: secretKey, securityToken: securityToken}
}

// tokenAnswer is the token endpoint's success body.
type tokenAnswer struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
}

// handleToken issues a bearer token for the client-credentials grant (form body). As the token
// API reference says, a refused request answers 400 {"error_code","error_msg"}.
func (f *Fake) handleToken(w http.ResponseWriter, r *http.Request, _ params) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	if err := r.ParseForm(); err != nil {
		writeError(w, http.StatusBadRequest, codeTokenRequestBad, "the form body could not be read")
		return
	}
	if r.PostForm.Get("grant_type") != "client_credentials" {
		writeError(w, http.StatusBadRequest, codeTokenRequestBad, "only grant_type client_credentials is supported")
		return
	}
	id, secret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	f.mu.Lock()
	good := f.clientID != "" && id == f.clientID &&
		hmac.Equal([]byte(secret), []byte(f.clientSecret))
	ttl := f.tokenTTL
	token := newID("", 32)
	if good {
		f.tokens[token] = f.now().Add(ttl)
		f.tokensIssued++
	}
	f.mu.Unlock()
	if !good {
		writeError(w, http.StatusBadRequest, codeCredentialsRefused, "client authentication failed: check client_id and client_secret")
		return
	}
	writeJSON(w, http.StatusOK, tokenAnswer{AccessToken: token, TokenType: "Bearer", ExpiresIn: int64(ttl / time.Second)})
}

// bearerValid reports whether the request carries a token the fake issued and that has not expired.
func (f *Fake) bearerValid(r *http.Request) bool {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	expiry, ok := f.tokens[strings.TrimSpace(token)]
	return ok && f.now().Before(expiry)
}

// TokensIssued returns how many tokens the token endpoint has issued.
func (f *Fake) TokensIssued() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tokensIssued
}

// ExpireTokens makes every token issued so far expired, as if their lifetime had passed.
func (f *Fake) ExpireTokens() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for token := range f.tokens {
		f.tokens[token] = time.Time{}
	}
}

// verifySignature checks an SDK-HMAC-SHA256 signature and returns the signing access key.
//
// This is the fake's own reading of the algorithm, written apart from the client's signer so that
// a misunderstanding in one is caught by the other: the server rebuilds the canonical request from
// what arrived (unescaped path, parsed query, the headers the client listed as signed, the body)
// and compares signatures in constant time.
func (f *Fake) verifySignature(r *http.Request) (string, bool) {
	auth, ok := parseAuthorization(r.Header.Get("Authorization"))
	if !ok || !slices.Contains(auth.signedHeaders, "x-sdk-date") {
		return "", false
	}
	date, err := time.Parse("20060102T150405Z", r.Header.Get("X-Sdk-Date"))
	if err != nil {
		return "", false
	}
	if skew := f.now().Sub(date); skew >= sdkDateWindow || skew <= -sdkDateWindow {
		return "", false
	}
	f.mu.Lock()
	acct, known := f.accounts[auth.accessKey]
	f.mu.Unlock()
	if !known {
		return "", false
	}
	if acct.securityToken != "" && strings.TrimSpace(r.Header.Get("X-Security-Token")) != acct.securityToken {
		return "", false
	}
	// Only X-Sdk-Date must be signed, and the security token when one is sent.
	if r.Header.Get("X-Security-Token") != "" && !slices.Contains(auth.signedHeaders, "x-security-token") {
		return "", false
	}

	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes))
	if err != nil {
		return "", false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	payloadHash := r.Header.Get("X-Sdk-Content-Sha256")
	if payloadHash == "" {
		payloadHash = fmt.Sprintf("%x", sha256.Sum256(body))
	}

	var canonical bytes.Buffer
	fmt.Fprintf(&canonical, "%s\n%s\n%s\n", r.Method, uriForSigning(r.URL.Path), queryForSigning(r))
	for _, name := range auth.signedHeaders {
		values := r.Header.Values(name)
		if name == "host" {
			values = []string{r.Host}
		}
		if len(values) == 0 {
			return "", false
		}
		sort.Strings(values)
		for _, v := range values {
			fmt.Fprintf(&canonical, "%s:%s\n", name, strings.TrimSpace(v))
		}
	}
	fmt.Fprintf(&canonical, "\n%s\n%s", strings.Join(auth.signedHeaders, ";"), payloadHash)

	toSign := fmt.Sprintf("SDK-HMAC-SHA256\n%s\n%x", r.Header.Get("X-Sdk-Date"), sha256.Sum256(canonical.Bytes()))
	mac := hmac.New(sha256.New, []byte(acct.secretKey))
	_, _ = io.WriteString(mac, toSign) // a hash never fails to write
	want := mac.Sum(nil)
	got, err := hex.DecodeString(auth.signature)
	return auth.accessKey, err == nil && hmac.Equal(got, want)
}

// authorization is a parsed "SDK-HMAC-SHA256 Access=.., SignedHeaders=.., Signature=.." header.
type authorization struct {
	accessKey, signature string
	signedHeaders        []string
}

func parseAuthorization(header string) (authorization, bool) {
	rest, ok := strings.CutPrefix(header, "SDK-HMAC-SHA256 ")
	if !ok {
		return authorization{}, false
	}
	fields := map[string]string{}
	for part := range strings.SplitSeq(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		fields[k] = v
	}
	a := authorization{accessKey: fields["Access"], signature: fields["Signature"]}
	if fields["SignedHeaders"] != "" {
		a.signedHeaders = strings.Split(fields["SignedHeaders"], ";")
	}
	ok = a.accessKey != "" && a.signature != "" && sort.StringsAreSorted(a.signedHeaders)
	return a, ok
}

// uriForSigning encodes each path segment with encodeComponent and ends the result with "/".
func uriForSigning(path string) string {
	segments := strings.Split(path, "/")
	for i := range segments {
		segments[i] = encodeComponent(segments[i])
	}
	return strings.TrimSuffix(strings.Join(segments, "/"), "/") + "/"
}

// encodeComponent percent-encodes every byte but A-Z a-z 0-9 - _ . ~ as %XX (upper-case hex).
func encodeComponent(s string) string {
	const keep = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~"
	var b strings.Builder
	for i := range len(s) {
		if strings.IndexByte(keep, s[i]) >= 0 {
			b.WriteByte(s[i])
		} else {
			fmt.Fprintf(&b, "%%%02X", s[i])
		}
	}
	return b.String()
}

// queryForSigning lists key=value pairs ordered by key then value, each side encoded like a path
// segment, joined by "&".
func queryForSigning(r *http.Request) string {
	type pair struct{ k, v string }
	var pairs []pair
	for k, vs := range r.URL.Query() {
		for _, v := range vs {
			pairs = append(pairs, pair{k, v})
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	encoded := make([]string, len(pairs))
	for i, p := range pairs {
		encoded[i] = encodeComponent(p.k) + "=" + encodeComponent(p.v)
	}
	return strings.Join(encoded, "&")
}

// newID returns prefix followed by n random lower-case hex digits.
func newID(prefix string, n int) string {
	b := make([]byte, (n+1)/2)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)[:n]
}

// unitID returns a OneAccess-style org_id: time stamp, counter and random suffix.
func (f *Fake) unitIDLocked() string {
	f.seq++
	return f.now().UTC().Format("20060102150405") + strconv.FormatInt(f.seq%1000, 10) + "-" +
		strings.ToUpper(newID("", 4)) + "-" + strings.ToUpper(newID("", 12))
}
