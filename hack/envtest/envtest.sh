#!/usr/bin/env bash
# `make envtest`: puts kube-apiserver, etcd and kubectl for Kubernetes $KUBE_VERSION (versions.sh)
# into the folder given as $1 (default bin/k8s), by the fastest path that works here:
#   1. nothing to do when they are there at the pinned versions;
#   2. setup-envtest (sigs.k8s.io/controller-runtime/tools/setup-envtest) downloads the prebuilt
#      binaries kubebuilder publishes: seconds, with internet access; it gets
#      ENVTEST_DOWNLOAD_TIMEOUT (default 2m) and is skipped with ENVTEST_DOWNLOAD=false;
#   3. otherwise build.sh builds them from source through the Go module proxy (about 25 minutes
#      once on 2 cores).
# It prints which path it took. ENVTEST_INDEX points setup-envtest at another index of archives
# (a mirror; the tests of this script).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "${here}/../.." && pwd)"
out="$(mkdir -p "${1:-bin/k8s}" && cd "${1:-bin/k8s}" && pwd)"
# shellcheck source=versions.sh
source "${here}/versions.sh"
limit="${ENVTEST_DOWNLOAD_TIMEOUT:-2m}"
# setup-envtest marks the binaries it put here, whose etcd is the one its archive carries.
marker="${out}/.setup-envtest"

# with_limit runs a command under the download's time limit (coreutils timeout; gtimeout on macOS
# with Homebrew's coreutils; without either, no limit).
with_limit() {
	if command -v timeout >/dev/null; then
		timeout "${limit}" "$@"
	elif command -v gtimeout >/dev/null; then
		gtimeout "${limit}" "$@"
	else
		"$@"
	fi
}

version_has() { # binary, expected substring of its version output, version command
	local output
	[[ -x "$1" ]] && output="$("$1" "${@:3}" 2>/dev/null)" && [[ "${output}" == *"$2"* ]]
}

present() {
	version_has "${out}/kube-apiserver" "Kubernetes ${KUBE_VERSION}" --version &&
		version_has "${out}/kubectl" "Client Version: ${KUBE_VERSION}" version --client || return 1
	if [[ "$(cat "${marker}" 2>/dev/null)" == "${KUBE_VERSION}" ]]; then
		[[ -x "${out}/etcd" ]]
	else
		version_has "${out}/etcd" "etcd Version: ${ETCD_VERSION}" --version
	fi
}

if present; then
	if [[ -f "${marker}" ]]; then
		echo "envtest: Kubernetes ${KUBE_VERSION} present in ${out} (downloaded by setup-envtest)" >&2
	else
		echo "envtest: Kubernetes ${KUBE_VERSION} and etcd ${ETCD_VERSION} present in ${out} (built from source)" >&2
	fi
	exit 0
fi

download() {
	local tool="${root}/bin/setup-envtest-${SETUP_ENVTEST_VERSION}" log dir
	log="$(mktemp)"
	trap 'rm -f "${log}"' RETURN
	echo "envtest: trying setup-envtest ${SETUP_ENVTEST_VERSION} for Kubernetes ${KUBE_VERSION#v} (prebuilt binaries from the internet; giving up after ${limit})" >&2
	if [[ ! -x "${tool}" ]]; then
		mkdir -p "${root}/bin/.setup-envtest-install"
		if ! GOBIN="${root}/bin/.setup-envtest-install" with_limit \
			go install "sigs.k8s.io/controller-runtime/tools/setup-envtest@${SETUP_ENVTEST_VERSION}" 2>"${log}"; then
			echo "envtest: could not install setup-envtest: $(tail -n 1 "${log}")" >&2
			return 1
		fi
		mv "${root}/bin/.setup-envtest-install/setup-envtest" "${tool}"
		rm -rf "${root}/bin/.setup-envtest-install"
	fi
	local args=(use "${KUBE_VERSION#v}" --bin-dir "${root}/bin/setup-envtest-cache" -p path)
	if [[ -n "${ENVTEST_INDEX:-}" ]]; then
		args+=(--index "${ENVTEST_INDEX}")
	fi
	if ! dir="$(with_limit "${tool}" "${args[@]}" 2>"${log}")" || [[ ! -x "${dir}/kube-apiserver" ]]; then
		echo "envtest: setup-envtest could not get Kubernetes ${KUBE_VERSION#v}: $(tail -n 1 "${log}")" >&2
		return 1
	fi
	for bin in kube-apiserver etcd kubectl; do
		cp "${dir}/${bin}" "${out}/${bin}.tmp" && mv "${out}/${bin}.tmp" "${out}/${bin}"
	done
	echo "${KUBE_VERSION}" >"${marker}"
}

if [[ "${ENVTEST_DOWNLOAD:-true}" != false ]] && download; then
	echo "envtest: took the download path: setup-envtest put Kubernetes ${KUBE_VERSION} into ${out}" >&2
	exit 0
fi

rm -f "${marker}"
cat >&2 <<MSG
envtest: took the build path: kube-apiserver and kubectl ${KUBE_VERSION} and etcd ${ETCD_VERSION} from source,
envtest: through the Go module proxy, into ${out}.
envtest: This is long, once: about 25 minutes on 2 cores (1,452 s measured on a cold Go cache);
envtest: later runs reuse it. With internet access setup-envtest takes seconds instead (see above
envtest: why it did not); with a cluster at hand, \`make demo CLUSTER=current\` needs none of it.
MSG
exec bash "${here}/build.sh" "${out}"
