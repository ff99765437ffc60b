// Command fakencp serves the fake NAVER Cloud Platform WORKPLACE department API and Organization API
// of package ncpfake, for the demo and for trying orgsync without an NCP account.
//
// It prints "fakencp listening on http://HOST:PORT" as its first line on stdout, logs one line per
// request (method, path, status; never headers) on stderr and stops on SIGINT or SIGTERM.
//
//	fakencp --access-key AK --secret-key SK --company-id c1,c2 [--listen 127.0.0.1:18080]
//	        [--latency 100ms] [--throttle-fraction 0.1] [--unavailable-fraction 0.05]
//	        [--rate-limit 10] [--retry-after 1s] [--with-organization] [--seed-file seed.json]
//	        [--undocumented-errors]
//
// With --undocumented-errors, every failure the NCP documents do not define (a missing department,
// a duplicate key, a missing parent, a delete refused while sub-departments exist, an account in no
// organization) is answered with HTTP 400 and an error code and message no client knows
// (ncpfake.Fake.SetUndocumentedErrors).
//
// The secret key may come from the environment variable FAKENCP_SECRET_KEY instead.
package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"strings"

	"github.com/orgsync/orgsync/internal/fakeserver"
	"github.com/orgsync/orgsync/internal/ncp/ncpfake"
)

// secretKeyEnv names the environment variable read when --secret-key is not given.
const secretKeyEnv = "FAKENCP_SECRET_KEY" //nolint:gosec // G101: the name of an environment variable, not a credential

// config is the parsed command line.
type config struct {
	listen             string
	accessKey          string
	secretKey          string
	companyIDs         []string
	faults             ncpfake.Faults
	withOrganization   bool
	seedFile           string
	undocumentedErrors bool
}

func main() {
	os.Exit(fakeserver.Main("fakencp", func(args []string, getenv func(string) string, output io.Writer) (fakeserver.Run, error) {
		cfg, err := parseFlags(args, getenv, output)
		return func(ctx context.Context, stdout, stderr io.Writer) error { return run(ctx, cfg, stdout, stderr) }, err
	}))
}

// companyList is a flag that may be repeated and holds comma-separated values.
type companyList []string

func (c *companyList) String() string { return strings.Join(*c, ",") }

func (c *companyList) Set(value string) error {
	for id := range strings.SplitSeq(value, ",") {
		if id = strings.TrimSpace(id); id != "" {
			*c = append(*c, id)
		}
	}
	return nil
}

func parseFlags(args []string, getenv func(string) string, output io.Writer) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("fakencp", flag.ContinueOnError)
	fs.SetOutput(output)
	fs.StringVar(&cfg.listen, "listen", "127.0.0.1:18080", "address to listen on (port 0: a free port)")
	fs.StringVar(&cfg.accessKey, "access-key", "", "access key of the account (required)")
	fs.StringVar(&cfg.secretKey, "secret-key", "", "secret key of the account (required; or $"+secretKeyEnv+")")
	fs.Var((*companyList)(&cfg.companyIDs), "company-id", "WORKPLACE company that exists (repeatable, or comma-separated)")
	fs.DurationVar(&cfg.faults.Latency, "latency", 0, "latency added to every request")
	fs.Float64Var(&cfg.faults.ThrottleFraction, "throttle-fraction", 0, "fraction of requests answered as throttled (0 to 1)")
	fs.Float64Var(&cfg.faults.UnavailableFraction, "unavailable-fraction", 0, "fraction of requests answered 503 (0 to 1)")
	fs.Float64Var(&cfg.faults.RateLimit, "rate-limit", 0, "requests per second across the server before throttling (0: no cap)")
	fs.DurationVar(&cfg.faults.RetryAfter, "retry-after", 0, "Retry-After sent on throttled answers (0: none)")
	fs.BoolVar(&cfg.withOrganization, "with-organization", false, "start with the account already in an organization")
	fs.StringVar(&cfg.seedFile, "seed-file", "", `JSON file of departments to preload: {"companies":{"<companyId>":[<add call body>...]}}`)
	fs.BoolVar(&cfg.undocumentedErrors, "undocumented-errors", false,
		"answer failures the NCP documents do not define with HTTP 400 and an unknown code (-9999)")
	if err := fakeserver.ParseFlags(fs, args); err != nil {
		return config{}, err
	}
	if cfg.secretKey == "" {
		cfg.secretKey = getenv(secretKeyEnv)
	}
	switch {
	case cfg.accessKey == "":
		return config{}, errors.New("--access-key is required")
	case cfg.secretKey == "":
		return config{}, errors.New("--secret-key or $" + secretKeyEnv + " is required")
	case !isFraction(cfg.faults.ThrottleFraction) || !isFraction(cfg.faults.UnavailableFraction):
		return config{}, errors.New("--throttle-fraction and --unavailable-fraction must be between 0 and 1")
	case cfg.faults.RateLimit < 0 || cfg.faults.Latency < 0 || cfg.faults.RetryAfter < 0:
		return config{}, errors.New("--rate-limit, --latency and --retry-after must not be negative")
	}
	return cfg, nil
}

func isFraction(f float64) bool { return f >= 0 && f <= 1 }

// run serves the fake until ctx is done, then shuts down, letting requests in flight finish.
func run(ctx context.Context, cfg config, stdout, stderr io.Writer) error {
	logger := fakeserver.NewCommandLog(stderr)
	fake := ncpfake.New(ncpfake.Options{
		AccessKey:  cfg.accessKey,
		SecretKey:  cfg.secretKey,
		CompanyIDs: cfg.companyIDs,
		Faults:     cfg.faults,
		Options: fakeserver.Options{
			OnRequest:          logger.Request,
			UndocumentedErrors: cfg.undocumentedErrors,
		},
	})
	if cfg.withOrganization {
		fake.SetOrganization(cfg.accessKey, &ncpfake.Organization{OrganizationDesc: "created by fakencp"})
	}
	if cfg.seedFile != "" {
		if err := loadSeed(fake, cfg.seedFile); err != nil {
			return err
		}
	}

	return fakeserver.Serve(ctx, "fakencp", cfg.listen, fake, stdout, logger.Logger)
}

func loadSeed(fake *ncpfake.Fake, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return fake.LoadSeed(f)
}
