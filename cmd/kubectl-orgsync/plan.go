package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

// exitChanges is plan's exit code when applying the manifests would change something
// (terraform plan -detailed-exitcode).
const exitChanges = 2

// planOptions are the flags of `kubectl orgsync plan`.
type planOptions struct {
	*globalOptions
	sources manifestSources
	remote  remoteOptions
	output  string
	prune   bool
}

func newPlanCommand(g *globalOptions) *cobra.Command {
	o := &planOptions{globalOptions: g}
	cmd := &cobra.Command{
		Use:   "plan -f FILENAME|DIRECTORY|- | -k DIRECTORY",
		Short: "Print the remote changes applying Department manifests would cause, in the order orgsync would make them",
		Long: `Print the remote changes that applying Department manifests would cause, in the order orgsync
would make them, without changing anything.

The manifests are the desired Departments of every Organization they name (spec.organizationRef,
in the manifest's namespace or the one -n or the kubeconfig gives; with -n, a manifest of another
namespace is an error, as kubectl apply -n makes it). plan reads those
Organizations and their Departments from the cluster, lists each Organization's remote chart
with its credentials Secret (read with your own permissions, as orgsync's manager would), and
asks the manager's own decisions what it would write:

  + create   a remote department, parents before children, with the fields it sets
  ~ update   fields of an existing remote department, each with its old and new value
             ("adopts" when the Department has not synced before: it takes the existing
             remote department over)
  > move     an update that changes parentExternalKey (after the create of a new parent)
  - delete   a remote department, children before parents; "held" when the Organization's
             deletion budget (spec.deletionBudget, default 20 per hour; status.deletions and
             the orgsync.dev/approve-deletions annotation count) would hold it, or when a
             sub-department's delete is held. As the manager's workers do with
             Departments deleted together, every delete with no sub-department left goes
             first, then their parents, wave after wave; when one wave exceeds the budget,
             which of it are held is the workers' order (plan takes deepest first, then
             by key).
  ! release  a Department that goes while its remote department stays (deletionPolicy
             Orphan, managementPolicy Observe, or an Organization deleted with Orphan)
  x cannot   a change the remote system offers no way to make (OneAccess cannot move a
             unit to the top level), with what to do instead: the manager sends nothing
             and reports UnsupportedChange; plan exits 1

Semantics, as Argo CD and terraform users expect:
- The cluster's Departments of those Organizations that the manifests lack are deletions
  (pruned), unless --prune=false, which leaves them as they are.
- Remote departments no Department covers are left alone and only counted (unmanaged), unless a
  manifest claims their key: then it is an update if the values differ (adopt), and nothing but
  an adoption if they match.
- managementPolicy Observe (on the Department or its Organization) writes nothing; the
  annotation orgsync.dev/paused (on either) stops every remote call: such Departments are listed
  as waiting, with the reason the manager would report, as are those waiting for a parent that
  will not exist, blocked deletes, conflicts with Departments left in the cluster, and values
  the remote system refused for the current spec (InvalidSpec: not sent again until it changes),
  or accepted and did not apply (NotApplied: not sent again until the spec or the remote
  department changes).
- A manifest's spec is the whole desired spec; its labels and annotations are merged with the
  object's (those the last apply set, recorded in last-applied-configuration or owned by a
  server-side apply, and the manifest drops go).

Each manifest is checked by the API server with a server-side dry-run create or update (as
kubectl diff does: the CRD's schema and CEL rules, immutable fields included), so plan needs
the permissions an apply needs. Manifests that are not Departments, fail validation, claim one
external key twice, form a parentExternalKey cycle or name an Organization that does not
exist are errors, as are refused credentials.

Exit codes, as terraform plan -detailed-exitcode: 0 when nothing would change, 2 when something
would (held deletes and releases included), 1 on an error, printed to standard error as
"error: ...", and when a change cannot be made (x, printed with the plan). On a terminal the changes are coloured (--color), and a listing of more than a
few pages shows its progress on standard error. -o json prints the plan for CI bots; its fields are documented in docs/plugin.md
(formatVersion 1). -o markdown writes a pull-request comment: the counts, deletes and moves
first, held deletes and what releases them, a Mermaid diagram of the part of the chart the plan
touches, and the whole plan folded; -o mermaid and -o dot draw that part alone (creates green,
renames blue, moves purple with their old parent dashed, deletes red and dashed). The exit
codes are the same in every format.`,
		Example: `  # What applying a folder of Department manifests would change
  kubectl orgsync plan -f departments/

  # A kustomization (a directory given with -f that holds kustomization.yaml is built too)
  kubectl orgsync plan -k overlays/production

  # From standard input, without deleting the Departments the manifests lack
  kustomize build . | kubectl orgsync plan -f - --prune=false

  # In CI: fail on errors, comment the plan on the pull request when something would change
  kubectl orgsync plan -k deploy -o markdown > plan.md; test $? -ne 1

  # Against a local fake NCP (bin/fakencp), as the manager is pointed at it
  kubectl orgsync plan -f departments/ --ncp-workplace-endpoint http://127.0.0.1:18080 --allow-insecure-endpoints`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			code, err := o.run(cmd.Context())
			if err == nil && code != exitOK {
				err = exitCode(code)
			}
			return err
		},
	}
	fs := cmd.Flags()
	fs.StringSliceVarP(&o.sources.filenames, "filename", "f", nil, "Files, directories (a directory with a kustomization.yaml is built with kustomize), URLs, or - for standard input, holding Department manifests")
	fs.StringSliceVarP(&o.sources.kustomize, "kustomize", "k", nil, "Directories of kustomizations to build")
	fs.BoolVarP(&o.sources.recursive, "recursive", "R", false, "Read the directories given with -f recursively")
	fs.BoolVar(&o.prune, "prune", true, "Plan the deletion of the named Organizations' Departments that the manifests lack")
	fs.StringVarP(&o.output, "output", "o", outputText, "Output format: json, markdown (a pull-request comment), mermaid or dot (the part of the chart the plan touches); default: text")
	o.remote.addFlags(fs)
	return cmd
}

