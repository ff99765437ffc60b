package huaweicloud

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// AK/SK signing (SDK-HMAC-SHA256) as Huawei's official Go SDK signer does it
// (huaweicloud-sdk-go-v3, core/auth/signer).
const (
	// SigningAlgorithm names the algorithm in the Authorization header and the string to sign.
	SigningAlgorithm = "SDK-HMAC-SHA256"
	// HeaderSdkDate carries the signing time, formatted as SdkDateFormat in UTC.
	HeaderSdkDate = "X-Sdk-Date"
	// HeaderSecurityToken carries the session token of temporary credentials.
	HeaderSecurityToken = "X-Security-Token"
	// HeaderContentSha256, when present, replaces the body hash in the canonical request (the SDK
	// sets it to UNSIGNED-PAYLOAD for bodies that are not JSON).
	HeaderContentSha256 = "X-Sdk-Content-Sha256"
	// SdkDateFormat is the layout of X-Sdk-Date.
	SdkDateFormat = "20060102T150405Z"
)

// signedHeaders are the headers Sign signs besides host, when req has them.
var signedHeaders = []string{HeaderSdkDate, HeaderSecurityToken, HeaderContentSha256}

// Sign signs req in place for the access key pair: it sets X-Sdk-Date to at (in UTC) and then
// Authorization to
//
//	SDK-HMAC-SHA256 Access={accessKey}, SignedHeaders={h1;h2;...}, Signature={hex}
//
// The signed headers are "host" (req.Host, or the URL's host), X-Sdk-Date and, when req has
// them, X-Security-Token and X-Sdk-Content-Sha256: only X-Sdk-Date must be signed (and the token
// when present), and a header a proxy may rewrite on the way (User-Agent, Accept) would fail every
// call behind such a proxy if signed. body must be exactly the bytes that will be sent (nil for
// none). Set X-Security-Token, when there is one, before calling Sign.
func Sign(req *http.Request, body []byte, accessKey, secretKey string, at time.Time) {
	req.Header.Set(HeaderSdkDate, at.UTC().Format(SdkDateFormat))
	req.Header.Del("Authorization")
	headers := make(map[string][]string, len(signedHeaders)+1)
	for _, name := range signedHeaders {
		if values := req.Header.Values(name); len(values) > 0 {
			headers[strings.ToLower(name)] = values
		}
	}
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	headers["host"] = []string{host}

	bodyHash := req.Header.Get(HeaderContentSha256)
	if bodyHash == "" {
		sum := sha256.Sum256(body)
		bodyHash = hex.EncodeToString(sum[:])
	}
	canonical, signed := canonicalRequest(req.Method, req.URL.Path, req.URL.Query(), headers, bodyHash)
	signature := signString(secretKey, stringToSign(req.Header.Get(HeaderSdkDate), canonical))
	req.Header.Set("Authorization", SigningAlgorithm+" Access="+accessKey+
		", SignedHeaders="+strings.Join(signed, ";")+", Signature="+signature)
}

// canonicalRequest returns
//
//	METHOD \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n bodyHash
//
// and the signed header names. headers is keyed by lower-case name. path is unescaped.
func canonicalRequest(method, path string, query url.Values, headers map[string][]string, bodyHash string) (string, []string) {
	signed := make([]string, 0, len(headers))
	for name := range headers {
		if strings.HasPrefix(name, "content-type") || strings.Contains(name, "_") {
			continue
		}
		signed = append(signed, name)
	}
	slices.Sort(signed)

	var b strings.Builder
	b.WriteString(method + "\n")
	b.WriteString(canonicalURI(path) + "\n")
	b.WriteString(canonicalQuery(query) + "\n")
	for _, name := range signed {
		// Trimmed before sorting: a server sorts the values it received, which HTTP has trimmed.
		values := make([]string, len(headers[name]))
		for i, v := range headers[name] {
			values[i] = strings.TrimSpace(v)
		}
		slices.Sort(values)
		for _, v := range values {
			b.WriteString(name + ":" + v + "\n")
		}
	}
	b.WriteString("\n")
	b.WriteString(strings.Join(signed, ";") + "\n")
	b.WriteString(bodyHash)
	return b.String(), signed
}

// canonicalURI escapes each segment of the unescaped path and ends the result with "/".
func canonicalURI(path string) string {
	segments := strings.Split(path, "/")
	for i, s := range segments {
		segments[i] = escapeRFC3986(s)
	}
	uri := strings.Join(segments, "/")
	if !strings.HasSuffix(uri, "/") {
		uri += "/"
	}
	return uri
}

// canonicalQuery sorts the keys, and the values of each key, and escapes both.
func canonicalQuery(query url.Values) string {
	keys := make([]string, 0, len(query))
	for k := range query {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var pairs []string
	for _, k := range keys {
		values := slices.Clone(query[k])
		slices.Sort(values)
		for _, v := range values {
			pairs = append(pairs, escapeRFC3986(k)+"="+escapeRFC3986(v))
		}
	}
	return strings.Join(pairs, "&")
}

// escapeRFC3986 percent-encodes every byte outside RFC 3986's unreserved set (A-Z a-z 0-9 - . _ ~)
// with upper-case hex digits.
func escapeRFC3986(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isUnreserved(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&0x0f])
	}
	return b.String()
}

func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// stringToSign is "SDK-HMAC-SHA256\n{X-Sdk-Date}\n{hex(sha256(canonicalRequest))}".
func stringToSign(sdkDate, canonicalRequest string) string {
	sum := sha256.Sum256([]byte(canonicalRequest))
	return SigningAlgorithm + "\n" + sdkDate + "\n" + hex.EncodeToString(sum[:])
}

// signString is hex(HMAC-SHA256(secretKey, s)).
func signString(secretKey, s string) string {
	mac := hmac.New(sha256.New, []byte(secretKey))
	mac.Write([]byte(s))
	return hex.EncodeToString(mac.Sum(nil))
}
