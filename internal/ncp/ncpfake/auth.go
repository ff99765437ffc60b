package ncpfake

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"time"
)

// The API Gateway's authentication headers (signature v2).
const (
	headerTimestamp = "x-ncp-apigw-timestamp"
	headerAccessKey = "x-ncp-iam-access-key"
	headerSignature = "x-ncp-apigw-signature-v2"
)

// timestampWindow is how far a request's timestamp may be from the server clock, either way.
const timestampWindow = 5 * time.Minute

// authenticate reports whether a request carries a valid signature v2 of a known account with a
// timestamp less than timestampWindow away from the server clock.
func (f *Fake) authenticate(r *http.Request) bool {
	timestamp := r.Header.Get(headerTimestamp)
	accessKey := r.Header.Get(headerAccessKey)
	signature := r.Header.Get(headerSignature)
	if timestamp == "" || accessKey == "" || signature == "" {
		return false
	}
	ms, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return false
	}
	skew := f.now().Sub(time.UnixMilli(ms))
	if skew >= timestampWindow || skew <= -timestampWindow {
		return false
	}
	secretKey, ok := f.secretKey(accessKey)
	if !ok {
		return false
	}
	want := signature2(secretKey, r.Method, r.URL.RequestURI(), timestamp, accessKey)
	return hmac.Equal([]byte(signature), []byte(want))
}

// secretKey returns the secret key of an account that can sign requests.
func (f *Fake) secretKey(accessKey string) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.accounts[accessKey]
	if !ok || !a.canSign {
		return "", false
	}
	return a.secretKey, true
}

// signature2 computes the signature v2 of a request:
// base64(HMAC-SHA256(secretKey, method+" "+requestURI+"\n"+timestamp+"\n"+accessKey)).
func signature2(secretKey, method, requestURI, timestamp, accessKey string) string {
	mac := hmac.New(sha256.New, []byte(secretKey))
	mac.Write([]byte(method + " " + requestURI + "\n" + timestamp + "\n" + accessKey))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
