package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/provider"
)

// exportOptions are the flags and arguments of `kubectl orgsync export`.
type exportOptions struct {
	*globalOptions
	remote remoteOptions

	organization  string
	outputDir     string
	unmanagedOnly bool
	skipInvalid   bool

	// A chart without an Organization: credentials and target given explicitly.
	credentialsFile       string
	provider              string
	companyID             string
	site                  string
	oneAccessDomain       string
	organizationsEndpoint string
}

func newExportCommand(g *globalOptions) *cobra.Command {
	o := &exportOptions{globalOptions: g}
	cmd := &cobra.Command{
		Use:   "export ORGANIZATION [--output-dir DIR] [--unmanaged-only]",
		Short: "Write the remote chart of an Organization as Department manifests",
		Long: `Read the remote chart of an Organization (NCP WORKPLACE departments or Huawei Cloud
OneAccess units) and write it as Department manifests which, applied to the cluster, make
orgsync adopt every department without changing it: each manifest holds the fields the
provider compares (NCP: name, i18nNames, parentExternalKey, emailAddress,
externalEmailReceive, displayOrder; Huawei Cloud: name, parentExternalKey, category) that hold
a value remotely (a blank one is left out, and so left unmanaged), and nothing else (no status,
no server fields).

The chart is read with the Organization's credentials Secret, which you must be allowed to
get (as with kubectl get secret); nothing is written, remotely or in the cluster. The remote
endpoints, their allowlist and the request rate are the manager's flags of the same names:
give the plugin the values the manager runs with (the fake clouds need
--allow-insecure-endpoints and their URL).

A department's key becomes its metadata.name where the key is a valid object name;
otherwise the name is generated from the key (lower case, "-" for other characters, then a
hash of the key: stable across exports) and spec.externalKey holds the key. Departments come
in a stable order: each top-level department followed by its subtree, depth first, siblings
by displayOrder then key.

Without --output-dir the manifests are one multi-document YAML stream on standard output.
With --output-dir DIR (which must not exist or be empty) DIR gets a folder per top-level
department holding a file per department of its subtree and a kustomization.yaml, and a
kustomization.yaml listing the folders: kubectl apply -k DIR applies the whole chart.

--unmanaged-only leaves out the remote departments whose key a Department of the
Organization already claims (spec.externalKey, or metadata.name), synced or not.

A remote department that no Department can hold (a key longer than 36 characters or with a
space, a name with a line break, a display order that is not a decimal, a category
OneAccess allows but the CRD does not...) is left out and named on standard error with the
reason; its sub-departments are still written, with their parentExternalKey. The export then
exits 1 after writing the others, or 0 with --skip-invalid. No invalid manifest is written.

A chart that has no Organization yet: give the credentials in a file with
--credentials-file (a Secret manifest, or KEY=VALUE lines as for kubectl create secret
--from-env-file) and the chart with --provider and its flags (ncp: --company-id and --site;
huaweicloud: --oneaccess-domain and --organizations-endpoint). ORGANIZATION is then the name
the manifests' organizationRef gives the Organization you will create, in the namespace
of -n; the cluster is not read, except with --unmanaged-only.

On a terminal, a listing of more than a few pages shows its progress on standard error.`,
		Example: `  # The chart of Organization acme, as one YAML stream
  kubectl orgsync export acme -n orgs > acme.yaml

  # A folder per top-level department, then apply them all
  kubectl orgsync export acme -n orgs --output-dir chart/
  kubectl apply -k chart/

  # Only what no Department covers yet
  kubectl orgsync export acme -n orgs --unmanaged-only > new.yaml

  # A WORKPLACE company that has no Organization yet
  kubectl orgsync export acme -n orgs --credentials-file ncp.env --provider ncp \
    --company-id 0b7d5c2e-... > acme.yaml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.organization = args[0]
			return o.run(cmd.Context())
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.outputDir, "output-dir", "", "Write a folder per top-level department, with kustomization.yaml files, into this new or empty directory")
	fs.BoolVar(&o.unmanagedOnly, "unmanaged-only", false, "Only the remote departments that no Department of the Organization claims")
	fs.BoolVar(&o.skipInvalid, "skip-invalid", false, "Exit 0 when remote departments that no Department can hold were left out (they are still named on standard error)")
	fs.StringVar(&o.credentialsFile, "credentials-file", "", "Read the chart with the credentials in this file (a Secret manifest or KEY=VALUE lines) instead of an Organization's Secret")
	fs.StringVar(&o.provider, "provider", string(v1alpha1.ProviderNCP), "With --credentials-file: ncp or huaweicloud")
	fs.StringVar(&o.companyID, "company-id", "", "With --credentials-file and --provider ncp: the WORKPLACE companyId")
	fs.StringVar(&o.site, "site", "public", "With --credentials-file and --provider ncp: the NCP site, public, fin or gov")
	fs.StringVar(&o.oneAccessDomain, "oneaccess-domain", "", "With --credentials-file and --provider huaweicloud: the OneAccess tenant's domain or base URL")
	fs.StringVar(&o.organizationsEndpoint, "organizations-endpoint", "", "With --credentials-file and --provider huaweicloud: the Organizations endpoint (default Huawei's)")
	o.remote.addFlags(fs)
	return cmd
}

// errInvalidSkipped ends an export that left out departments no Department can hold.
var errInvalidSkipped = errors.New("no Department can hold their values (named above); --skip-invalid exits 0")

func (o *exportOptions) run(ctx context.Context) error {
	if o.outputDir != "" {
		if err := checkOutputDir(o.outputDir); err != nil {
			return err
		}
	}
	prog := newProgress(o.streams.ErrOut)
	if prog.on {
		o.remote.wrapTransport = prog.transport
	}
	in, departments, err := o.gather(ctx)
	if err != nil {
		return err
	}
	in.remote, err = departments.List(ctx)
	if err != nil {
		prog.clear()
		return err
	}
	prog.done(len(in.remote))

	res := buildManifests(in)
	for _, s := range res.skipped {
		fmt.Fprintf(o.streams.ErrOut, "warning: remote department %q left out: %s\n", s.key, s.reason)
	}
	for _, s := range res.orphans {
		fmt.Fprintf(o.streams.ErrOut, "warning: remote department %q: %s\n", s.key, s.reason)
	}
	switch {
	case len(res.manifests) == 0 && o.outputDir != "":
		// kubectl apply -k refuses a kustomization without resources: write none.
		fmt.Fprintf(o.streams.ErrOut, "nothing to export: no remote department to write; %s was not written\n", o.outputDir)
	case o.outputDir != "":
		folders, err := writeOutputDir(o.outputDir, res.manifests)
		if err != nil {
			return err
		}
		fmt.Fprintf(o.streams.ErrOut, "wrote %s Departments in %s folders to %s\n", thousands(len(res.manifests)), thousands(folders), o.outputDir)
	default:
		if len(res.manifests) == 0 {
			fmt.Fprintln(o.streams.ErrOut, "nothing to export: no remote department to write")
		}
		if err := writeStream(o.streams.Out, res.manifests); err != nil {
			return err
		}
	}
	if len(res.skipped) > 0 && !o.skipInvalid {
		what := "1 remote department was"
		if len(res.skipped) != 1 {
			what = thousands(len(res.skipped)) + " remote departments were"
		}
		return fmt.Errorf("%s left out: %w", what, errInvalidSkipped)
	}
	return nil
}

// gather finds the Organization (in the cluster, or as the flags describe it), the namespace's
// Departments when they are needed, and connects to the remote chart.
func (o *exportOptions) gather(ctx context.Context) (exportInput, provider.Departments, error) {
	if o.credentialsFile != "" {
		return o.gatherExplicit(ctx)
	}
	c, err := o.connect()
	if err != nil {
		return exportInput{}, nil, err
	}
	org, err := c.organization(ctx, o.organization)
	if err != nil {
		return exportInput{}, nil, err
	}
	existing, err := c.departments(ctx)
	if err != nil {
		return exportInput{}, nil, err
	}
	departments, err := o.remote.connect(ctx, c, org)
	if err != nil {
		return exportInput{}, nil, err
	}
	return exportInput{
		provider: provider.Of(org), organization: org.Name, namespace: org.Namespace,
		existing: existing, unmanagedOnly: o.unmanagedOnly,
	}, departments, nil
}

// gatherExplicit connects with the credentials file to the chart the flags name.
func (o *exportOptions) gatherExplicit(ctx context.Context) (exportInput, provider.Departments, error) {
	// -n needs no kubeconfig: the chart may have no cluster yet.
	namespace := ""
	if o.configFlags.Namespace != nil {
		namespace = *o.configFlags.Namespace
	}
	if namespace == "" {
		var err error
		if namespace, _, err = o.configFlags.ToRawKubeConfigLoader().Namespace(); err != nil {
			return exportInput{}, nil, err
		}
	}
	org := &v1alpha1.Organization{
		ObjectMeta: metav1.ObjectMeta{Name: o.organization, Namespace: namespace},
		// The connectors name the credentials' Secret in their errors: here, the file.
		Spec: v1alpha1.OrganizationSpec{Provider: v1alpha1.Provider(o.provider),
			CredentialsSecretRef: v1alpha1.LocalObjectReference{Name: filepath.Base(o.credentialsFile)}},
	}
	switch org.Spec.Provider {
	case v1alpha1.ProviderNCP:
		if o.companyID == "" {
			return exportInput{}, nil, errors.New("--credentials-file with --provider ncp needs --company-id")
		}
		org.Spec.Site = v1alpha1.Site(o.site)
		org.Spec.Workplace.CompanyID = o.companyID
	case v1alpha1.ProviderHuaweiCloud:
		if o.oneAccessDomain == "" {
			return exportInput{}, nil, errors.New("--credentials-file with --provider huaweicloud needs --oneaccess-domain")
		}
		org.Spec.HuaweiCloud = &v1alpha1.HuaweiCloudSpec{OneAccessDomain: o.oneAccessDomain, OrganizationsEndpoint: o.organizationsEndpoint}
	default:
		return exportInput{}, nil, fmt.Errorf("--provider must be %s or %s, not %q", v1alpha1.ProviderNCP, v1alpha1.ProviderHuaweiCloud, o.provider)
	}
	credentials, err := readCredentialsFile(o.credentialsFile)
	if err != nil {
		return exportInput{}, nil, err
	}
	in := exportInput{provider: org.Spec.Provider, organization: org.Name, namespace: namespace, unmanagedOnly: o.unmanagedOnly}
	if o.unmanagedOnly {
		c, err := o.connect()
		if err != nil {
			return exportInput{}, nil, err
		}
		if in.existing, err = c.departments(ctx); err != nil {
			return exportInput{}, nil, err
		}
	}
	departments, err := o.remote.connectWith(ctx, org, credentials, "credentials file "+o.credentialsFile)
	if err != nil {
		return exportInput{}, nil, err
	}
	return in, departments, nil
}

// readCredentialsFile reads a Secret manifest (data or stringData) or KEY=VALUE lines (blank
// lines and # comments skipped, as kubectl create secret --from-env-file reads them). Its errors
// name the file and a line, never a value.
func readCredentialsFile(path string) (map[string][]byte, error) {
	raw, err := os.ReadFile(path) //nolint:gosec // G304: the user names the file to read
	if err != nil {
		return nil, fmt.Errorf("reading the credentials file: %w", err)
	}
	var secret corev1.Secret
	if yaml.Unmarshal(raw, &secret) == nil && secret.Kind == "Secret" {
		data := map[string][]byte{}
		for k, v := range secret.Data {
			data[k] = v
		}
		for k, v := range secret.StringData {
			data[k] = []byte(v)
		}
		return data, nil
	}
	data := map[string][]byte{}
	scanner := bufio.NewScanner(bytes.NewReader(raw))
	for line := 1; scanner.Scan(); line++ {
		text := strings.TrimSpace(scanner.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		key, value, ok := strings.Cut(text, "=")
		if !ok || strings.TrimSpace(key) == "" {
			return nil, fmt.Errorf("credentials file %s, line %d: neither KEY=VALUE nor a Secret manifest", path, line)
		}
		data[strings.TrimSpace(key)] = []byte(value)
	}
	if err := scanner.Err(); err != nil {
		return nil, fmt.Errorf("reading the credentials file %s: %w", path, err)
	}
	if len(data) == 0 {
		return nil, fmt.Errorf("credentials file %s holds no credentials", path)
	}
	return data, nil
}
