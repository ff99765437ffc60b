package clienttest

import (
	"reflect"
	"testing"
)

// DecodeTwice decodes an error answer twice with decode (named in a failure) and fails the test
// when the two results differ: a client's reading of an answer is deterministic.
func DecodeTwice[E any](t testing.TB, name string, decode func(status int, body []byte) E, status int, body []byte) E {
	t.Helper()
	e := decode(status, body)
	if again := decode(status, body); !reflect.DeepEqual(e, again) {
		t.Fatalf("%s is not deterministic: %+v then %+v", name, e, again)
	}
	return e
}
