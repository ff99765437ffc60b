package clienttest

import (
	"net"
	"sync/atomic"
	"testing"
)

// CountingListener listens on a loopback port, accepts and counts connections, closing each at
// once: what stands behind an endpoint that must never be connected to. It returns the port and
// the count; the listener closes when the test ends.
func CountingListener(t testing.TB) (port int, accepted *atomic.Int32) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listening: %v", err)
	}
	t.Cleanup(func() { _ = l.Close() })
	accepted = new(atomic.Int32)
	Accept(l, accepted, func(conn net.Conn) { _ = conn.Close() })
	return l.Addr().(*net.TCPAddr).Port, accepted
}

// Accept accepts connections on l in the background until l closes, counting each into accepted
// before handing it to handle.
func Accept(l net.Listener, accepted *atomic.Int32, handle func(net.Conn)) {
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			handle(conn)
		}
	}()
}
