#!/usr/bin/env bash
# Runs every native Go fuzz target of the module (func FuzzXxx(f *testing.F) in a *_test.go file of
# one of its packages), one at a time, each for FUZZTIME (default 30s), and exits non-zero if any
# of them failed.
#
#   bash hack/fuzz.sh                        # every target, 30s each
#   FUZZTIME=10s bash hack/fuzz.sh           # 10s each
#   FUZZTIME=200000x bash hack/fuzz.sh       # a number of executions instead of a duration
#   bash hack/fuzz.sh 'Sign|Endpoint'        # only the targets whose name matches the regexp
#   FUZZFLAGS='-parallel=1' bash hack/fuzz.sh  # extra go test flags
#
# A failing input is written by go test to <package>/testdata/fuzz/<target>/; commit it (it then
# runs with every plain go test) once the bug it shows is fixed.
#
# Go 1.26 has a race in the fuzzing coordinator (https://go.dev/issue/75804, fixed in Go 1.27): when
# a duration -fuzztime ends, a run can fail with only "context deadline exceeded", no failing input
# and no test error, more often on a loaded machine. Such a run says nothing about the target: it is
# run again once and, if the same happens again, reported as FLAKED without failing the script.
# Any other failure fails the script. A count (FUZZTIME=200000x) avoids the race entirely.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
GO="${GO:-go}"
fuzztime="${FUZZTIME:-30s}"
filter="${1:-.}"
read -r -a extra_flags <<<"${FUZZFLAGS:-}"

logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT

# Every package directory of this module (not of the modules nested under hack/envtest).
mapfile -t dirs < <("$GO" list -e -f '{{.Dir}}' ./...)

# "<package> <target>" for every fuzz target, sorted.
targets=()
for dir in "${dirs[@]}"; do
	pkg="."
	if [[ "$dir" != "$PWD" ]]; then
		pkg="./${dir#"$PWD"/}"
	fi
	shopt -s nullglob
	files=("$dir"/*_test.go)
	shopt -u nullglob
	((${#files[@]})) || continue
	while read -r name; do
		[[ -n "$name" ]] && targets+=("$pkg $name")
	done < <(grep -hE '^func Fuzz[A-Za-z0-9_]*\(' "${files[@]}" | sed -E 's/^func (Fuzz[A-Za-z0-9_]*)\(.*/\1/' || true)
done
mapfile -t targets < <(printf '%s\n' "${targets[@]}" | sort -u | sed '/^$/d')

if ((${#targets[@]} == 0)); then
	echo "fuzz.sh: no fuzz targets found" >&2
	exit 1
fi

# corpus_size DIR: how many files a target's testdata corpus holds (0 when there is none).
corpus_size() {
	if [[ -d "$1" ]]; then
		find "$1" -type f | wc -l
	else
		echo 0
	fi
}

# run_target PKG NAME LOG: runs one target; its exit status is go test's.
run_target() {
	local status=0
	"$GO" test -run '^$' -fuzz "^${2}\$" -fuzztime "$fuzztime" "${extra_flags[@]}" "$1" 2>&1 | tee "$3" || status=${PIPESTATUS[0]}
	return "$status"
}

# is_coordinator_flake LOG CORPUS_BEFORE CORPUS_DIR: the failure is only go.dev/issue/75804.
is_coordinator_flake() {
	grep -q '^    context deadline exceeded$' "$1" &&
		! grep -q 'Failing input written to' "$1" &&
		! grep -qE '^ +[^ ]+_test\.go:[0-9]+: ' "$1" &&
		! grep -qE '^(panic:|fatal error:)' "$1" &&
		[[ "$(corpus_size "$3")" == "$2" ]]
}

passed=() failed=() flaked=()
started=$SECONDS
for target in "${targets[@]}"; do
	pkg="${target% *}"
	name="${target#* }"
	[[ "$name" =~ $filter ]] || continue
	corpus="$pkg/testdata/fuzz/$name"
	before="$(corpus_size "$corpus")"
	result=""
	for attempt in 1 2; do
		echo "=== $name ($pkg, -fuzztime $fuzztime, attempt $attempt)"
		log="$logs/$name.$attempt.log"
		if run_target "$pkg" "$name" "$log"; then
			result=passed
			break
		fi
		if is_coordinator_flake "$log" "$before" "$corpus"; then
			echo "--- $name: only \"context deadline exceeded\" at the end of -fuzztime, no failing input (go.dev/issue/75804)"
			result=flaked
			continue
		fi
		result=failed
		break
	done
	case "$result" in
	passed) passed+=("$name ($pkg)") ;;
	flaked) flaked+=("$name ($pkg)") ;;
	*) failed+=("$name ($pkg)") ;;
	esac
done

echo
echo "fuzz.sh: ${#passed[@]} passed, ${#failed[@]} failed, ${#flaked[@]} flaked (go.dev/issue/75804) in $((SECONDS - started))s, -fuzztime $fuzztime each"
for t in "${passed[@]}"; do echo "  ok      $t"; done
for t in "${flaked[@]}"; do echo "  FLAKED  $t"; done
for t in "${failed[@]}"; do echo "  FAILED  $t"; done
if ((${#passed[@]} + ${#failed[@]} + ${#flaked[@]} == 0)); then
	echo "fuzz.sh: no fuzz target matches \"$filter\"" >&2
	exit 1
fi
((${#failed[@]} == 0))
