package ncp

// Native fuzz targets for everything in this package that reads what a remote service answered,
// for the request signer and for the display-order comparison. Their seed corpora run with every
// plain `go test`; hack/fuzz.sh fuzzes each of them in turn.

import (
	"bytes"
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/orgsync/orgsync/internal/clienttest"
	"github.com/orgsync/orgsync/internal/fakeserver"
	"github.com/orgsync/orgsync/internal/ncp/ncpfake"
	"github.com/orgsync/orgsync/internal/scrub"
)

// fuzzNow is the clock of the fuzzed clients and fakes.
var fuzzNow = time.Date(2025, 2, 3, 4, 5, 6, 0, time.UTC)

// fuzzClient is a client with one attempt per call, no rate limit and a fixed clock, whose
// requests go to transport.
func fuzzClient(t *testing.T, transport http.RoundTripper) *Client {
	t.Helper()
	c, err := New(Config{
		Credentials:          Credentials{AccessKey: testAccessKey, SecretKey: testSecretKey, APIGatewayKey: testGatewayKey},
		WorkplaceEndpoint:    "http://127.0.0.1:18080",
		OrganizationEndpoint: "http://127.0.0.1:18080",
		Options:              clienttest.OneAttempt(transport),
		Now:                  func() time.Time { return fuzzNow },
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	// A throttled answer holds the limiter for its Retry-After; fuzzing must not sleep through it.
	c.retry.Sleep = func(context.Context, time.Duration) error { return nil }
	return c
}

// fuzzIntegerLiteral matches a decimal integer without exponent or fraction.
var fuzzIntegerLiteral = regexp.MustCompile(`^[+-]?[0-9]+$`)

// FuzzParseFlexInt: parseFlexInt never panics, is deterministic and agrees with the JSON decoding
// of flexInt64 and flexOptInt64; an accepted value is the number written (exactly for integer
// literals, within float64 rounding otherwise), an integer literal outside int64 is refused
// rather than wrapped or clamped, and every int64 round-trips through its decimal, quoted and
// (below 2^53) exponent forms.
func FuzzParseFlexInt(f *testing.F) {
	// Regression seeds: -9223372036854775809 (and, on arm64, where converting a float outside int64
	// saturates, 9223372036854775808 and 9.223372036854775808e18) used to be accepted as
	// MinInt64/MaxInt64 instead of refused.
	seeds := []string{
		`0`, `42`, `-7`, `+5`, `"42"`, `" 42 "`, `"-0"`, `1.738539893024e12`, `"1738539893024"`, `"12.0"`, `12.5`,
		`"12.5"`, `9223372036854775807`, `-9223372036854775808`, `9223372036854775808`, `-9223372036854775809`,
		`"9223372036854775808"`, `18446744073709551615`, `9.223372036854775807e18`, `9.223372036854775808e18`,
		`-9.223372036854775808e18`, `1e19`, `-1e19`, `1e400`, `-1e400`, `4.9e-324`, `99999999999999999999999999999`,
		`9007199254740993`, `9007199254740993.0`, `null`, `true`, `false`, `"Y"`, `""`, ``, `   `, `{}`, `[1]`,
		`{"value":1}`, `"\u0031\u0032"`, `"NaN"`, `"Inf"`, `"-Infinity"`, `0x1p10`, `"0x1p10"`, `"0x10"`, `1_000`,
		"\"\xff\"", "\"4\xff2\"", `"\"5\""`, ` 7 `, "\t\n8\r", `"1e3"`, `007`, `-0`, `0.0e0`,
	}
	for i, seed := range seeds {
		f.Add([]byte(seed), int64(i)*1_000_000_007)
	}
	f.Add([]byte(`1`), int64(math.MaxInt64))
	f.Add([]byte(`1`), int64(math.MinInt64))
	f.Add([]byte(`1`), int64(1<<53+1))
	f.Fuzz(func(t *testing.T, data []byte, n int64) {
		v, ok := parseFlexInt(data)
		if v2, ok2 := parseFlexInt(data); v2 != v || ok2 != ok {
			t.Fatalf("parseFlexInt(%q) = %d, %t then %d, %t", data, v, ok, v2, ok2)
		}
		if !ok && v != 0 {
			t.Errorf("parseFlexInt(%q) = %d, false: a refused value must be 0", data, v)
		}

		if doc := []byte(`{"n":` + string(data) + `,"o":` + string(data) + `}`); json.Valid(doc) {
			fuzzCheckFlexIntDecoded(t, doc, v, ok)
			checkFlexIntValue(t, data, v, ok)
		}

		if ok {
			fuzzCheckFlexIntForms(t, v, fmt.Sprintf(" (from %q)", data), strconv.FormatInt(v, 10), strconv.Quote(strconv.FormatInt(v, 10)))
		}
		forms := []string{strconv.FormatInt(n, 10), strconv.Quote(strconv.FormatInt(n, 10)), " " + strconv.FormatInt(n, 10) + "\n"}
		if n > -(1<<53) && n < 1<<53 {
			forms = append(forms, strconv.FormatFloat(float64(n), 'e', -1, 64))
		}
		fuzzCheckFlexIntForms(t, n, "", forms...)
	})
}

// fuzzCheckFlexIntForms checks that parseFlexInt reads each form as v.
func fuzzCheckFlexIntForms(t *testing.T, v int64, from string, forms ...string) {
	t.Helper()
	for _, form := range forms {
		if got, gotOK := parseFlexInt([]byte(form)); got != v || !gotOK {
			t.Errorf("parseFlexInt(%q) = %d, %t; want %d, true%s", form, got, gotOK, v, from)
		}
	}
}

// fuzzCheckFlexIntDecoded checks that the JSON decoder reads a document's flexInt64 "n" and
// flexOptInt64 "o", both holding the same value, as parseFlexInt read the value: v, ok.
func fuzzCheckFlexIntDecoded(t *testing.T, doc []byte, v int64, ok bool) {
	t.Helper()
	var got struct {
		N flexInt64    `json:"n"`
		O flexOptInt64 `json:"o"`
	}
	if err := json.Unmarshal(doc, &got); err != nil {
		t.Fatalf("decoding %s: %v; flexible integers never fail", doc, err)
	}
	if int64(got.N) != v || got.O.value != v || got.O.set != ok {
		t.Errorf("decoding %s: flexInt64 %d, flexOptInt64 %d/%t; parseFlexInt says %d, %t", doc, got.N, got.O.value, got.O.set, v, ok)
	}
	if p := got.O.ptr(); (p != nil) != ok || (p != nil && *p != v) {
		t.Errorf("flexOptInt64.ptr() = %v for %d, %t", p, v, ok)
	}
}

// checkFlexIntValue compares what parseFlexInt made of a valid JSON value with the number the
// value holds, read independently: a JSON number's text, or a JSON string's trimmed content.
func checkFlexIntValue(t *testing.T, data []byte, v int64, ok bool) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var value any
	if dec.Decode(&value) != nil {
		return
	}
	var text string
	switch x := value.(type) {
	case json.Number:
		text = string(x)
	case string:
		text = strings.TrimSpace(x)
	default: // null, booleans, objects and arrays are no integers
		if ok {
			t.Errorf("parseFlexInt(%s) = %d, true; want refused", data, v)
		}
		return
	}
	if fuzzIntegerLiteral.MatchString(text) {
		exact, _ := new(big.Int).SetString(strings.TrimPrefix(text, "+"), 10)
		if exact.IsInt64() {
			if !ok || v != exact.Int64() {
				t.Errorf("parseFlexInt(%s) = %d, %t; want %s, true", data, v, ok, exact)
			}
		} else if ok {
			t.Errorf("parseFlexInt(%s) = %d, true; %s is outside int64 and must be refused", data, v, exact)
		}
		return
	}
	if !ok {
		return
	}
	exact, _, err := big.ParseFloat(text, 10, 2048, big.ToNearestEven)
	if err != nil || exact.IsInf() {
		return // not decimal notation (hexadecimal and the like): no independent reading
	}
	diff := new(big.Float).Sub(exact, new(big.Float).SetInt64(v))
	ulp := math.Abs(math.Nextafter(float64(v), math.Inf(1)) - float64(v))
	if d, _ := diff.Abs(diff).Float64(); d > ulp {
		t.Errorf("parseFlexInt(%s) = %d, true; the value is %s, %g away (more than float64 rounding, %g)", data, v, exact.Text('g', 30), d, ulp)
	}
}

// fuzzFlexDoc puts one JSON value in every flexible type.
type fuzzFlexDoc struct {
	S flexString    `json:"s"`
	B flexBool      `json:"b"`
	M flexStringMap `json:"m"`
	N flexInt64     `json:"n"`
	P *flexString   `json:"p"`
}

// FuzzFlexTypes: a document whose fields hold any valid JSON value always decodes into the
// flexible types (one odd field cannot make a response undecodable), and each type reads the
// value as an independent reading of the same JSON says: flexString the string, the number's text
// or "true"/"false" and "" otherwise; flexBool true/"true"/"y"/"yes"/1 and their opposites, unset
// otherwise; flexStringMap the object's keys with flexString values, nil for anything but an
// object; flexInt64 what parseFlexInt says.
func FuzzFlexTypes(f *testing.F) {
	for _, seed := range []string{
		`"plain"`, `"with \"escapes\" and \u00e9 \ud83d\ude00"`, `"Sales & Ops 영업"`, `""`, `"   "`, `12`, `-0.50`, `1e400`,
		`true`, `false`, `null`, `"Y"`, `"n"`, `" yes "`, `"NO"`, `"1"`, `0`, `1`, `2`, `"TRUE"`, `"\u0059"`,
		`{}`, `{"ko_KR":"영업부","en_US":"Sales"}`, `{"a":1,"b":true,"c":null,"d":{"e":1},"f":[1]}`, `{"a":"x","a":"y"}`,
		`{"":""}`, "{\"k\xff\":\"v\xfe\"}", `[]`, `["a","b"]`, `[{"a":"b"}]`, "\"\xff\xfe\"", "\"a\xc3\"",
		`"\ud800"`, `"\/"`, `1,"":true`, `"` + strings.Repeat("x", 300) + `"`, ` "padded" `, `{"nested":{"deeper":{"deepest":"x"}}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) {
			return // the decoder never hands an invalid value to UnmarshalJSON
		}
		doc := []byte(`{"s":` + string(data) + `,"b":` + string(data) + `,"m":` + string(data) + `,"n":` + string(data) + `,"p":` + string(data) + `}`)
		var got fuzzFlexDoc
		if err := json.Unmarshal(doc, &got); err != nil {
			t.Fatalf("decoding %s: %v; flexible types never fail", doc, err)
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var value any
		if err := dec.Decode(&value); err != nil {
			t.Fatalf("the independent decoding of %s failed: %v", data, err)
		}

		if want := fuzzFlexStringOf(value); string(got.S) != want {
			t.Errorf("flexString of %s = %q, want %q", data, got.S, want)
		}
		if value == nil && got.P != nil {
			t.Errorf("*flexString of null = %q, want nil", *got.P)
		}
		if value != nil && (got.P == nil || *got.P != got.S) {
			t.Errorf("*flexString of %s = %v, want %q", data, got.P, got.S)
		}

		wantSet, wantValue := fuzzFlexBoolOf(value)
		if got.B.set != wantSet || got.B.value != wantValue {
			t.Errorf("flexBool of %s = %+v, want set %t value %t", data, got.B, wantSet, wantValue)
		}
		if p := got.B.ptr(); (p != nil) != got.B.set || (p != nil && *p != got.B.value) {
			t.Errorf("flexBool.ptr() = %v for %+v", p, got.B)
		}
		if want := fuzzFlexStringMapOf(value); !reflect.DeepEqual(map[string]string(got.M), want) {
			t.Errorf("flexStringMap of %s = %#v, want %#v", data, got.M, want)
		}

		if v, _ := parseFlexInt(data); int64(got.N) != v {
			t.Errorf("flexInt64 of %s = %d, parseFlexInt says %d", data, got.N, v)
		}
	})
}

// fuzzFlexStringOf is what flexString promises for a decoded JSON value.
func fuzzFlexStringOf(value any) string {
	switch x := value.(type) {
	case string:
		return x
	case json.Number:
		return string(x)
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

// fuzzFlexStringMapOf is what flexStringMap promises for a decoded JSON value: an object's keys
// with what flexString promises for their values (an empty map for {}), nil for anything else.
func fuzzFlexStringMapOf(value any) map[string]string {
	obj, isObject := value.(map[string]any)
	if !isObject {
		return nil
	}
	want := make(map[string]string, len(obj))
	for k, v := range obj {
		want[k] = fuzzFlexStringOf(v)
	}
	return want
}

// fuzzFlexBoolOf is what flexBool promises for a decoded JSON value.
func fuzzFlexBoolOf(value any) (set, v bool) {
	var text string
	switch x := value.(type) {
	case string:
		text = x
	case json.Number:
		text = string(x)
	case bool:
		text = strconv.FormatBool(x)
	default:
		return false, false
	}
	switch strings.ToLower(strings.TrimSpace(text)) {
	case "true", "y", "yes", "1":
		return true, true
	case "false", "n", "no", "0":
		return true, false
	}
	return false, false
}

// FuzzDecodeAPIError: decodeAPIError never panics, is deterministic and keeps the status; its code
// and message are sanitised (valid UTF-8, no control characters, bounded); the message is empty
// only when the body had none and the status has no text; a body that is not a JSON object is
// never echoed (status text only, no code); and the error's text, sentinels and retry
// classification are computed without panicking.
func FuzzDecodeAPIError(f *testing.F) {
	for _, seed := range []struct {
		status int
		body   string
	}{
		{400, `{"responseError":{"returnCode":"1000","returnMessage":"invalid parameter"}}`},
		{400, `{"responseError":{"returnCode":1000,"returnMessage":"invalid parameter"}}`},
		{400, `{"responseError":null,"message":"fallback"}`},
		{400, `{"responseError":{"returnCode":"","returnMessage":""},"errorCode":"E1","message":"top"}`},
		{401, `{"error":{"errorCode":"200","message":"Authentication Failed"}}`},
		{401, `{"error":{"errorCode":210,"message":"Permission Denied","details":"no access to this API"}}`},
		{403, `{"error":{"code":"COMMON_104","message":"requests too frequent"}}`},
		{403, `{"error":{"code":"common_104","message":"requests too frequent"}}`},
		{403, `{"error":{"error":{"error":{"message":"deep"}}}}`},
		{404, `{"errorCode":"ORGANIZATION_NOT_FOUND","message":"no organization"}`},
		{500, `{"code":"E500","msg":"internal failure"}`},
		{400, `{"timestamp":"2024-01-01T00:00:00.000+00:00","status":400,"error":"Bad Request","message":"dispOrd must be a number","path":"/x"}`},
		{500, `{"timestamp":1700000000000,"status":500,"error":"Internal Server Error","path":"/x"}`},
		{400, `{"status":400,"code":-4020,"errors":[{"field":"name","message":"must not be null"},{"field":"dispOrd","message":"too long"}]}`},
		{400, `{"status":400,"code":-4020,"errors":"not a list","message":""}`},
		{404, `{"status":404,"code":-4040,"errors":[],"message":"department not found: d1"}`},
		{502, "<html><body><h1>502 Bad Gateway</h1>x-ncp-iam-access-key: AK</body></html>"},
		{400, "x-ncp-apigw-api-key: " + testGatewayKey + "\nsomething failed"},
		{401, `{"error":{"errorCode":"200","message":"bad signature for ` + testSecretKey + `"}}`},
		{503, ``}, {503, `   `}, {503, `null`}, {409, `"conflict"`}, {409, `[{"message":"in a list"}]`},
		{503, `{"error":{"errorCode":"500","mess`},
		{400, `{"code":{"nested":true},"message":["a"],"msg":"fallback"}`},
		{400, `{"errorCode":"100","message":"line one\nline two\u0000"}`},
		{400, "{\"message\":\"bad \xff\xfe bytes\"}"},
		{400, `{"message":"` + strings.Repeat("가", 400) + `"}`},
		{400, `{"errorCode":"` + strings.Repeat("C", 100) + `","message":"long code"}`},
		{400, `{"message":"   \t  "}`},
		{400, `{"message":"\ufffd\ufffd"}`},
		{400, `{"errorCode":1e400,"message":12345678901234567890}`},
		{599, `{}`}, {299, `{"message":"odd status"}`}, {0, ``}, {-1, `{"message":"x"}`}, {1 << 40, `{}`},
		{429, `{"message":"slow down"}`},
	} {
		f.Add(seed.status, []byte(seed.body))
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		e := clienttest.DecodeTwice(t, "decodeAPIError", decodeAPIError, status, body)
		if e.StatusCode != status {
			t.Errorf("StatusCode = %d, want %d", e.StatusCode, status)
		}
		clienttest.CheckCleaned(t, "Code", e.Code, 64)
		clienttest.CheckCleaned(t, "Message", e.Message, maxMessageRunes)

		_, message := decodeErrorBody(body)
		if e.Message == "" && (scrub.Clean(message, maxMessageRunes) != "" || http.StatusText(status) != "") {
			t.Errorf("empty Message, but the body's message is %q and the status text %q", message, http.StatusText(status))
		}
		if trimmed := bytes.TrimSpace(body); len(trimmed) == 0 || trimmed[0] != '{' || !json.Valid(trimmed) {
			if e.Code != "" || e.Message != http.StatusText(status) {
				t.Errorf("a body that is not a JSON object was read: code %q, message %q", e.Code, e.Message)
			}
		}

		text := e.Error()
		if !strings.Contains(text, "HTTP "+strconv.Itoa(status)) {
			t.Errorf("Error() = %q does not name the status", text)
		}
		if strings.ContainsFunc(text, unicode.IsControl) {
			t.Errorf("Error() = %q holds a control character", text)
		}
		for _, target := range []error{ErrNotFound, ErrAlreadyExists, ErrInvalidRequest, ErrUnauthorized, ErrForbidden, ErrThrottled, ErrUnavailable} {
			_ = errors.Is(e, target)
		}
		if errors.Is(e, ErrThrottled) && errors.Is(e, ErrForbidden) {
			t.Errorf("%v is both throttled and forbidden", e)
		}
		_, _ = classify(e)
		_ = IsRetryable(e)
	})
}

// FuzzDecodeAPIErrorShapes: each error shape NCP documents or is known to answer (responseError,
// the gateway's nested error with errorCode or code and details, errorCode/message, code/msg,
// Spring's, WORKPLACE's with field errors, numeric codes), built by json.Marshal around any code
// and message, decodes to exactly that code and message, sanitised, with the status text when the
// message sanitises to nothing.
func FuzzDecodeAPIErrorShapes(f *testing.F) {
	f.Add(uint8(0), "1000", "invalid parameter", "", 400)
	f.Add(uint8(1), "200", "Authentication Failed", "", 401)
	f.Add(uint8(2), "210", "Permission Denied", "no access to this API", 401)
	f.Add(uint8(2), "COMMON_101", "not the master account", "not the master account", 403)
	f.Add(uint8(3), "ORGANIZATION_NOT_FOUND", "no organization", "", 404)
	f.Add(uint8(4), "E500", "internal failure", "", 500)
	f.Add(uint8(5), "", "dispOrd must be a number", "Bad Request", 400)
	f.Add(uint8(5), "", "", "Internal Server Error", 500)
	f.Add(uint8(6), "name", "must not be null", "", 400)
	f.Add(uint8(7), "-4040", "department not found: d1", "", 404)
	f.Add(uint8(3), "", "", "", 299)
	f.Add(uint8(0), "", "", "", 400)
	f.Add(uint8(3), "x\x00y", "line\none\r\n\u2028two", "", 400)
	f.Add(uint8(4), "\xff\xfe", "bad \xff bytes \xc3", "", 400)
	f.Add(uint8(1), strings.Repeat("C", 80), strings.Repeat("메시지", 150), "", 400)
	f.Add(uint8(2), "", "   ", "\t", 400)
	f.Add(uint8(3), "<script>", `{"nested":"json"}`, "", 400)
	f.Fuzz(func(t *testing.T, shape uint8, code, message, details string, status int) {
		var (
			body                  any
			wantCode, wantMessage string
		)
		switch shape % 8 {
		case 0:
			body = map[string]any{"responseError": map[string]string{"returnCode": code, "returnMessage": message}}
			wantCode, wantMessage = code, message
		case 1:
			body = map[string]any{"error": map[string]string{"errorCode": code, "message": message}}
			wantCode, wantMessage = code, message
		case 2:
			body = map[string]any{"error": map[string]string{"code": code, "message": message, "details": details}}
			wantCode, wantMessage = code, message
			if d := clienttest.JSONRoundTrip(details); d != "" && d != clienttest.JSONRoundTrip(message) {
				wantMessage = joinNonEmpty(": ", clienttest.JSONRoundTrip(message), d)
			}
		case 3:
			body = map[string]string{"errorCode": code, "message": message}
			wantCode, wantMessage = code, message
		case 4:
			body = map[string]string{"code": code, "msg": message}
			wantCode, wantMessage = code, message
		case 5: // Spring: "error" is the status text, read when "message" is empty
			body = map[string]any{"timestamp": "2024-01-01T00:00:00.000+00:00", "status": status, "error": details, "message": message, "path": "/x"}
			wantMessage = message
			if wantMessage == "" {
				wantMessage = details
			}
		case 6: // WORKPLACE field errors, the code a number
			body = map[string]any{"status": status, "code": -4020, "errors": []map[string]string{{"field": code, "message": message}}}
			wantCode, wantMessage = "-4020", joinNonEmpty(": ", clienttest.JSONRoundTrip(code), clienttest.JSONRoundTrip(message))
		case 7: // a numeric errorCode
			n, _ := strconv.ParseInt(code, 10, 64)
			body = map[string]any{"errorCode": n, "message": message}
			wantCode, wantMessage = strconv.FormatInt(n, 10), message
		}
		data, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		e := decodeAPIError(status, data)
		wantCode = scrub.Clean(clienttest.JSONRoundTrip(wantCode), 64)
		if wantMessage = scrub.Clean(clienttest.JSONRoundTrip(wantMessage), maxMessageRunes); wantMessage == "" {
			wantMessage = http.StatusText(status)
		}
		if e.Code != wantCode || e.Message != wantMessage {
			t.Errorf("decodeAPIError(%d, %s) = code %q, message %q; want %q, %q", status, data, e.Code, e.Message, wantCode, wantMessage)
		}
	})
}

// FuzzDecodeAnswers: the success answers of GET organization, GET department and the department
// list never fail to decode when they are JSON objects (and, for the list, "elements" is null or
// an array of objects or nulls): every field is flexible. Decoding is deterministic, a
// department's external key is externalKey or else deptExternalKey, its leader is nil exactly
// when deptLeaderExternalKey is absent or null, and the organization's optional times are set
// exactly when they held an integer.
func FuzzDecodeAnswers(f *testing.F) {
	for _, seed := range []string{
		// Organization API, as documented, and as seen with numbers as strings.
		`{"organizationNo":1234,"organizationName":"orgsync","organizationDesc":"test","masterMemberNo":2001,"masterMemberName":"admin","masterMemberEmailAddress":"ad***@example.com","masterMemberYn":"Y","memberNo":2001,"joinYmdt":1738539893024,"regYmdt":1738539893024,"memberStatusCode":"JOIN"}`,
		`{"organizationNo":"1234","masterMemberNo":"2001","joinYmdt":"1738539893024","regYmdt":1.738539893024e12,"masterMemberYn":true}`,
		`{"organizationNo":null,"joinYmdt":null,"regYmdt":"","memberStatusCode":{"code":"JOIN"}}`,
		`{"organizationNo":99999999999999999999,"memberNo":-1,"joinYmdt":9.3e18}`,
		// WORKPLACE department and list.
		`{"tenantId":"t1","companyId":"c1","externalKey":"sales","name":"Sales","i18nNames":{"ko_KR":"영업","en_US":"Sales"},"parentDeptExternalKey":"#","deptLeaderExternalKey":null,"deptEmailAddress":"sales@example.com","externalEmailReceiveYn":"Y","dispOrd":"2.0","deptNo":"10","parentDeptNo":"#"}`,
		`{"deptExternalKey":"sales","name":12,"i18nNames":null,"deptLeaderExternalKey":"lead-1","externalEmailReceiveYn":"N","dispOrd":2}`,
		`{"externalKey":"","deptExternalKey":"fallback","deptLeaderExternalKey":""}`,
		`{"elements":[{"externalKey":"a","name":"A"},{"externalKey":"b","name":"B","parentDeptExternalKey":"a"}],"totalCount":2}`,
		`{"elements":[],"totalCount":"0"}`, `{"elements":null}`, `{"elements":[null,{}],"totalCount":-5}`,
		`{"elements":[{"externalKey":"a"}],"totalCount":1e19}`, `{"ELEMENTS":[{"externalKey":"a"}]}`,
		`{"elements":"none"}`, `{"elements":[1,2]}`, `{"elements":{"externalKey":"a"}}`,
		`{}`, `null`, `[]`, `""`, `0`, ``, `{"name":"\ud800"}`, "{\"name\":\"\xff\"}", `{"name":"a","name":"b"}`,
		`{"i18nNames":{"ko_KR":1,"en_US":true,"ja_JP":null,"zh_CN":{"x":1}}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		trimmed := bytes.TrimSpace(body)
		isObject := len(trimmed) > 0 && trimmed[0] == '{' && json.Valid(trimmed)

		var org, orgAgain organizationResponse
		err := json.Unmarshal(body, &org)
		if isObject && err != nil {
			t.Errorf("an organization object failed to decode: %v", err)
		}
		if errAgain := json.Unmarshal(body, &orgAgain); (err == nil) != (errAgain == nil) || !reflect.DeepEqual(org, orgAgain) {
			t.Fatalf("decoding the organization is not deterministic")
		}
		if err == nil {
			o := org.organization()
			_ = o.IsMaster()
			if (o.JoinYmdt != nil) != org.JoinYmdt.set || (o.RegYmdt != nil) != org.RegYmdt.set {
				t.Errorf("organization times %v %v, set %t %t", o.JoinYmdt, o.RegYmdt, org.JoinYmdt.set, org.RegYmdt.set)
			}
		}

		var dept departmentResponse
		err = json.Unmarshal(body, &dept)
		if isObject && err != nil {
			t.Errorf("a department object failed to decode: %v", err)
		}
		if err == nil {
			fuzzCheckDepartment(t, body, dept)
		}

		var page departmentPage
		err = json.Unmarshal(body, &page)
		if isObject && fuzzElementsAreObjects(trimmed) && err != nil {
			t.Errorf("a list whose elements are objects failed to decode: %v", err)
		}
		if err == nil {
			for i := range page.Elements {
				_ = page.Elements[i].department()
			}
		}
	})
}

// fuzzCheckDepartment: a department's external key is externalKey or else deptExternalKey, and its
// leader is nil exactly when deptLeaderExternalKey is absent or null.
func fuzzCheckDepartment(t *testing.T, body []byte, dept departmentResponse) {
	t.Helper()
	d := dept.department()
	if want := cmp.Or(string(dept.ExternalKey), string(dept.DeptExternalKey)); d.ExternalKey != want {
		t.Errorf("ExternalKey = %q, want %q", d.ExternalKey, want)
	}
	var raw map[string]json.RawMessage
	leader := false
	if json.Unmarshal(body, &raw) == nil {
		for k, v := range raw {
			if strings.EqualFold(k, "deptLeaderExternalKey") {
				leader = string(v) != "null"
			}
		}
	}
	if (d.LeaderExternalKey != nil) != leader && !fuzzHasFoldedDuplicates(raw, "deptLeaderExternalKey") {
		t.Errorf("LeaderExternalKey = %v, the body has one: %t", d.LeaderExternalKey, leader)
	}
}

// fuzzElementsAreObjects reports whether every member of a JSON object named like "elements"
// (encoding/json matches names case-insensitively) is null or an array of objects and nulls.
func fuzzElementsAreObjects(object []byte) bool {
	var raw map[string]json.RawMessage
	if json.Unmarshal(object, &raw) != nil {
		return false
	}
	for k, v := range raw {
		if !strings.EqualFold(k, "elements") || string(v) == "null" {
			continue
		}
		var items []json.RawMessage
		if json.Unmarshal(v, &items) != nil {
			return false
		}
		for _, item := range items {
			if s := string(bytes.TrimSpace(item)); s != "null" && !strings.HasPrefix(s, "{") {
				return false
			}
		}
	}
	return true
}

// fuzzHasFoldedDuplicates reports whether more than one member of raw matches name
// case-insensitively; which of them encoding/json keeps is then not knowable from a map.
func fuzzHasFoldedDuplicates(raw map[string]json.RawMessage, name string) bool {
	n := 0
	for k := range raw {
		if strings.EqualFold(k, name) {
			n++
		}
	}
	return n > 1
}

// FuzzClientAnswers: whatever a service answers (status, body, Retry-After), the client's calls
// never panic and list calls stop. A failure status gives an *APIError with that status, the
// method and path, one attempt, a wait that is never negative, a message unless the status has no
// text and the body no message, and no secret key or gateway key in its text even when the body
// echoes them. A success whose body is a JSON object never fails to decode; GetOrganization then
// returns an organization with a number or a name, or ErrNotFound; GetDepartment a department
// with an external key.
func FuzzClientAnswers(f *testing.F) {
	for _, seed := range []struct {
		status           int
		body, retryAfter string
	}{
		{200, `{"organizationNo":1234,"organizationName":"orgsync","masterMemberYn":"Y","joinYmdt":1738539893024}`, ""},
		{200, `{"externalKey":"dept-1","name":"Sales","parentDeptExternalKey":"#","dispOrd":"1.0"}`, ""},
		{200, `{"elements":[{"externalKey":"a"},{"externalKey":"a"},{"externalKey":""},{"externalKey":""}],"totalCount":"4"}`, ""},
		{200, `{"elements":[{"externalKey":"a"}],"totalCount":1000000000000}`, ""},
		{200, `{}`, ""}, {200, ``, ""}, {200, `null`, ""}, {200, `[]`, ""}, {200, `{"elements":"x"}`, ""}, {200, `not json`, ""},
		{201, `{"result":"SUCCESS"}`, ""}, {204, ``, ""},
		{400, `{"status":400,"code":-4020,"errors":[{"field":"name","message":"must not be null"}],"message":""}`, ""},
		{401, `{"error":{"errorCode":"200","message":"Authentication Failed: ` + testSecretKey + `"}}`, ""},
		{403, `{"error":{"errorCode":"COMMON_104","message":"too frequent"}}`, "3"},
		{404, `{"errorCode":"` + testGatewayKey + `","message":"` + testGatewayKey + `"}`, ""},
		{429, `{"message":"slow down"}`, "Mon, 03 Feb 2025 04:06:06 GMT"},
		{429, ``, "-1"}, {503, `<html>Service Unavailable</html>`, "99999999999"},
		{302, `moved`, ""}, {101, ``, ""}, {599, `{}`, ""}, {499, `{}`, ""},
		{500, `{"message":"` + strings.Repeat("x", 290) + testSecretKey + `"}`, ""},
	} {
		f.Add(seed.status, []byte(seed.body), seed.retryAfter)
	}
	f.Fuzz(func(t *testing.T, status int, body []byte, retryAfter string) {
		status = clienttest.Status(status)
		answers := &clienttest.Answers{Answer: func(_ int, req *http.Request) (int, http.Header, []byte) {
			if strings.HasSuffix(req.URL.Path, "/department") && req.URL.Query().Get("offset") != "0" {
				return http.StatusOK, nil, []byte(`{"elements":[]}`) // later pages: the end of the list
			}
			return status, http.Header{"Retry-After": {retryAfter}, "Content-Type": {"application/json"}}, body
		}}
		ctx := context.Background()
		success := status >= 200 && status <= 299
		trimmed := bytes.TrimSpace(body)
		isObject := len(trimmed) > 0 && trimmed[0] == '{' && json.Valid(trimmed)

		checkFailure := func(call string, err error) { t.Helper(); fuzzCheckFailure(t, call, status, err) }

		c := fuzzClient(t, answers)
		org, err := c.GetOrganization(ctx)
		switch {
		case !success:
			checkFailure("GetOrganization", err)
		case errors.Is(err, ErrNotFound) || errors.Is(err, ErrNoOrganization):
			// A 200, whatever it holds, is never "no organization".
			t.Errorf("GetOrganization of %q: %v", body, err)
		case err == nil && org.OrganizationNo <= 0:
			t.Errorf("GetOrganization returned an organization without a number: %+v", org)
		}

		d, err := c.GetDepartment(ctx, "company-1", "dept-1")
		switch {
		case !success:
			checkFailure("GetDepartment", err)
		case len(trimmed) == 0 || isObject || string(trimmed) == "null":
			if err != nil || d.ExternalKey == "" {
				t.Errorf("GetDepartment of %q = %+v, %v", body, d, err)
			}
		}

		before := len(answers.Requests())
		list, err := c.ListDepartments(ctx, "company-1")
		if n := len(answers.Requests()) - before; n > 2*listAttempts {
			t.Errorf("ListDepartments made %d requests; the second page of each listing was empty", n)
		}
		switch {
		case !success:
			checkFailure("ListDepartments", err)
		case len(trimmed) == 0 || (isObject && fuzzElementsAreObjects(trimmed)) || string(trimmed) == "null":
			// A page whose departments do not add up to its totalCount is an incomplete listing.
			if err != nil && !errors.Is(err, ErrIncompleteListing) {
				t.Errorf("ListDepartments of %q: %v", body, err)
			}
		}
		fuzzCheckListed(t, list, err)
	})
}

// fuzzCheckFailure checks the error for a failure answer: an *APIError with the status, the method
// and path, one attempt, a wait that is never negative, a message unless the status has no text,
// and no secret key or gateway key in it.
func fuzzCheckFailure(t *testing.T, call string, status int, err error) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error for HTTP %d", call, status)
		return
	}
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Errorf("%s: %v is not an *APIError", call, err)
		return
	}
	if apiErr.StatusCode != status || apiErr.Method == "" || apiErr.Path == "" || apiErr.Attempts != 1 || apiErr.RetryAfter < 0 {
		t.Errorf("%s: %+v", call, apiErr)
	}
	if apiErr.Message == "" && http.StatusText(status) != "" {
		t.Errorf("%s: empty message", call)
	}
	clienttest.CheckNoSecret(t, call, err, apiErr, testSecretKey, testGatewayKey)
}

// fuzzCheckListed: a failed listing returns no departments, and one that succeeds never returns a
// key twice.
func fuzzCheckListed(t *testing.T, list []Department, err error) {
	t.Helper()
	if err != nil && list != nil {
		t.Errorf("ListDepartments returned %d departments with its error %v", len(list), err)
	}
	seen := map[string]bool{}
	for _, d := range list {
		if d.ExternalKey != "" && seen[d.ExternalKey] {
			t.Errorf("ListDepartments returned %q twice", d.ExternalKey)
		}
		seen[d.ExternalKey] = true
	}
}

// FuzzSign: Sign is deterministic, its result is the base64 of a 32-byte HMAC-SHA256 of
// method + " " + requestURI + "\n" + timestamp + "\n" + accessKey under the secret key (the
// documented string to sign, computed here independently), and changing any part of the request
// or the secret changes the signature.
func FuzzSign(f *testing.F) {
	f.Add("GET", "/organization/apigw/v2/company/c1/department?offset=0&limit=100", "1738539893024", testAccessKey, testSecretKey)
	f.Add("POST", "/open-api/v1/org", "1738539893024", testAccessKey, testSecretKey)
	f.Add("DELETE", "/organization/apigw/v2/company/c%2F1/department/%EC%98%81%EC%97%85", "0", "AK", "SK")
	f.Add("PUT", "/a b\n", "-1", "", "")
	f.Add("", "", "", "", "")
	f.Add("GET", "/\xff\xfe?\x00=1", "99999999999999999999", "ak\n", strings.Repeat("k", 200))
	f.Fuzz(func(t *testing.T, method, uri, timestamp, accessKey, secretKey string) {
		sig := Sign(method, uri, timestamp, accessKey, secretKey)
		if again := Sign(method, uri, timestamp, accessKey, secretKey); again != sig {
			t.Fatalf("Sign is not deterministic: %q then %q", sig, again)
		}
		raw, err := base64.StdEncoding.DecodeString(sig)
		if err != nil || len(raw) != sha256.Size {
			t.Fatalf("Sign = %q: not the base64 of %d bytes (%v)", sig, sha256.Size, err)
		}
		mac := hmac.New(sha256.New, []byte(secretKey))
		mac.Write([]byte(method + " " + uri + "\n" + timestamp + "\n" + accessKey))
		if !hmac.Equal(raw, mac.Sum(nil)) {
			t.Errorf("Sign(%q, %q, %q, %q) is not the documented HMAC", method, uri, timestamp, accessKey)
		}
		for name, other := range map[string]string{
			"method":     Sign(method+"X", uri, timestamp, accessKey, secretKey),
			"requestURI": Sign(method, uri+"x", timestamp, accessKey, secretKey),
			"timestamp":  Sign(method, uri, timestamp+"1", accessKey, secretKey),
			"accessKey":  Sign(method, uri, timestamp, accessKey+"k", secretKey),
			"secretKey":  Sign(method, uri, timestamp, accessKey, secretKey+"s"),
		} {
			if other == sig {
				t.Errorf("changing the %s did not change the signature", name)
			}
		}
	})
}

// FuzzSignedRequestsAcceptedByFake: whatever company ID, department key and name a caller uses,
// the requests the client signs (its escaping of the path, its timestamp and signature, as they
// travel on the wire) pass ncpfake's independent signature check: no call is ever answered 401.
// Keys the client refuses (empty, "." and "..") fail before any request. Within WORKPLACE's length
// limits a department the fake holds is read back under its key (path escaping round-trips),
// listed, and deleted.
func FuzzSignedRequestsAcceptedByFake(f *testing.F) {
	for _, seed := range [][3]string{
		{"c1798784-9a47-4751-ab9f-b9629825ab93", "sales", "Sales"},
		{"company", "영업부", "영업부"},
		{"com/pany", "a/b", "slash"},
		{"c%2F1", "%", "percent"},
		{"c 1", "key with spaces?#&=+;", "query-like characters"},
		{"c1", ".", "dot"}, {"c1", "..", "dot dot"}, {"..", "k", "dot dot company"}, {"", "k", "empty company"}, {"c1", "", "empty key"},
		{"c1", "...", "three dots"}, {"c1", "\xff\xfe", "invalid UTF-8"}, {"c1", "\x00\r\n", "control"},
		{"c1", strings.Repeat("k", 37), "too long"}, {"c1", "😀😀", "emoji"}, {"c1", "~!*'()", "reserved"},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	f.Fuzz(func(t *testing.T, companyID, key, name string) {
		fake := ncpfake.New(ncpfake.Options{AccessKey: testAccessKey, SecretKey: testSecretKey, Options: fakeserver.Options{Now: func() time.Time { return fuzzNow }}})
		fake.PutDepartment(companyID, ncpfake.Department{ExternalKey: key, Name: name, ParentExternalKey: TopLevelParent, DisplayOrder: "1"})
		c := fuzzClient(t, clienttest.Wire{Handler: fake})
		ctx := context.Background()

		companyOK := checkPathSegment("", companyID) == nil
		keyOK := checkPathSegment("", key) == nil
		inLimits := utf8.RuneCountInString(companyID) <= 36 && utf8.RuneCountInString(key) <= 36
		notUnauthorized := func(call string, err error) {
			t.Helper()
			if errors.Is(err, ErrUnauthorized) {
				t.Fatalf("%s(%q, %q): the fake refused the signature: %v", call, companyID, key, err)
			}
		}

		d, err := c.GetDepartment(ctx, companyID, key)
		notUnauthorized("GetDepartment", err)
		switch {
		case !companyOK || !keyOK:
			if !errors.Is(err, ErrInvalidRequest) || len(fake.Requests()) != 0 {
				t.Errorf("GetDepartment(%q, %q) = %v after %d requests; want ErrInvalidRequest before any", companyID, key, err, len(fake.Requests()))
			}
			return
		case inLimits:
			fuzzCheckReadBack(t, companyID, key, name, d, err)
		}

		list, err := c.ListDepartments(ctx, companyID)
		notUnauthorized("ListDepartments", err)
		if inLimits && (err != nil || len(list) != 1 || (utf8.ValidString(key) && list[0].ExternalKey != key)) {
			t.Errorf("ListDepartments(%q) = %+v, %v; want the one department %q", companyID, list, err, key)
		}

		_, err = c.UpdateDepartment(ctx, companyID, Department{ExternalKey: key, Name: name, ParentExternalKey: TopLevelParent, DisplayOrder: "2"})
		notUnauthorized("UpdateDepartment", err)

		err = c.DeleteDepartment(ctx, companyID, key)
		notUnauthorized("DeleteDepartment", err)
		if inLimits && key != TopLevelParent { // "#" would be its own child
			if _, still := fake.Department(companyID, key); err != nil || still {
				t.Errorf("DeleteDepartment(%q, %q) = %v; still there: %t", companyID, key, err, still)
			}
		}
	})
}

// fuzzCheckReadBack: a department the fake holds is read back under its key, with its key and name
// where they are valid UTF-8 (the JSON encoder replaces invalid bytes).
func fuzzCheckReadBack(t *testing.T, companyID, key, name string, d *Department, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("GetDepartment(%q, %q): %v", companyID, key, err)
	}
	if utf8.ValidString(key) && d.ExternalKey != key {
		t.Errorf("GetDepartment(%q, %q) read back key %q", companyID, key, d.ExternalKey)
	}
	if utf8.ValidString(name) && d.Name != name {
		t.Errorf("GetDepartment(%q, %q) read back name %q, want %q", companyID, key, d.Name, name)
	}
}

// FuzzEqualDisplayOrder: EqualDisplayOrder never panics and is an equivalence (reflexive,
// symmetric, transitive); for plain decimals it is numeric equality (checked with big.Rat),
// a decimal equals its normal form, which is a fixed point, and leading zeros and trailing
// fractional zeros change nothing.
func FuzzEqualDisplayOrder(f *testing.F) {
	for _, seed := range [][3]string{
		{"2", "2.0", "02"}, {"1.5", "1.50", "01.500"}, {"-0", "0", "+0.000"}, {"-1", "1", "-1.0"},
		{"", " ", "\t"}, {".5", "0.5", "00.50"}, {"5.", "5", "5.0"}, {".", "0", "."}, {"+", "-", ""},
		{"abc", " abc ", "ABC"}, {"1e3", "1000", "1E3"}, {"0x10", "16", "16.0"}, {"1,5", "1.5", "1٫5"},
		{"99999999999999999999999999999", "99999999999999999999999999999.0", "1e29"},
		{"٣", "3", "３"}, {"\u00a02", "2", "2\u2003"}, {"\xff", "\xff", "\xfe"}, {"1.2.3", "1.2", "1.23"},
		{"--1", "-1", "- 1"}, {"1 000", "1000", "1_000"}, {"NaN", "NaN", "nan"}, {"Infinity", "Inf", "+Inf"},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	f.Fuzz(func(t *testing.T, a, b, c string) {
		ab, ba := EqualDisplayOrder(a, b), EqualDisplayOrder(b, a)
		bc, ac := EqualDisplayOrder(b, c), EqualDisplayOrder(a, c)
		if !EqualDisplayOrder(a, a) || !EqualDisplayOrder(b, b) {
			t.Errorf("not reflexive: %q or %q", a, b)
		}
		if ab != ba {
			t.Errorf("not symmetric: Equal(%q, %q) = %t, Equal(%q, %q) = %t", a, b, ab, b, a, ba)
		}
		if ab && bc && !ac {
			t.Errorf("not transitive: %q = %q = %q but %q != %q", a, b, c, a, c)
		}

		na, okA := normalizeDecimal(a)
		nb, okB := normalizeDecimal(b)
		if okA {
			fuzzCheckNormalForm(t, a, na)
		}
		if okA && okB {
			ra, okRA := new(big.Rat).SetString(fuzzRatText(a))
			rb, okRB := new(big.Rat).SetString(fuzzRatText(b))
			if okRA && okRB && ab != (ra.Cmp(rb) == 0) {
				t.Errorf("Equal(%q, %q) = %t, but the numbers are %s and %s (normal forms %q, %q)", a, b, ab, ra, rb, na, nb)
			}
		}
	})
}

// fuzzCheckNormalForm: a plain decimal a equals its normal form na, which is a fixed point, and a
// leading zero or a trailing fractional zero changes nothing.
func fuzzCheckNormalForm(t *testing.T, a, na string) {
	t.Helper()
	if !EqualDisplayOrder(a, na) {
		t.Errorf("%q is not equal to its normal form %q", a, na)
	}
	if again, ok := normalizeDecimal(na); !ok || again != na {
		t.Errorf("the normal form %q of %q normalises to %q, %t", na, a, again, ok)
	}
	ta := strings.TrimSpace(a)
	if ta[0] != '+' && ta[0] != '-' && !EqualDisplayOrder(a, "0"+ta) {
		t.Errorf("a leading zero changed %q", a)
	}
	if strings.Contains(ta, ".") && !EqualDisplayOrder(a, ta+"0") {
		t.Errorf("a trailing fractional zero changed %q", a)
	}
}

// fuzzRatText turns a plain decimal ("+.5", "5.") into a form big.Rat reads ("+0.5", "5").
func fuzzRatText(s string) string {
	s = strings.TrimSpace(s)
	sign := ""
	if s != "" && (s[0] == '+' || s[0] == '-') {
		sign, s = s[:1], s[1:]
	}
	integer, fraction, _ := strings.Cut(s, ".")
	if integer == "" {
		integer = "0"
	}
	if fraction == "" {
		return sign + integer
	}
	return sign + integer + "." + fraction
}
