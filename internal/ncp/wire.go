package ncp

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The NCP APIs are loose about JSON types: numbers documented as integers are
// shown as strings, booleans as "Y"/"N". These types accept every form and
// never fail, so one odd field cannot make a whole response undecodable.

// flexString decodes a JSON string, number or boolean into its text; null,
// objects and arrays decode to "".
type flexString string

func (s *flexString) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil
	}
	switch data[0] {
	case '"':
		// The decoder has validated the token: without escapes and with
		// valid UTF-8 its content is the string itself.
		if content := data[1 : len(data)-1]; bytes.IndexByte(content, '\\') < 0 && utf8.Valid(content) {
			*s = flexString(content)
			return nil
		}
		var v string
		if err := json.Unmarshal(data, &v); err == nil {
			*s = flexString(v)
		}
	case 'n', '{', '[':
		*s = ""
	default: // number, true, false
		*s = flexString(data)
	}
	return nil
}

// flexInt64 decodes a JSON number or a numeric string; anything else is 0.
type flexInt64 int64

func (n *flexInt64) UnmarshalJSON(data []byte) error {
	if v, ok := parseFlexInt(data); ok {
		*n = flexInt64(v)
	}
	return nil
}

// optional is a decoded value that remembers whether the answer held one: the flexible types
// below leave it unset for null and anything they do not recognise.
type optional[T any] struct {
	value T
	set   bool
}

// ptr is the value, or nil when the answer held none.
func (o optional[T]) ptr() *T {
	if !o.set {
		return nil
	}
	v := o.value
	return &v
}

// flexOptInt64 is flexInt64 that remembers whether a value was present.
type flexOptInt64 struct{ optional[int64] }

func (n *flexOptInt64) UnmarshalJSON(data []byte) error {
	n.value, n.set = parseFlexInt(data)
	return nil
}

func parseFlexInt(data []byte) (int64, bool) {
	text := strings.TrimSpace(string(data))
	if unquoted, err := strconv.Unquote(text); err == nil && strings.HasPrefix(text, `"`) {
		text = strings.TrimSpace(unquoted)
	}
	v, err := strconv.ParseInt(text, 10, 64)
	if err == nil {
		return v, true
	}
	if errors.Is(err, strconv.ErrRange) {
		return 0, false // an integer outside int64: refused, not clamped by the float reading below
	}
	// 1.738539893024e12 or "12.0": integral floats are still integers. The range check comes
	// first: converting a float outside int64 gives an implementation-defined value.
	if f, err := strconv.ParseFloat(text, 64); err == nil && f >= -(1<<63) && f < 1<<63 && f == float64(int64(f)) {
		return int64(f), true
	}
	return 0, false
}

// flexBool decodes true/false, "true"/"false", "Y"/"N" and 1/0; null and
// anything unrecognised leave it unset.
type flexBool struct{ optional[bool] }

func (b *flexBool) UnmarshalJSON(data []byte) error {
	text := strings.TrimSpace(string(data))
	if unquoted, err := strconv.Unquote(text); err == nil && strings.HasPrefix(text, `"`) {
		text = strings.TrimSpace(unquoted)
	}
	switch strings.ToLower(text) {
	case "true", "y", "yes", "1":
		b.value, b.set = true, true
	case "false", "n", "no", "0":
		b.value, b.set = false, true
	}
	return nil
}

// flexStringMap decodes an object whose values are flexible strings; null
// or any other JSON type decodes to nil.
type flexStringMap map[string]string

func (m *flexStringMap) UnmarshalJSON(data []byte) error {
	var raw map[string]flexString
	if json.Unmarshal(data, &raw) != nil || raw == nil {
		*m = nil
		return nil
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		out[k] = string(v)
	}
	*m = out
	return nil
}