// run plans and prints, and returns plan's exit code (exitOK or exitChanges) or an error.
func (o *planOptions) run(ctx context.Context) (int, error) {
	if !slices.Contains(planOutputs, o.output) {
		return exitError, fmt.Errorf("--output must be json, markdown, mermaid or dot, not %q", o.output)
	}
	colors, err := colorFor(o.color, o.streams.Out)
	if err != nil {
		return exitError, err
	}
	if len(o.sources.filenames) == 0 && len(o.sources.kustomize) == 0 {
		return exitError, errors.New("no manifests: give them with -f FILENAME|DIRECTORY|- or -k DIRECTORY")
	}
	if err := o.remote.validate(); err != nil {
		return exitError, err
	}
	c, err := o.connect()
	if err != nil {
		return exitError, err
	}
	// -n given: manifests in another namespace are refused, as kubectl apply -n refuses them.
	if _, explicit, err := o.configFlags.ToRawKubeConfigLoader().Namespace(); err == nil {
		o.sources.enforceNamespace = explicit
	}
	manifests, err := loadManifests(o.sources, o.streams.In, c.namespace)
	if err != nil {
		return exitError, err
	}
	if err := checkKeys(manifests); err != nil {
		return exitError, err
	}
	dryRun, err := o.dryRunClient()
	if err != nil {
		return exitError, err
	}
	plans, err := o.plan(ctx, c, dryRun, manifests)
	if err != nil {
		return exitError, err
	}
	if err := renderPlan(o.streams.Out, o.streams.ErrOut, plans, o.output, colors); err != nil {
		return exitError, err
	}
	if unsupported := unsupportedChanges(plans); len(unsupported) > 0 {
		// The plan is printed, and the apply would not converge: an error, as a manifest the
		// remote system refuses outright is.
		return exitError, fmt.Errorf("%s the manifests ask for cannot be made (the remote system offers no way to make %s): %s",
			count(len(unsupported), "change"), pronounFor(len(unsupported)), strings.Join(unsupported, "; "))
	}
	if hasChanges(plans) {
		return exitChanges, nil
	}
	return exitOK, nil
}

func pronounFor(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}

// orgRef names an Organization the manifests name.
type orgRef struct{ namespace, name string }

