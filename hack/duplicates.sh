#!/usr/bin/env bash
# Counts the pairs of places that repeat six or more lines (the workplace's `duplicates` command),
# twice: over the tree as it is, and over a throwaway copy whose grouped Go imports
# (`import ( ... )`) are written one `import` line each. `duplicates` says it passes over import
# lines, but it sees only those that start with `import`: the lines inside a group count, so two
# files that import the same six packages make a pair. The copy changes nothing else; the second
# count is what the tool's own rule gives. Usage: hack/duplicates.sh [--most N]
set -euo pipefail

command -v duplicates >/dev/null || { echo "duplicates: not on this machine's PATH" >&2; exit 2; }
root=$(git rev-parse --show-toplevel)
copy=$(mktemp -d)
trap 'rm -rf "$copy"' EXIT

echo "== the tree as it is"
(cd "$root" && duplicates --seconds 120 "$@")

# The tracked files and the untracked ones git does not ignore, as they are in the working tree.
(cd "$root" && git ls-files -z --cached --others --exclude-standard) |
	(cd "$root" && xargs -0 cp --parents -t "$copy" 2>/dev/null || true)
find "$copy" -name '*.go' -print0 | while IFS= read -r -d '' f; do
	awk '
		!inblock && $0 ~ /^import \($/ { inblock = 1; next }
		inblock && $0 ~ /^\)$/ { inblock = 0; next }
		inblock { sub(/^[ \t]+/, ""); if ($0 != "" && $0 !~ /^\/\//) print "import " $0; next }
		{ print }
	' "$f" >"$f.tmp" && mv "$f.tmp" "$f"
done

echo "== grouped imports written one import line each (what duplicates passes over)"
(cd "$copy" && duplicates --seconds 120 "$@")
