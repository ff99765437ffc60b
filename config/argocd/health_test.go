package argocd

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

// statusForReason is what Argo CD must show for Ready=False with each reason the API declares.
// TestEveryReasonIsClassified fails when api/v1alpha1 gains a reason missing here.
var statusForReason = map[string]string{
	v1alpha1.ReasonWaitingForOrganization: StatusProgressing,
	v1alpha1.ReasonWaitingForParent:       StatusProgressing,
	v1alpha1.ReasonDeleting:               StatusProgressing,
	v1alpha1.ReasonDeletionPending:        StatusProgressing,
	v1alpha1.ReasonDeletionBlocked:        StatusProgressing,
	v1alpha1.ReasonRemoteError:            StatusProgressing,
	v1alpha1.ReasonParentCycle:            StatusDegraded,
	v1alpha1.ReasonConflict:               StatusDegraded,
	v1alpha1.ReasonCredentialsInvalid:     StatusDegraded,
	v1alpha1.ReasonInvalidSpec:            StatusDegraded,
	v1alpha1.ReasonUnsupportedChange:      StatusDegraded,
	v1alpha1.ReasonNotApplied:             StatusDegraded,
	v1alpha1.ReasonDrifted:                StatusDegraded,
	v1alpha1.ReasonPaused:                 StatusSuspended,
	v1alpha1.ReasonDeletionBudgetExceeded: StatusSuspended,
	// Synced only ever comes with Ready=True; False with it is not a state the controller writes,
	// but must not pass for healthy.
	v1alpha1.ReasonSynced: StatusDegraded,
}

var lastSync = metav1.NewTime(time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC))

func department(generation int64, status *v1alpha1.DepartmentStatus) *v1alpha1.Department {
	d := &v1alpha1.Department{
		TypeMeta: metav1.TypeMeta{APIVersion: v1alpha1.GroupVersion.String(), Kind: "Department"},
		ObjectMeta: metav1.ObjectMeta{
			Name: "platform-team", Namespace: "acme", Generation: generation,
			UID: "9f0d6a4e-52a1-4c1e-8f57-0a1b2c3d4e5f", ResourceVersion: "4711",
			CreationTimestamp: metav1.NewTime(lastSync.Add(-time.Hour)),
			Finalizers:        []string{"orgsync.dev/finalizer"},
			Labels:            map[string]string{"app.kubernetes.io/part-of": "acme-org-chart"},
		},
		Spec: v1alpha1.DepartmentSpec{
			OrganizationRef:   v1alpha1.LocalObjectReference{Name: "acme"},
			Name:              "플랫폼팀",
			I18nNames:         map[string]v1alpha1.LocalizedName{"en_US": "Platform Team", "ko_KR": "플랫폼팀"},
			ParentExternalKey: "engineering",
			DisplayOrder:      "2",
			DeletionPolicy:    v1alpha1.DeletionPolicyDelete,
			ManagementPolicy:  v1alpha1.ManagementPolicyManage,
		},
	}
	if status != nil {
		d.Status = *status
	}
	return d
}

func ready(status metav1.ConditionStatus, reason, message string, observedGeneration int64) []metav1.Condition {
	return []metav1.Condition{{
		Type: v1alpha1.ConditionReady, Status: status, Reason: reason, Message: message,
		ObservedGeneration: observedGeneration, LastTransitionTime: lastSync,
	}}
}

// asArgoCDSees gives obj in both shapes Health meets: from the runtime converter (int64 numbers,
// as the envtest suite passes objects) and from JSON (float64 numbers, as Argo CD decodes them).
func asArgoCDSees(t *testing.T, obj runtime.Object) map[string]map[string]any {
	t.Helper()
	converted, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	var decoded map[string]any
	if err := json.Unmarshal(data, &decoded); err != nil {
		t.Fatal(err)
	}
	return map[string]map[string]any{"unstructured": converted, "json": decoded}
}

