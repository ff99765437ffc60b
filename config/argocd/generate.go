package argocd

import (
	"errors"
	"fmt"
	"strings"

	"github.com/orgsync/orgsync/internal/decision"
)

// The lines between which health.lua holds the reason classes of decision.Reasons.
const (
	beginReasons = "-- BEGIN reason classes: generated from internal/decision's Reasons by `go generate ./config/argocd`.\n"
	endReasons   = "-- END reason classes.\n"
)

// luaTables are the Lua tables of Ready=False reasons, one per health status other than
// Healthy, in the order health.lua consults them, with the class of decision.Reasons each holds.
var luaTables = []struct {
	name, comment string
	class         decision.Class
}{
	{"progressing", "Reasons of Ready=False that resolve on their own: something is still being created, deleted\n-- or retried (Progressing).", decision.ClassProgressing},
	{"suspended", "Reasons of Ready=False where nothing moves until a person decides, and nothing has failed:\n-- orgsync.dev/paused, or deletions held by the deletion budget (Suspended).", decision.ClassSuspended},
	{"degraded", "Reasons of Ready=False that need a person: the spec, the credentials or the remote system\n-- must change first (Degraded).", decision.ClassFailing},
}

// statusOf is the Argo CD health status of each class of decision.Reasons.
var statusOf = map[decision.Class]string{
	decision.ClassReady:       StatusHealthy,
	decision.ClassProgressing: StatusProgressing,
	decision.ClassSuspended:   StatusSuspended,
	decision.ClassFailing:     StatusDegraded,
}

// StatusOf is the Argo CD health status health.lua gives a class of decision.Reasons.
func StatusOf(c decision.Class) string { return statusOf[c] }

var errNoMarkers = errors.New("health.lua lacks the lines that hold the generated reason classes")

// Generate returns script with its reason classes written from decision.Reasons: what
// `go generate ./config/argocd` writes to health.lua, and what a test compares it with.
func Generate(script string) (string, error) {
	begin, end := strings.Index(script, beginReasons), strings.Index(script, endReasons)
	if begin < 0 || end < begin {
		return "", errNoMarkers
	}
	var b strings.Builder
	b.WriteString(script[:begin+len(beginReasons)])
	for i, t := range luaTables {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "-- %s\nlocal %s = {\n", t.comment, t.name)
		for _, r := range decision.Reasons {
			if r.Class == t.class {
				fmt.Fprintf(&b, "  %s = true,\n", r.Reason)
			}
		}
		b.WriteString("}\n")
	}
	b.WriteString(script[end:])
	return b.String(), nil
}

// configMapHeader begins argocd-cm-patch.yaml.
const configMapHeader = `# Argo CD health checks for orgsync's kinds: merge into the argocd-cm ConfigMap, for instance
#   kubectl -n argocd patch configmap argocd-cm --patch-file config/argocd/argocd-cm-patch.yaml
# or as a patch in the kustomization that installs Argo CD. Both keys hold health.lua verbatim;
# go generate ./config/argocd writes them, and health_test.go fails when they drift from it.
apiVersion: v1
kind: ConfigMap
metadata:
  name: argocd-cm
  namespace: argocd
  labels:
    app.kubernetes.io/name: argocd-cm
    app.kubernetes.io/part-of: argocd
data:
`

// ConfigMapPatch is argocd-cm-patch.yaml: the argocd-cm keys of both kinds, each holding script.
func ConfigMapPatch(script string) string {
	var b strings.Builder
	b.WriteString(configMapHeader)
	for _, kind := range []string{"Organization", "Department"} {
		fmt.Fprintf(&b, "  resource.customizations.health.orgsync.dev_%s: |\n", kind)
		for line := range strings.Lines(script) {
			if strings.TrimSpace(line) != "" {
				b.WriteString("    ")
			}
			b.WriteString(line)
		}
	}
	return b.String()
}
