package clienttest

import "testing"

// New builds a client with newClient (named in a failure) from cfg, changed by each of mutate in
// turn, and fails the test when the configuration is refused.
func New[C, T any](t testing.TB, name string, newClient func(C) (T, error), cfg C, mutate ...func(*C)) T {
	t.Helper()
	for _, m := range mutate {
		m(&cfg)
	}
	c, err := newClient(cfg)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return c
}
