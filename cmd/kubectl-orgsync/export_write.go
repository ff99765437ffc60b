package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/yaml"
)

// writeStream writes the manifests as one multi-document YAML stream.
func writeStream(w io.Writer, manifests []departmentManifest) error {
	out := bufio.NewWriter(w)
	for i := range manifests {
		data, err := marshalYAML(&manifests[i])
		if err != nil {
			return err
		}
		if i > 0 {
			_, _ = out.WriteString("---\n")
		}
		_, _ = out.Write(data)
	}
	return out.Flush()
}

// checkOutputDir refuses a directory that exists and holds anything: an export never replaces or
// mixes with files it did not write.
func checkOutputDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("--output-dir: %w", err)
	case len(entries) > 0:
		return fmt.Errorf("--output-dir %s is not empty: choose a new or empty directory", dir)
	}
	return nil
}

// kustomization is a kustomization.yaml listing resources.
type kustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Resources  []string `json:"resources"`
}

func newKustomization(resources []string) kustomization {
	return kustomization{APIVersion: "kustomize.config.k8s.io/v1beta1", Kind: "Kustomization", Resources: resources}
}

// writeOutputDir writes a folder per top-level department (named after its Department) holding
// a file per department of its subtree (NAME.yaml, see pathName) and a kustomization.yaml listing them in
// order, and dir/kustomization.yaml listing the folders. It returns how many folders it wrote.
func writeOutputDir(dir string, manifests []departmentManifest) (int, error) {
	exported := make(map[string]bool, len(manifests))
	for i := range manifests {
		exported[manifests[i].key] = true
	}
	// The manifests come depth first from each top, so a top starts each folder.
	var folders []string
	files := map[string][]string{}
	folder := ""
	for i := range manifests {
		m := &manifests[i]
		if m.parentKey == "" || !exported[m.parentKey] {
			folder = pathName(m.Metadata.Name, "")
			folders = append(folders, folder)
		}
		if err := os.MkdirAll(filepath.Join(dir, folder), 0o750); err != nil {
			return 0, err
		}
		data, err := marshalYAML(m)
		if err != nil {
			return 0, err
		}
		name := pathName(m.Metadata.Name, ".yaml")
		if err := os.WriteFile(filepath.Join(dir, folder, name), data, 0o600); err != nil {
			return 0, err
		}
		files[folder] = append(files[folder], name)
	}
	for _, f := range folders {
		if err := writeKustomization(filepath.Join(dir, f), files[f]); err != nil {
			return 0, err
		}
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return 0, err
	}
	return len(folders), writeKustomization(dir, folders)
}

// pathName is the file (suffix ".yaml") or folder (no suffix) name of the Department called name:
// name+suffix, unless kustomize would take it for a kustomization file (a Department called
// "kustomization", a top-level one called "kustomization.yaml" or "kustomization.yml"): then
// "department_" before it, which no other Department's name can give (object names have no "_").
func pathName(name, suffix string) string {
	for _, k := range kustomizationFiles {
		if strings.EqualFold(name+suffix, k) {
			return "department_" + name + suffix
		}
	}
	return name + suffix
}

func writeKustomization(dir string, resources []string) error {
	if resources == nil {
		resources = []string{}
	}
	data, err := yaml.Marshal(newKustomization(resources))
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "kustomization.yaml"), data, 0o600)
}
