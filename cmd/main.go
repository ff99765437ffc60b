// Command manager runs orgsync's controllers: Organization and Department objects reconciled
// against NAVER Cloud Platform (WORKPLACE and NCP Organization) or Huawei Cloud (OneAccess and
// Huawei Cloud Organizations).
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime/debug"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	_ "k8s.io/client-go/plugin/pkg/client/auth"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/controller"
	"github.com/orgsync/orgsync/internal/provider/remoteflags"
)

func main() {
	var metrics metricsFlags
	var (
		probeAddr, pprofAddr         string
		leaderElect                  bool
		leaderNamespace              string
		leaseDuration, renewDeadline time.Duration
		retryPeriod                  time.Duration
		syncPeriod                   time.Duration
		deletionGrace                time.Duration
		waitingDelay, waitingMax     time.Duration
		maxConcurrent                int
		maxPerNamespace              int
		remote                       remoteflags.Options
		watchNamespaces              string
		watchSelector                string
		watchSecrets                 bool
	)
	flag.StringVar(&metrics.addr, "metrics-bind-address", "",
		"Address the metrics endpoint binds to; empty (default): "+defaultSecureMetricsAddr+", or "+defaultInsecureMetricsAddr+" with --metrics-secure=false; 0 disables it.")
	flag.BoolVar(&metrics.secure, "metrics-secure", true,
		"Serve metrics over HTTPS to authenticated, authorised clients only (get on /metrics, as the metrics-reader ClusterRole grants); false serves plain HTTP to anyone.")
	flag.StringVar(&metrics.certPath, "metrics-cert-path", "", "Directory of the metrics serving certificate and key; empty: a self-signed certificate generated at start.")
	flag.StringVar(&metrics.certName, "metrics-cert-name", "tls.crt", "File name of the metrics serving certificate in --metrics-cert-path.")
	flag.StringVar(&metrics.certKey, "metrics-cert-key", "tls.key", "File name of the metrics serving key in --metrics-cert-path.")
	flag.StringVar(&probeAddr, "health-probe-bind-address", ":8081", "Address the /healthz and /readyz probes bind to; 0 disables them.")
	flag.StringVar(&pprofAddr, "pprof-bind-address", "0", "Address Go's pprof profiles are served on, e.g. 127.0.0.1:6060; 0 (default) disables them.")
	flag.BoolVar(&leaderElect, "leader-elect", false, "Elect a leader so that only one replica reconciles at a time.")
	flag.StringVar(&leaderNamespace, "leader-elect-resource-namespace", "", "Namespace of the leader-election Lease; empty: the pod's own namespace (required outside a cluster).")
	flag.DurationVar(&leaseDuration, "leader-elect-lease-duration", 15*time.Second, "How long a standby waits after the leader's last renewal before it takes over.")
	flag.DurationVar(&renewDeadline, "leader-elect-renew-deadline", 10*time.Second, "How long the leader keeps trying to renew its lease before it stops leading.")
	flag.DurationVar(&retryPeriod, "leader-elect-retry-period", 2*time.Second, "How often candidates try to acquire or renew the lease.")
	flag.DurationVar(&syncPeriod, "sync-period", 10*time.Minute, "How often each Organization's remote chart is listed again to correct drift (jittered by ±10%).")
	flag.DurationVar(&deletionGrace, "deletion-grace", controller.DefaultDeletionGrace,
		"How long after the last Department deletion of an Organization its Departments wait before deleting their remote departments, so that an Organization (deletionPolicy Orphan) deleted with them is seen first.")
	flag.DurationVar(&waitingDelay, "waiting-status-delay", controller.DefaultWaitingStatusDelay,
		"How long after the last Department of its Organization arrived a new Department that waits for its parent or its Organization says so; until then, and while what it waits for is on its way, it publishes nothing (kstatus reads it as in progress), so that a chart applied children first is not written twice.")
	flag.DurationVar(&waitingMax, "waiting-status-max-delay", controller.DefaultWaitingStatusMaxDelay,
		"The longest, from its creation, that a new Department's first waiting state is held back (--waiting-status-delay).")
	flag.IntVar(&maxConcurrent, "max-concurrent-reconciles", 4, "Organizations, and Departments, reconciled in parallel.")
	flag.IntVar(&maxPerNamespace, "max-concurrent-reconciles-per-namespace", 0,
		"Organizations, and Departments, of one namespace reconciled in parallel, so that one namespace cannot hold every worker; 0: all of --max-concurrent-reconciles but one, at least one.")
	remote.Register(flag.CommandLine)
	flag.StringVar(&watchNamespaces, "watch-namespaces", "", "Comma-separated namespaces whose Organizations and Departments this manager reconciles; empty: every namespace.")
	flag.StringVar(&watchSelector, "watch-label-selector", "",
		"Label selector of the Organizations and Departments this manager reconciles (one shard of several, e.g. sharding.orgsync.dev/key=shard1); each shard elects its own leader.")
	flag.BoolVar(&watchSecrets, "watch-credentials-secrets", false,
		"Watch Secrets labelled "+v1alpha1.CredentialsLabel+"=true so that rotated credentials are used at once (needs list and watch on Secrets); others are read again at each Organization reconcile.")
	zapOpts := zap.Options{}
	zapOpts.BindFlags(flag.CommandLine)
	flag.Parse()
	if err := validateFlags(limits{
		syncPeriod: syncPeriod, deletionGrace: deletionGrace, maxConcurrent: maxConcurrent, maxPerNamespace: maxPerNamespace,
		waitingDelay: waitingDelay, waitingMax: waitingMax,
		leaseDuration: leaseDuration, renewDeadline: renewDeadline, retryPeriod: retryPeriod,
	}, remote); err != nil {
		fmt.Fprintln(os.Stderr, "orgsync:", err)
		os.Exit(2)
	}
	if err := metrics.validate(); err != nil {
		fmt.Fprintln(os.Stderr, "orgsync:", err)
		os.Exit(2)
	}
	scope, err := parseScope(watchNamespaces, watchSelector, watchSecrets, leaderNamespace)
	if err != nil {
		fmt.Fprintln(os.Stderr, "orgsync:", err)
		os.Exit(2)
	}
	if _, err := setMemoryLimit(); err != nil {
		fmt.Fprintln(os.Stderr, "orgsync:", err)
		os.Exit(2)
	}
	if _, set := os.LookupEnv("GOGC"); !set {
		// orgsync spends its time waiting on remote APIs and the API server: collecting garbage
		// twice as often costs little CPU and keeps the footprint of a large chart's cache near its
		// live size (about 90 MiB at 10,000 Departments instead of 120). GOGC, and GOMEMLIMIT,
		// set in the environment take precedence.
		debug.SetGCPercent(50)
	}
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts)))
	log := ctrl.Log.WithName("setup")

	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(v1alpha1.AddToScheme(scheme))

	mgr, err := ctrl.NewManager(ctrl.GetConfigOrDie(), ctrl.Options{
		Scheme:                  scheme,
		Metrics:                 metricsOptions(metrics),
		HealthProbeBindAddress:  probeAddr,
		PprofBindAddress:        pprofAddr,
		Cache:                   scope.cacheOptions(),
		LeaderElection:          leaderElect,
		LeaderElectionID:        scope.leaderElectionID(),
		LeaderElectionNamespace: leaderNamespace,
		LeaseDuration:           &leaseDuration,
		RenewDeadline:           &renewDeadline,
		RetryPeriod:             &retryPeriod,
		// A leader that stops (SIGTERM, a rolling update) hands the lease over at once instead of
		// letting the standby wait out the lease duration. The process exits right after the
		// manager stops, so nothing runs on without the lease.
		LeaderElectionReleaseOnCancel: true,
	})
	if err != nil {
		log.Error(err, "unable to create the manager")
		os.Exit(1)
	}

	ctx := ctrl.SetupSignalHandler()
	if err := controller.Setup(ctx, mgr, controller.Options{
		Connector:                           remote.Connectors(nil),
		SyncPeriod:                          syncPeriod,
		DeletionGrace:                       deletionGrace,
		WaitingStatusDelay:                  waitingDelay,
		WaitingStatusMaxDelay:               waitingMax,
		MaxConcurrentReconciles:             maxConcurrent,
		MaxConcurrentReconcilesPerNamespace: maxPerNamespace,
		WatchCredentialSecrets:              scope.watchSecrets,
	}); err != nil {
		log.Error(err, "unable to set up the controllers")
		os.Exit(1)
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		log.Error(err, "unable to set up the health check")
		os.Exit(1)
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		log.Error(err, "unable to set up the ready check")
		os.Exit(1)
	}

	log.Info("starting the manager")
	if err := mgr.Start(ctx); err != nil {
		log.Error(err, "the manager stopped with an error")
		os.Exit(1)
	}
}