func TestHealth(t *testing.T) {
	for _, tc := range []struct {
		name        string
		obj         runtime.Object
		wantStatus  string
		wantMessage string
	}{
		{
			name:        "a Department the controller has not seen yet",
			obj:         department(1, nil),
			wantStatus:  StatusProgressing,
			wantMessage: "Waiting for the orgsync controller to report status",
		},
		{
			name: "a synced Department",
			obj: department(3, &v1alpha1.DepartmentStatus{
				ExternalKey: "platform-team", ParentExternalKey: "engineering", LastSyncTime: &lastSync,
				ObservedGeneration: 3,
				Conditions:         ready(metav1.ConditionTrue, v1alpha1.ReasonSynced, `WORKPLACE department "platform-team" matches the spec`, 3),
			}),
			wantStatus:  StatusHealthy,
			wantMessage: `WORKPLACE department "platform-team" matches the spec`,
		},
		{
			name: "a Ready Department whose spec just changed",
			obj: department(4, &v1alpha1.DepartmentStatus{
				ExternalKey: "platform-team", LastSyncTime: &lastSync, ObservedGeneration: 3,
				Conditions: ready(metav1.ConditionTrue, v1alpha1.ReasonSynced, "synced", 3),
			}),
			wantStatus:  StatusProgressing,
			wantMessage: "Waiting for the orgsync controller to observe generation 4",
		},
		{
			name: "a throttled reconcile kept the previous generation's Ready condition",
			obj: department(4, &v1alpha1.DepartmentStatus{
				ExternalKey: "platform-team", ObservedGeneration: 4,
				Conditions: ready(metav1.ConditionTrue, v1alpha1.ReasonSynced, "synced", 3),
			}),
			wantStatus:  StatusProgressing,
			wantMessage: "Waiting for the orgsync controller to observe generation 4",
		},
		{
			name: "a status without conditions",
			obj: department(1, &v1alpha1.DepartmentStatus{
				ExternalKey: "platform-team", ObservedGeneration: 1,
			}),
			wantStatus:  StatusProgressing,
			wantMessage: "Waiting for the Ready condition",
		},
		{
			name: "waiting for its parent",
			obj: department(1, &v1alpha1.DepartmentStatus{
				ObservedGeneration: 1,
				Conditions:         ready(metav1.ConditionFalse, v1alpha1.ReasonWaitingForParent, `parent department "engineering" does not exist remotely yet`, 1),
			}),
			wantStatus:  StatusProgressing,
			wantMessage: `parent department "engineering" does not exist remotely yet`,
		},
		{
			name: "a parent cycle",
			obj: department(2, &v1alpha1.DepartmentStatus{
				ObservedGeneration: 2,
				Conditions:         ready(metav1.ConditionFalse, v1alpha1.ReasonParentCycle, "parentExternalKey forms a cycle: platform-team -> engineering -> platform-team", 2),
			}),
			wantStatus:  StatusDegraded,
			wantMessage: "parentExternalKey forms a cycle: platform-team -> engineering -> platform-team",
		},
		{
			name: "rejected credentials",
			obj: department(1, &v1alpha1.DepartmentStatus{
				ObservedGeneration: 1,
				Conditions:         ready(metav1.ConditionFalse, v1alpha1.ReasonCredentialsInvalid, `Secret "ncp-credentials" has no key "secretKey"`, 1),
			}),
			wantStatus:  StatusDegraded,
			wantMessage: `Secret "ncp-credentials" has no key "secretKey"`,
		},
		{
			name: "Ready Unknown",
			obj: department(1, &v1alpha1.DepartmentStatus{
				ObservedGeneration: 1,
				Conditions:         ready(metav1.ConditionUnknown, "Reconciling", "", 1),
			}),
			wantStatus:  StatusProgressing,
			wantMessage: "Reconciling",
		},
		{
			name: "Ready False for a reason the script does not know",
			obj: department(1, &v1alpha1.DepartmentStatus{
				ObservedGeneration: 1,
				Conditions:         ready(metav1.ConditionFalse, "QuotaExceeded", "WORKPLACE allows no more departments", 1),
			}),
			wantStatus:  StatusDegraded,
			wantMessage: "WORKPLACE allows no more departments",
		},
		{
			name: "other conditions beside Ready",
			obj: department(1, &v1alpha1.DepartmentStatus{
				ObservedGeneration: 1,
				Conditions: append([]metav1.Condition{{
					Type: "Stalled", Status: metav1.ConditionTrue, Reason: "Example", Message: "ignored", LastTransitionTime: lastSync,
				}}, ready(metav1.ConditionTrue, v1alpha1.ReasonSynced, "synced", 1)...),
			}),
			wantStatus:  StatusHealthy,
			wantMessage: "synced",
		},
		{
			name: "a Ready Organization",
			obj: &v1alpha1.Organization{
				TypeMeta:   metav1.TypeMeta{APIVersion: v1alpha1.GroupVersion.String(), Kind: "Organization"},
				ObjectMeta: metav1.ObjectMeta{Name: "acme", Namespace: "acme", Generation: 2},
				Spec: v1alpha1.OrganizationSpec{
					CredentialsSecretRef: v1alpha1.LocalObjectReference{Name: "ncp-credentials"},
					Workplace:            v1alpha1.WorkplaceSpec{CompanyID: "3f0c9a52-7d1e-4b8a-9c3e-1a2b3c4d5e6f"},
				},
				Status: v1alpha1.OrganizationStatus{
					OrganizationNo: "1234", OrganizationName: "ACME", MasterMemberName: "Kim Minji", MemberStatusCode: "NORMAL",
					Departments:        v1alpha1.DepartmentCounts{Total: 15, Ready: 15},
					LastSyncTime:       &lastSync,
					ObservedGeneration: 2,
					Conditions:         ready(metav1.ConditionTrue, v1alpha1.ReasonSynced, "NCP Organization 1234 (ACME); 15 of 15 Departments Ready", 2),
				},
			},
			wantStatus:  StatusHealthy,
			wantMessage: "NCP Organization 1234 (ACME); 15 of 15 Departments Ready",
		},
		{
			name: "an Organization waiting for its Departments to go",
			obj: &v1alpha1.Organization{
				TypeMeta:   metav1.TypeMeta{APIVersion: v1alpha1.GroupVersion.String(), Kind: "Organization"},
				ObjectMeta: metav1.ObjectMeta{Name: "acme", Namespace: "acme", Generation: 1, DeletionTimestamp: &lastSync},
				Status: v1alpha1.OrganizationStatus{
					ObservedGeneration: 1,
					Conditions:         ready(metav1.ConditionFalse, v1alpha1.ReasonDeleting, "waiting for 2 Departments to be deleted: platform-team, engineering", 1),
				},
			},
			wantStatus:  StatusProgressing,
			wantMessage: "waiting for 2 Departments to be deleted: platform-team, engineering",
		},
	} {
		for shape, obj := range asArgoCDSees(t, tc.obj) {
			t.Run(tc.name+"/"+shape, func(t *testing.T) {
				status, message, err := Health(obj)
				if err != nil {
					t.Fatalf("Health: %v", err)
				}
				if status != tc.wantStatus || message != tc.wantMessage {
					t.Errorf("Health = %s %q, want %s %q", status, message, tc.wantStatus, tc.wantMessage)
				}
			})
		}
	}
}

