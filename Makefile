# orgsync — build, generate and test.

GO ?= go
CONTROLLER_GEN ?= $(GO) tool controller-gen
ENVTEST_DIR ?= $(CURDIR)/bin/k8s
# Go packages to test; the envtest suites find the control plane through KUBEBUILDER_ASSETS.
# go test starts the packages in the order given, at most -p (the number of CPUs) at a time: the
# longest come first, so that the controller suite, the long pole, does not wait for a free slot
# behind the others (./... adds the rest, each package once).
TEST_PKGS ?= ./internal/controller ./internal/chaos ./cmd/kubectl-orgsync ./...
TEST_FLAGS ?= -count=1 -timeout=45m

.PHONY: all
all: build

##@ Development

.PHONY: manifests
manifests: ## Generate CRDs into config/crd/bases (and the Helm chart) and RBAC into config/rbac from markers.
	$(CONTROLLER_GEN) rbac:roleName=manager-role crd paths="./..." \
		output:crd:artifacts:config=config/crd/bases output:rbac:artifacts:config=config/rbac
	cp config/crd/bases/*.yaml dist/chart/crds/

.PHONY: generate
generate: ## Generate DeepCopy methods, and the Argo CD health check's reason classes from internal/decision.
	$(CONTROLLER_GEN) object paths="./api/..."
	$(GO) generate ./config/argocd

.PHONY: docs
docs: manifests ## Generate docs/reference/: the flags from the binaries' --help, the CRD fields from config/crd/bases (make test fails when they drift).
	$(GO) run ./hack/docgen

.PHONY: fmt
fmt: ## Run gofmt on the code.
	$(GO) fmt ./...

.PHONY: vet
vet: ## Run go vet.
	$(GO) vet ./...

# GOLANGCI_LINT_VERSION is the golangci-lint `make lint` installs into bin/ when it is missing.
GOLANGCI_LINT_VERSION ?= v2.15.0
GOLANGCI_LINT ?= $(CURDIR)/bin/golangci-lint-$(GOLANGCI_LINT_VERSION)

$(GOLANGCI_LINT):
	mkdir -p bin
	GOBIN=$(CURDIR)/bin/.golangci-lint $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)
	mv bin/.golangci-lint/golangci-lint $@ && rm -rf bin/.golangci-lint

.PHONY: lint
lint: $(GOLANGCI_LINT) ## Run golangci-lint (.golangci.yml), installing it into bin/ first when missing.
	$(GOLANGCI_LINT) run ./...
	cd hack/promcheck && $(GOLANGCI_LINT) run ./...

.PHONY: envtest
envtest: ## Put kube-apiserver, etcd and kubectl into bin/k8s: nothing when present, else setup-envtest's download (seconds, needs the internet), else a build from source (~25 min once); says which.
	bash hack/envtest/envtest.sh $(ENVTEST_DIR)

.PHONY: renderers
renderers: ## Install what the picture tests feed kubectl orgsync's -o dot and -o mermaid to: Graphviz's dot (apt-get graphviz when missing) and Mermaid's parser (npm ci into hack/renderers/node_modules).
	@command -v dot >/dev/null || { echo "renderers: installing graphviz for dot (apt-get)"; apt-get update -qq && apt-get install -y -qq graphviz >/dev/null; }
	@[ hack/renderers/node_modules/.package-lock.json -nt hack/renderers/package-lock.json ] || npm ci --prefix hack/renderers --engine-strict --no-audit --no-fund

.PHONY: test
test: manifests generate vet envtest renderers ## Run all tests against a real control plane from bin/k8s, then hack/promcheck's (a module of its own).
	KUBEBUILDER_ASSETS=$(ENVTEST_DIR) $(GO) test $(TEST_FLAGS) $(TEST_PKGS)
	cd hack/promcheck && KUBEBUILDER_ASSETS=$(ENVTEST_DIR) $(GO) test $(TEST_FLAGS) ./...

.PHONY: bench
bench: build envtest ## Benchmarks: the NCP client against the in-process fake; bin/manager converging 2,000 and 10,000 departments (hack/bench).
	$(GO) test -run '^$$' -bench . -benchmem ./internal/ncp/
	$(GO) run ./hack/bench -bin bin -n 2000,10000 -qps 1000 -burst 1000 -default-qps-n 2000

.PHONY: bench-50k
bench-50k: build envtest ## The manager converging 50,000 departments within the chart's default memory limit (hack/bench; about 15 minutes; the objects-alone baseline is skipped).
	$(GO) run ./hack/bench -bin bin -n 50000 -default-qps-n '' -alone=false -timeout 60m

.PHONY: chaos
chaos: build envtest ## The chaos suite at full size (internal/chaos), on NCP and Huawei Cloud (CHAOS_ARGS=-provider ncp for one): SIGKILLs, failover, remote faults, churn; prints the figures and the invariants.
	$(GO) run ./hack/chaos -bin bin $(CHAOS_ARGS)

# FUZZTIME is how long `make fuzz` runs each fuzz target.
FUZZTIME ?= 30s

.PHONY: fuzz
fuzz: ## Run every Go fuzz target for FUZZTIME (default 30s) each; `make test` runs their seed corpora.
	FUZZTIME=$(FUZZTIME) bash hack/fuzz.sh

##@ Build

.PHONY: build
build: manifests generate ## Build the manager, the kubectl plugin (kubectl-orgsync), the fake NCP and the fake Huawei Cloud into bin/.
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/manager ./cmd
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/kubectl-orgsync ./cmd/kubectl-orgsync
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/fakencp ./cmd/fakencp
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/fakehuawei ./cmd/fakehuawei

.PHONY: run
run: manifests generate ## Run the manager against the current kubeconfig.
	$(GO) run ./cmd $(ARGS)

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"} /^[a-zA-Z_-]+:.*?##/ { printf "  %-12s %s\n", $$1, $$2 } /^##@/ { printf "\n%s\n", substr($$0, 5) }' $(MAKEFILE_LIST)

##@ Deployment

KUBECTL ?= $(ENVTEST_DIR)/kubectl

.PHONY: build-installer
build-installer: manifests envtest ## Write dist/install.yaml (CRDs, RBAC, manager) and copy the CRDs into the Helm chart.
	mkdir -p dist
	$(KUBECTL) kustomize config/default > dist/install.yaml

##@ Demo

# PROVIDER picks the fake cloud of `make demo`: ncp (fake NCP) or huaweicloud (fake OneAccess).
PROVIDER ?= ncp
# SCENARIO picks what `make demo` plays: samples (apply config/samples, update, delete a subtree) or
# adopt (the README's walkthrough: export a hand-made chart, plan, apply with no remote write, change).
SCENARIO ?= samples

# CLUSTER picks where `make demo` runs: local (a control plane of its own from bin/k8s, which
# `make envtest` provides) or current (the cluster of the current kubeconfig context, in a
# namespace of its own that it removes; no bin/k8s needed).
CLUSTER ?= local

.PHONY: demo
demo: build $(if $(filter current,$(CLUSTER)),,envtest) ## Run orgsync end to end against the fake NCP on a local control plane (PROVIDER=huaweicloud: fake OneAccess; SCENARIO=adopt: the adoption walkthrough; CLUSTER=current: on the current kubeconfig's cluster).
	$(GO) run ./hack/demo --bin bin --samples config/samples --provider $(PROVIDER) --scenario $(SCENARIO) --cluster $(CLUSTER)