// plan computes the plan of every Organization the manifests name.
func (o *planOptions) plan(ctx context.Context, c *cluster, dryRun client.Client, manifests []manifest) ([]organizationPlan, error) {
	inputs, err := o.planInputs(ctx, c, dryRun, manifests)
	if err != nil {
		return nil, err
	}
	plans := make([]organizationPlan, 0, len(inputs))
	for _, in := range inputs {
		if err := o.listRemote(ctx, c, &in); err != nil {
			return nil, err
		}
		plans = append(plans, planOrganization(in))
	}
	return plans, nil
}

// planInputs groups the manifests by the Organization they name and reads, for each, what its
// plan is computed from, but its remote chart. Every manifest and Organization the cluster
// refuses is reported, together; a failure to list Departments ends it at once.
func (o *planOptions) planInputs(ctx context.Context, c *cluster, dryRun client.Client, manifests []manifest) ([]planInput, error) {
	byOrg := map[orgRef][]manifest{}
	for _, m := range manifests {
		ref := orgRef{m.dept.Namespace, m.dept.Spec.OrganizationRef.Name}
		byOrg[ref] = append(byOrg[ref], m)
	}
	refs := slices.SortedFunc(maps.Keys(byOrg), func(a, b orgRef) int {
		return cmp.Or(strings.Compare(a.namespace, b.namespace), strings.Compare(a.name, b.name))
	})
	inputs := make([]planInput, 0, len(refs))
	var errs []error
	clusterDepts := map[string][]v1alpha1.Department{}
	for _, ref := range refs {
		all, ok := clusterDepts[ref.namespace]
		if !ok {
			var err error
			if all, err = listDepartments(ctx, c, ref.namespace); err != nil {
				return nil, err
			}
			clusterDepts[ref.namespace] = all
		}
		in, err := o.planInput(ctx, c, dryRun, ref, byOrg[ref], all)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		inputs = append(inputs, in)
	}
	if len(errs) > 0 {
		return nil, joinErrors(errs)
	}
	return inputs, nil
}

// planInput reads what the plan of the Organization ref is computed from, but its remote chart:
// the manifests ms as the API server would store them, the Organization, and all, the
// Departments of its namespace. The Departments after the apply must form no cycle.
func (o *planOptions) planInput(ctx context.Context, c *cluster, dryRun client.Client, ref orgRef, ms []manifest, all []v1alpha1.Department) (planInput, error) {
	// The API server judges the manifests first, so that a manifest without
	// spec.organizationRef is named with its file and field rather than looked up as an
	// Organization without a name.
	desired, err := dryRunApply(ctx, dryRun, ms, all)
	if err != nil {
		return planInput{}, err
	}
	org, err := getOrganization(ctx, c, ref, ms)
	if err != nil {
		return planInput{}, err
	}
	in := planInput{org: org, prune: o.prune, now: time.Now(), desired: desired}
	for _, d := range all {
		if d.Spec.OrganizationRef.Name == ref.name {
			in.cluster = append(in.cluster, d)
		}
	}
	sources := map[string]string{}
	for _, m := range ms {
		sources[m.dept.Name] = m.source
	}
	var live []v1alpha1.Department
	for _, d := range afterApply(in) {
		if d.DeletionTimestamp.IsZero() {
			live = append(live, d)
		}
	}
	if err := checkCycles(live, sources); err != nil {
		return planInput{}, err
	}
	return in, nil
}

// listRemote lists the remote chart of in's Organization into in, with its provider's Diff and
// Unsupported. On a terminal, a listing of more than a few pages shows its progress (as export's).
func (o *planOptions) listRemote(ctx context.Context, c *cluster, in *planInput) error {
	prog := newProgress(o.streams.ErrOut)
	if prog.on {
		o.remote.wrapTransport = prog.transport
	}
	departments, err := o.remote.connect(ctx, c, in.org)
	if err != nil {
		return err
	}
	remote, err := departments.List(ctx)
	if err != nil {
		prog.clear()
		return err
	}
	prog.done(len(remote))
	in.remote, in.diff, in.unsupported = remote, departments.Diff, departments.Unsupported
	return nil
}