func TestEveryReasonIsClassified(t *testing.T) {
	reasons := declaredReasons(t)
	if len(reasons) == 0 {
		t.Fatal("found no Reason constants in api/v1alpha1")
	}
	for name, reason := range reasons {
		want, ok := statusForReason[reason]
		if !ok {
			t.Errorf("api/v1alpha1 declares %s = %q, which health.lua and statusForReason do not classify", name, reason)
			continue
		}
		message := "the controller's message for " + reason
		obj := department(1, &v1alpha1.DepartmentStatus{
			ObservedGeneration: 1,
			Conditions:         ready(metav1.ConditionFalse, reason, message, 1),
		})
		for shape, u := range asArgoCDSees(t, obj) {
			status, got, err := Health(u)
			if err != nil {
				t.Fatalf("%s (%s): %v", reason, shape, err)
			}
			if status != want || got != message {
				t.Errorf("Ready=False %s (%s) = %s %q, want %s %q", reason, shape, status, got, want, message)
			}
		}
	}
}

// declaredReasons reads the Reason* constants of api/v1alpha1 from source, since Go cannot list
// a package's constants at run time.
func declaredReasons(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob("../../api/v1alpha1/*.go")
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string]string{}
	fset := token.NewFileSet()
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		constReasons(t, f, reasons)
	}
	return reasons
}

