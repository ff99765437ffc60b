#!/usr/bin/env bash
# Builds the control-plane binaries envtest needs (kube-apiserver, etcd, kubectl)
# from the Go module proxy into the folder given as $1 (default bin/k8s).
# setup-envtest downloads prebuilt binaries from the internet; this builds the
# same programs from source instead, and skips any binary already present at
# the pinned version.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$(mkdir -p "${1:-bin/k8s}" && cd "${1:-bin/k8s}" && pwd)"

# shellcheck source=versions.sh
source "${here}/versions.sh"

kube_major="${KUBE_VERSION#v}"; kube_major="${kube_major%%.*}"
kube_minor="${KUBE_VERSION#v*.}"; kube_minor="${kube_minor%%.*}"
version_pkg=k8s.io/component-base/version
kube_ldflags="-s -w \
 -X ${version_pkg}.gitVersion=${KUBE_VERSION} \
 -X ${version_pkg}.gitMajor=${kube_major} \
 -X ${version_pkg}.gitMinor=${kube_minor} \
 -X ${version_pkg}.gitTreeState=clean \
 -X ${version_pkg}.buildDate=1970-01-01T00:00:00Z"

has_version() { # binary, expected substring of its version output, version command
	local output
	[[ -x "$1" ]] && output="$("$1" "${@:3}" 2>/dev/null)" && [[ "${output}" == *"$2"* ]]
}

build() { # module dir, package, binary name, ldflags
	echo "envtest: building $3 (this takes minutes on a cold cache)" >&2
	(cd "${here}/$1" && CGO_ENABLED=0 go build -trimpath -ldflags "$4" -o "${out}/$3.tmp" "$2")
	mv "${out}/$3.tmp" "${out}/$3"
}

if has_version "${out}/kube-apiserver" "Kubernetes ${KUBE_VERSION}" --version; then
	echo "envtest: kube-apiserver ${KUBE_VERSION} present" >&2
else
	build kube k8s.io/kubernetes/cmd/kube-apiserver kube-apiserver "${kube_ldflags}"
fi
if has_version "${out}/kubectl" "Client Version: ${KUBE_VERSION}" version --client; then
	echo "envtest: kubectl ${KUBE_VERSION} present" >&2
else
	build kube k8s.io/kubernetes/cmd/kubectl kubectl "${kube_ldflags}"
fi
if has_version "${out}/etcd" "etcd Version: ${ETCD_VERSION}" --version; then
	echo "envtest: etcd ${ETCD_VERSION} present" >&2
else
	build etcd go.etcd.io/etcd/server/v3 etcd "-s -w"
fi
