// Command fakehuawei serves the fake Huawei Cloud OneAccess and Organizations APIs of package
// huaweifake on one base URL, for the demo and for trying orgsync without a Huawei Cloud account.
//
// It prints "fakehuawei listening on http://HOST:PORT" as its first line on stdout, logs one line
// per request (method, path, status; never headers or bodies) on stderr and stops on SIGINT or
// SIGTERM.
//
//	fakehuawei --client-id ID --client-secret SECRET --access-key AK --secret-key SK
//	           [--listen 127.0.0.1:8090] [--token-ttl 30m] [--latency 100ms]
//	           [--throttle-fraction 0.1] [--unavailable-fraction 0.05] [--rate-limit 10]
//	           [--undocumented-errors]
//
// --undocumented-errors answers every OneAccess failure Huawei's documents do not define (a unit
// or parent that does not exist, a code that exists, a delete refused while the unit has
// children, ...) with 400 {"error_code":"ORG.9999"} and a message no client has seen, to try how
// orgsync copes with a real tenant's own answers.
//
// The secrets may come from FAKEHUAWEI_CLIENT_SECRET and FAKEHUAWEI_SECRET_KEY instead.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"time"

	"github.com/orgsync/orgsync/internal/fakeserver"
	"github.com/orgsync/orgsync/internal/huaweicloud/huaweifake"
)

// Environment variables read when the secret flags are not given.
const (
	clientSecretEnv = "FAKEHUAWEI_CLIENT_SECRET" //nolint:gosec // G101: an environment variable's name, not a credential
	secretKeyEnv    = "FAKEHUAWEI_SECRET_KEY"    //nolint:gosec // G101: an environment variable's name, not a credential
)

func main() {
	os.Exit(fakeserver.Main("fakehuawei", func(args []string, getenv func(string) string, output io.Writer) (fakeserver.Run, error) {
		opts, listen, err := parseFlags(args, getenv, output)
		return func(ctx context.Context, stdout, stderr io.Writer) error {
			return serve(ctx, opts, listen, stdout, stderr)
		}, err
	}))
}

func parseFlags(args []string, getenv func(string) string, output io.Writer) (huaweifake.Options, string, error) {
	var opts huaweifake.Options
	var listen string
	fs := flag.NewFlagSet("fakehuawei", flag.ContinueOnError)
	fs.SetOutput(output)
	fs.StringVar(&listen, "listen", "127.0.0.1:8090", "address to listen on (port 0: a free port)")
	fs.StringVar(&opts.ClientID, "client-id", "", "OneAccess client ID (required)")
	fs.StringVar(&opts.ClientSecret, "client-secret", "", "OneAccess client secret (required; or $"+clientSecretEnv+")")
	fs.StringVar(&opts.AccessKey, "access-key", "", "Organizations access key (required)")
	fs.StringVar(&opts.SecretKey, "secret-key", "", "Organizations secret key (required; or $"+secretKeyEnv+")")
	fs.DurationVar(&opts.TokenTTL, "token-ttl", 30*time.Minute, "lifetime of OneAccess access tokens")
	fs.DurationVar(&opts.Faults.Latency, "latency", 0, "latency added to every request")
	fs.Float64Var(&opts.Faults.ThrottleFraction, "throttle-fraction", 0, "fraction of requests answered 429 (0 to 1)")
	fs.Float64Var(&opts.Faults.UnavailableFraction, "unavailable-fraction", 0, "fraction of requests answered 503 (0 to 1)")
	fs.Float64Var(&opts.Faults.RateLimit, "rate-limit", 0, "requests per second before throttling (0: no cap)")
	fs.BoolVar(&opts.UndocumentedErrors, "undocumented-errors", false,
		"answer OneAccess failures the documents do not define with 400 ORG.9999, a code no client knows")
	if err := fakeserver.ParseFlags(fs, args); err != nil {
		return opts, "", err
	}
	opts.ClientSecret = cmp.Or(opts.ClientSecret, getenv(clientSecretEnv))
	opts.SecretKey = cmp.Or(opts.SecretKey, getenv(secretKeyEnv))
	switch {
	case opts.ClientID == "" || opts.ClientSecret == "":
		return opts, "", errors.New("--client-id and --client-secret (or $" + clientSecretEnv + ") are required")
	case opts.AccessKey == "" || opts.SecretKey == "":
		return opts, "", errors.New("--access-key and --secret-key (or $" + secretKeyEnv + ") are required")
	case opts.TokenTTL < time.Second:
		return opts, "", errors.New("--token-ttl must be at least 1s")
	case !fraction(opts.Faults.ThrottleFraction) || !fraction(opts.Faults.UnavailableFraction):
		return opts, "", errors.New("--throttle-fraction and --unavailable-fraction must be between 0 and 1")
	case opts.Faults.Latency < 0 || opts.Faults.RateLimit < 0:
		return opts, "", errors.New("--latency and --rate-limit must not be negative")
	}
	return opts, listen, nil
}

func fraction(f float64) bool { return f >= 0 && f <= 1 }

// serve runs the fake until ctx is done, then shuts down, letting requests in flight finish.
func serve(ctx context.Context, opts huaweifake.Options, listen string, stdout, stderr io.Writer) error {
	logger := fakeserver.NewCommandLog(stderr)
	opts.OnRequest = logger.Request
	return fakeserver.Serve(ctx, "fakehuawei", listen, huaweifake.New(opts), stdout, logger.Logger)
}
