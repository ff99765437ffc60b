{{/* The chart name, or nameOverride. */}}
{{- define "orgsync.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The name every object carries: fullnameOverride, or the release name joined with the chart name. */}}
{{- define "orgsync.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "orgsync.selectorLabels" -}}
app.kubernetes.io/name: {{ include "orgsync.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
control-plane: controller-manager
{{- end }}

{{- define "orgsync.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "orgsync.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: orgsync
{{- end }}

{{- define "orgsync.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "orgsync.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The manager's rules: those of config/rbac/role.yaml, which `make manifests` generates from the
+kubebuilder:rbac markers (chart_test.go fails when the two differ), with list and watch on
Secrets added when credentials.watch is true. The ClusterRole grants them cluster-wide, or the
Role of each namespace in watchNamespaces grants them there. Get on namespaces lets a deleting
Department read whether its namespace is being deleted: in a Role it grants the namespace the Role
is in (a namespace's own request is in that namespace), and no other.
*/}}
{{- define "orgsync.managerRules" -}}
- apiGroups:
  - ""
  resources:
  - namespaces
  verbs:
  - get
- apiGroups:
  - ""
  resources:
  - secrets
  verbs:
  - get
  {{- if .Values.credentials.watch }}
  # --watch-credentials-secrets: a metadata informer of the Secrets labelled
  # orgsync.dev/credentials=true. RBAC cannot grant by label: this lets the manager list and
  # watch every Secret in its scope.
  - list
  - watch
  {{- end }}
- apiGroups:
  - events.k8s.io
  resources:
  - events
  verbs:
  - create
  - patch
- apiGroups:
  - orgsync.dev
  resources:
  - departments
  verbs:
  - delete
  - get
  - list
  - patch
  - update
  - watch
- apiGroups:
  - orgsync.dev
  resources:
  - departments/finalizers
  - organizations/finalizers
  verbs:
  - update
- apiGroups:
  - orgsync.dev
  resources:
  - departments/status
  - organizations/status
  verbs:
  - get
  - patch
  - update
- apiGroups:
  - orgsync.dev
  resources:
  - organizations
  verbs:
  - get
  - list
  - patch
  - update
  - watch
{{ include "orgsync.recordRules" . }}
{{- end }}

{{/*
The manager's own records (RemoteTarget, cluster-scoped): who holds each remote chart, and its
deletion budget. No tenant role grants a verb on them.
*/}}
{{- define "orgsync.recordRules" -}}
- apiGroups:
  - orgsync.dev
  resources:
  - remotetargets
  verbs:
  - create
  - delete
  - get
  - list
  - update
  - watch
{{- end }}
