package testenv

import (
	"go.uber.org/zap/zapcore"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
)

// LogErrorsOnly sets controller-runtime's logger, through which the control plane and the
// commands' own watches log, to write errors only: the bench and the chaos suite print tables,
// and the managers they start keep their own logs.
func LogErrorsOnly() {
	ctrl.SetLogger(zap.New(zap.Level(zapcore.ErrorLevel)))
}
