package fakeserver

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// shutdownGrace is how long a fake command lets requests in flight finish once it is told to stop.
const shutdownGrace = 10 * time.Second

// Run is a fake command's work once its command line is read: serve until ctx is done.
type Run func(ctx context.Context, stdout, stderr io.Writer) error

// Main is the main of a fake command (cmd/fakencp, cmd/fakehuawei): it reads the command line with
// parse, runs what parse returns until SIGINT or SIGTERM, and returns the exit code: 0, 2 for bad
// flags, 1 on failure. --help exits 0.
func Main(name string, parse func(args []string, getenv func(string) string, output io.Writer) (Run, error)) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	run, err := parse(os.Args[1:], os.Getenv, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, name+":", err)
		return 2
	}
	if err := run(ctx, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, name+":", err)
		return 1
	}
	return 0
}

// Serve serves handler on the address listen until ctx is done, then shuts down, letting requests
// in flight finish. Its first line on stdout is "NAME listening on http://HOST:PORT", which the
// demo and the tests read to find a free port's URL; logger says when it shuts down.
func Serve(ctx context.Context, name, listen string, handler http.Handler, stdout io.Writer, logger *log.Logger) error {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s listening on http://%s\n", name, ln.Addr())

	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	logger.Print("shutting down")
	graceCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	return srv.Shutdown(graceCtx)
}

// LockedBuffer collects what a fake writes (its log) while a test reads it; it is safe for
// concurrent use.
type LockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *LockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written so far.
func (b *LockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