// constReasons adds to reasons the Reason* string constants f declares, by name.
func constReasons(t *testing.T, f *ast.File, reasons map[string]string) {
	t.Helper()
	for _, decl := range f.Decls {
		gen, ok := decl.(*ast.GenDecl)
		if !ok || gen.Tok != token.CONST {
			continue
		}
		for _, spec := range gen.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if !strings.HasPrefix(name.Name, "Reason") || i >= len(vs.Values) {
					continue
				}
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					continue
				}
				value, err := strconv.Unquote(lit.Value)
				if err != nil {
					t.Fatal(err)
				}
				reasons[name.Name] = value
			}
		}
	}
}

func TestHealthBehavesLikeArgoCD(t *testing.T) {
	t.Run("the script gets no string or math library", func(t *testing.T) {
		for _, script := range []string{`return { status = string.upper("healthy") }`, `return { status = math.floor(1) }`} {
			if _, _, err := run(script, map[string]any{}); err == nil {
				t.Errorf("%s ran; Argo CD would fail it", script)
			}
		}
	})
	t.Run("an unknown status becomes Unknown", func(t *testing.T) {
		status, message, err := run(`return { status = "Fine", message = "all good" }`, map[string]any{})
		if err != nil || status != StatusUnknown || message != invalidHealthStatus {
			t.Errorf("got %s %q %v, want %s %q", status, message, err, StatusUnknown, invalidHealthStatus)
		}
	})
	t.Run("a script must return a table", func(t *testing.T) {
		if _, _, err := run(`return "Healthy"`, map[string]any{}); err == nil {
			t.Error("a string result was accepted")
		}
	})
	t.Run("a script that does not end is stopped", func(t *testing.T) {
		start := time.Now()
		if _, _, err := run(`while true do end`, map[string]any{}); err == nil {
			t.Error("an endless script returned no error")
		}
		if elapsed := time.Since(start); elapsed > 10*time.Second {
			t.Errorf("stopped after %s", elapsed)
		}
	})
	t.Run("values that are not JSON-like are refused", func(t *testing.T) {
		if _, _, err := Health(map[string]any{"status": map[string]any{"lastSyncTime": lastSync}}); err == nil {
			t.Error("a metav1.Time inside the object was accepted")
		}
	})
	t.Run("arrays are 1-based tables", func(t *testing.T) {
		status, message, err := run(`return { status = "Healthy", message = obj.items[1] .. obj.items[2] .. #obj.items }`,
			map[string]any{"items": []any{"a", "b"}})
		if err != nil || status != StatusHealthy || message != "ab2" {
			t.Errorf("got %s %q %v", status, message, err)
		}
	})
}

func TestStatusAbsentAsTheAPIServerReturnsIt(t *testing.T) {
	// A Department right after `kubectl apply`, before the controller wrote any status.
	var obj map[string]any
	if err := json.Unmarshal([]byte(`{
		"apiVersion": "orgsync.dev/v1alpha1", "kind": "Department",
		"metadata": {"name": "sales", "namespace": "acme", "generation": 1, "resourceVersion": "812"},
		"spec": {"organizationRef": {"name": "acme"}, "name": "영업팀", "displayOrder": "1",
			"deletionPolicy": "Delete", "managementPolicy": "Manage"}
	}`), &obj); err != nil {
		t.Fatal(err)
	}
	status, message, err := Health(obj)
	if err != nil || status != StatusProgressing || message != "Waiting for the orgsync controller to report status" {
		t.Errorf("Health = %s %q %v, want Progressing", status, message, err)
	}
}

func TestArgoCDConfigMapPatchCarriesTheScript(t *testing.T) {
	data, err := os.ReadFile("argocd-cm-patch.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cm corev1.ConfigMap
	if err := yaml.UnmarshalStrict(data, &cm); err != nil {
		t.Fatalf("argocd-cm-patch.yaml: %v", err)
	}
	if cm.Name != "argocd-cm" || cm.Namespace != "argocd" {
		t.Errorf("patch targets %s/%s, want argocd/argocd-cm", cm.Namespace, cm.Name)
	}
	for _, kind := range []string{"Organization", "Department"} {
		key := "resource.customizations.health." + v1alpha1.GroupVersion.Group + "_" + kind
		if got, ok := cm.Data[key]; !ok {
			t.Errorf("argocd-cm-patch.yaml has no %s", key)
		} else if got != Script {
			t.Errorf("%s differs from health.lua; copy health.lua into it", key)
		}
	}
	if len(cm.Data) != 2 {
		t.Errorf("argocd-cm-patch.yaml sets %d keys, want the two health checks", len(cm.Data))
	}
}
