// Command generate writes health.lua's reason classes from internal/decision's Reasons, and
// argocd-cm-patch.yaml from health.lua. Run it with `go generate ./config/argocd`.
package main

import (
	"fmt"
	"os"

	"github.com/orgsync/orgsync/config/argocd"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "generate:", err)
		os.Exit(1)
	}
}

func run() error {
	old, err := os.ReadFile("health.lua")
	if err != nil {
		return err
	}
	script, err := argocd.Generate(string(old))
	if err != nil {
		return err
	}
	if err := os.WriteFile("health.lua", []byte(script), 0o644); err != nil { //nolint:gosec // G306: a source file
		return err
	}
	return os.WriteFile("argocd-cm-patch.yaml", []byte(argocd.ConfigMapPatch(script)), 0o644) //nolint:gosec // G306: a source file
}
