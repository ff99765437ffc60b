package ncp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"strconv"
)

// Header names of the NCP API Gateway authentication.
const (
	HeaderTimestamp = "x-ncp-apigw-timestamp"
	HeaderAccessKey = "x-ncp-iam-access-key"
	HeaderSignature = "x-ncp-apigw-signature-v2"
	HeaderAPIKey    = "x-ncp-apigw-api-key" //nolint:gosec // G101: a header name, not a credential
)

// Sign returns the API Gateway signature v2 of a request:
//
//	base64(HMAC-SHA256(secretKey, method + " " + requestURI + "\n" + timestamp + "\n" + accessKey))
//
// requestURI must be exactly the path and query sent on the wire (in Go,
// req.URL.RequestURI()); timestamp is the epoch milliseconds sent in
// x-ncp-apigw-timestamp.
func Sign(method, requestURI, timestamp, accessKey, secretKey string) string {
	mac := hmac.New(sha256.New, []byte(secretKey))
	_, _ = io.WriteString(mac, method)
	_, _ = io.WriteString(mac, " ")
	_, _ = io.WriteString(mac, requestURI)
	_, _ = io.WriteString(mac, "\n")
	_, _ = io.WriteString(mac, timestamp)
	_, _ = io.WriteString(mac, "\n")
	_, _ = io.WriteString(mac, accessKey)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// signRequest sets the authentication headers of req with a fresh timestamp.
// It signs req.URL.RequestURI(), which is what net/http writes on the request
// line, so escaped path segments and the query are covered as sent.
func (c *Client) signRequest(req *http.Request) {
	timestamp := strconv.FormatInt(c.now().UnixMilli(), 10)
	req.Header.Set(HeaderTimestamp, timestamp)
	req.Header.Set(HeaderAccessKey, c.creds.AccessKey)
	req.Header.Set(HeaderSignature, Sign(req.Method, req.URL.RequestURI(), timestamp, c.creds.AccessKey, c.creds.SecretKey))
	if c.creds.APIGatewayKey != "" {
		req.Header.Set(HeaderAPIKey, c.creds.APIGatewayKey)
	}
}
