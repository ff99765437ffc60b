package fakeserver

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

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

// ParseFlags reads args with fs: a fake command takes flags only, so an argument left over is an
// error rather than a setting silently ignored.
func ParseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	return nil
}
