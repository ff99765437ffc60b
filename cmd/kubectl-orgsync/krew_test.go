package main

import (
	"os"
	"path/filepath"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestKrewManifest checks krew/orgsync.yaml against what krew requires of a plugin manifest:
// one platform for each of linux and darwin on amd64 and arm64, each with an archive, a
// checksum of 64 hex digits (placeholders until a release) and the plugin's binary.
func TestKrewManifest(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("krew", "orgsync.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var manifest struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct{ Name string }
		Spec       struct {
			Version, Homepage, ShortDescription, Description, Caveats string
			Platforms                                                 []struct {
				Selector struct {
					MatchLabels map[string]string `json:"matchLabels"`
				}
				URI, Sha256, Bin string
				Files            []struct{ From, To string }
			}
		}
	}
	if err := yaml.UnmarshalStrict(data, &manifest, yaml.DisallowUnknownFields); err != nil {
		t.Fatal(err)
	}
	if manifest.APIVersion != "krew.googlecontainertools.github.com/v1alpha2" || manifest.Kind != "Plugin" || manifest.Metadata.Name != "orgsync" {
		t.Errorf("%s %s %s, want a krew v1alpha2 Plugin named orgsync", manifest.APIVersion, manifest.Kind, manifest.Metadata.Name)
	}
	if manifest.Spec.Version == "" || manifest.Spec.ShortDescription == "" || manifest.Spec.Description == "" {
		t.Errorf("spec lacks version, shortDescription or description: %+v", manifest.Spec)
	}
	seen := map[string]bool{}
	for _, p := range manifest.Spec.Platforms {
		platform := p.Selector.MatchLabels["os"] + "/" + p.Selector.MatchLabels["arch"]
		if seen[platform] {
			t.Errorf("%s listed twice", platform)
		}
		seen[platform] = true
		if len(p.Sha256) != 64 || p.URI == "" || p.Bin != "kubectl-orgsync" || len(p.Files) == 0 {
			t.Errorf("%s: uri %q, sha256 %q, bin %q, files %v", platform, p.URI, p.Sha256, p.Bin, p.Files)
		}
	}
	for _, want := range []string{"linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64"} {
		if !seen[want] {
			t.Errorf("no platform %s", want)
		}
	}
}