// getOrganization reads the Organization ref names, or says which manifests name it when it does
// not exist.
func getOrganization(ctx context.Context, c *cluster, ref orgRef, ms []manifest) (*v1alpha1.Organization, error) {
	if ref.name == "" {
		return nil, fmt.Errorf("%s: spec.organizationRef.name is required", ms[0].what())
	}
	org := &v1alpha1.Organization{}
	err := c.client.Get(ctx, client.ObjectKey{Namespace: ref.namespace, Name: ref.name}, org)
	if err == nil {
		return org, nil
	}
	if !apierrors.IsNotFound(err) {
		return nil, explain(err)
	}
	named := ms[0].what()
	if len(ms) > 1 {
		named += fmt.Sprintf(" and %d more", len(ms)-1)
	}
	return nil, fmt.Errorf("no Organization %q in namespace %q (named by %s)", ref.name, ref.namespace, named)
}

// listDepartments lists a namespace's Departments.
func listDepartments(ctx context.Context, c *cluster, namespace string) ([]v1alpha1.Department, error) {
	var list v1alpha1.DepartmentList
	if err := c.client.List(ctx, &list, client.InNamespace(namespace)); err != nil {
		return nil, explain(err)
	}
	return list.Items, nil
}

// dryRunApply sends each manifest to the API server as a server-side dry-run (a create for a new
// Department, an update of the existing object's spec otherwise), so that the CRD's schema and
// CEL rules, immutable fields included, judge it, and returns the Departments as the server would
// store them (defaults filled in, the generation a spec change gives). Every refusal is
// returned, each naming its file.
func dryRunApply(ctx context.Context, c client.Client, ms []manifest, existing []v1alpha1.Department) ([]v1alpha1.Department, error) {
	byName := map[string]*v1alpha1.Department{}
	for i := range existing {
		byName[existing[i].Name] = &existing[i]
	}
	out := make([]v1alpha1.Department, len(ms))
	errs := make([]error, len(ms))
	var wg sync.WaitGroup
	work := make(chan int)
	for range min(8, len(ms)) {
		wg.Go(func() {
			for i := range work {
				out[i], errs[i] = dryRunOne(ctx, c, &ms[i], byName[ms[i].dept.Name])
			}
		})
	}
	for i := range ms {
		work <- i
	}
	close(work)
	wg.Wait()
	var failed []error
	for _, err := range errs {
		if err != nil {
			failed = append(failed, err)
		}
	}
	if len(failed) > 0 {
		return nil, joinErrors(failed)
	}
	return out, nil
}

func dryRunOne(ctx context.Context, c client.Client, m *manifest, existing *v1alpha1.Department) (v1alpha1.Department, error) {
	var obj *v1alpha1.Department
	var err error
	for attempt := 0; ; attempt++ {
		obj, err = dryRunAttempt(ctx, c, m, existing)
		if !apierrors.IsConflict(err) || attempt == 4 {
			break
		}
		// The manager wrote the object's status meanwhile: dry-run against the latest.
		latest := &v1alpha1.Department{}
		if err := c.Get(ctx, client.ObjectKeyFromObject(existing), latest); err != nil {
			return v1alpha1.Department{}, fmt.Errorf("%s: %w", m.what(), explain(err))
		}
		existing = latest
	}
	if err != nil {
		var status apierrors.APIStatus
		if errors.As(err, &status) && apierrors.IsInvalid(err) {
			return v1alpha1.Department{}, fmt.Errorf("%s is invalid: %s", m.what(), invalidCauses(status))
		}
		return v1alpha1.Department{}, fmt.Errorf("%s: the API server's dry run refused it: %w", m.what(), explain(err))
	}
	if obj.CreationTimestamp.IsZero() {
		obj.CreationTimestamp.Time = time.Now()
	}
	return *obj, nil
}

// dryRunAttempt sends one dry run: a create for a new Department, an update of the existing
// object's spec, labels and annotations otherwise.
func dryRunAttempt(ctx context.Context, c client.Client, m *manifest, existing *v1alpha1.Department) (*v1alpha1.Department, error) {
	if existing == nil {
		obj := m.dept.DeepCopy()
		obj.ResourceVersion, obj.UID = "", ""
		return obj, c.Create(ctx, obj, client.DryRunAll, client.FieldOwner("kubectl-orgsync-plan"))
	}
	obj := existing.DeepCopy()
	obj.Spec = *m.dept.Spec.DeepCopy()
	obj.Labels = mergeMetadata(existing.Labels, m.dept.Labels, appliedKeys(existing, "labels"))
	obj.Annotations = mergeMetadata(existing.Annotations, m.dept.Annotations, appliedKeys(existing, "annotations"))
	if unchanged(existing, obj) {
		// The apply changes nothing the server would judge again: no request.
		return obj, nil
	}
	if err := c.Update(ctx, obj, client.DryRunAll, client.FieldOwner("kubectl-orgsync-plan")); err != nil {
		return nil, err
	}
	obj.Status = existing.Status // an update does not change the status
	return obj, nil
}

