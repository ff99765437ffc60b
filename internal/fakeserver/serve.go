package fakeserver

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"time"
)

// shutdownGrace is how long a fake command lets requests in flight finish once it is told to stop.
const shutdownGrace = 10 * time.Second

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

// CommandLog is a fake command's log on stderr: one line per request answered and one when it
// shuts down.
type CommandLog struct{ *log.Logger }

// NewCommandLog returns the log of a fake command writing to stderr.
func NewCommandLog(stderr io.Writer) CommandLog {
	return CommandLog{log.New(stderr, "", log.LstdFlags)}
}

// Request logs an answered request as its method, path and status only: headers and bodies carry
// credentials and never reach the log. It is an Options.OnRequest.
func (l CommandLog) Request(r Request) { l.Printf("%s %s %d", r.Method, r.Path, r.Status) }
