// Command docgen writes orgsync's reference pages from the code, so that they cannot say what the
// code does not: docs/reference/flags.md from the `--help` of the manager and of `kubectl orgsync`
// and its commands, and docs/reference/crd.md from the CRDs' OpenAPI schemas in config/crd/bases.
// `make docs` runs it; its test, which `make test` runs, generates the pages again in memory and
// fails with "run make docs" when a committed page differs.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

func main() {
	root := flag.String("root", ".", "the repository's root")
	flag.Parse()
	if err := write(*root); err != nil {
		fmt.Fprintln(os.Stderr, "docgen:", err)
		os.Exit(1)
	}
}

// write generates every reference page and writes the ones whose content changed.
func write(root string) error {
	generated, err := pages(root)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(generated))
	for name := range generated {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		path := filepath.Join(root, name)
		if old, err := os.ReadFile(path); err == nil && string(old) == string(generated[name]) {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return err
		}
		if err := os.WriteFile(path, generated[name], 0o600); err != nil {
			return err
		}
		fmt.Println("wrote", name)
	}
	return nil
}

// pages returns each reference page by its path under root.
func pages(root string) (map[string][]byte, error) {
	flags, err := flagsPage(root)
	if err != nil {
		return nil, fmt.Errorf("flags: %w", err)
	}
	crds, err := crdPage(root)
	if err != nil {
		return nil, fmt.Errorf("CRDs: %w", err)
	}
	return map[string][]byte{
		flagsPagePath: flags,
		crdPagePath:   crds,
	}, nil
}