// unchanged reports whether applying obj over existing would change nothing: the same spec once
// the CRD's defaults are filled in, and the same labels and annotations.
func unchanged(existing, obj *v1alpha1.Department) bool {
	spec := obj.Spec
	spec.DeletionPolicy = cmp.Or(spec.DeletionPolicy, v1alpha1.DeletionPolicyDelete)
	spec.ManagementPolicy = cmp.Or(spec.ManagementPolicy, v1alpha1.ManagementPolicyManage)
	if !equality.Semantic.DeepEqual(spec, existing.Spec) || !maps.Equal(obj.Labels, existing.Labels) || !maps.Equal(obj.Annotations, existing.Annotations) {
		return false
	}
	obj.Spec = spec
	return true
}

// dryRunClient is a client for the dry runs: one request per changed manifest, so a rate above
// client-go's default of 5 per second (the API server's priority and fairness still applies).
func (o *planOptions) dryRunClient() (client.Client, error) {
	config, scheme, err := o.restConfig()
	if err != nil {
		return nil, err
	}
	config.QPS, config.Burst = 50, 100
	return client.New(config, client.Options{Scheme: scheme})
}

// invalidCauses lists an Invalid answer's fields and messages.
func invalidCauses(status apierrors.APIStatus) string {
	s := status.Status()
	if s.Details == nil || len(s.Details.Causes) == 0 {
		return s.Message
	}
	causes := make([]string, 0, len(s.Details.Causes))
	for _, c := range s.Details.Causes {
		if c.Field != "" {
			causes = append(causes, c.Field+": "+c.Message)
		} else {
			causes = append(causes, c.Message)
		}
	}
	return strings.Join(causes, "; ")
}

// lastAppliedAnnotation is where kubectl apply records what it applied.
const lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

// appliedKeys returns the keys of metadata.<field> (labels or annotations) that applying a
// manifest without them removes: those of the configuration kubectl apply recorded on obj
// (client-side apply), and those a server-side apply owns (managedFields of operation Apply:
// Flux, Argo CD with ServerSideApply, kubectl apply --server-side), which the next apply of the
// same manifests removes when they drop them.
func appliedKeys(obj *v1alpha1.Department, field string) map[string]bool {
	keys := map[string]bool{}
	if raw := obj.Annotations[lastAppliedAnnotation]; raw != "" {
		var applied struct {
			Metadata map[string]json.RawMessage `json:"metadata"`
		}
		var values map[string]string
		if json.Unmarshal([]byte(raw), &applied) == nil && json.Unmarshal(applied.Metadata[field], &values) == nil {
			for k := range values {
				keys[k] = true
			}
		}
	}
	for _, mf := range obj.ManagedFields {
		if mf.Operation != metav1.ManagedFieldsOperationApply || mf.FieldsV1 == nil {
			continue
		}
		var fields struct {
			Metadata map[string]json.RawMessage `json:"f:metadata"`
		}
		var owned map[string]json.RawMessage
		if json.Unmarshal(mf.FieldsV1.GetRawBytes(), &fields) != nil || json.Unmarshal(fields.Metadata["f:"+field], &owned) != nil {
			continue
		}
		for k := range owned {
			if name, ok := strings.CutPrefix(k, "f:"); ok {
				keys[name] = true
			}
		}
	}
	return keys
}

// mergeMetadata is the labels or annotations an apply leaves: the object's, without those the
// last apply set (appliedKeys) and the manifest drops, with the manifest's.
func mergeMetadata(current, manifest map[string]string, lastApplied map[string]bool) map[string]string {
	out := map[string]string{}
	for k, v := range current {
		if _, kept := manifest[k]; lastApplied[k] && !kept {
			continue
		}
		out[k] = v
	}
	maps.Copy(out, manifest)
	if len(out) == 0 {
		return nil
	}
	return out
}
