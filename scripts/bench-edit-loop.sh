#!/usr/bin/env bash
# Times the edit loop: `go test ./...` right after a one-line change in one
# package, with the build cache warm. Prints the median wall time of each
# row and its ratio to the stock one-VPC synthesis (the README's baseline,
# BASELINE_MS, default 2355 ms: "Synthesis speed").
#
#   scripts/bench-edit-loop.sh [runs]     (default 3; env N works too)
#
# The change appends an init function that adds a fresh number to a new
# package variable: it changes the compiled code (a comment or an unused
# declaration would not), so every test binary that links the package is
# relinked and its tests rerun, as after a real edit. The file is restored
# from a copy after each run, and on any exit. One unmeasured run first fills
# the build and test caches (it empties the test cache first: see below).
# Timings are only comparable on an idle machine.
set -euo pipefail

runs="${1:-${N:-3}}"
baseline="${BASELINE_MS:-2355}"
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

# The package rows: the file of each that gets the one-line change.
files=(
  constructs/network/network.go
  constructs/security/security.go
  constructs/data/database.go
  constructs/edge/edge.go
  constructs/web/web.go
  constructs/web/bootscript/bootscript.go
  constructs/operations/operations.go
  constructs/operations/alarmplan/alarmplan.go
  constructs/wordpress/stack.go
)

backup="$(mktemp -d)"
edited=""
restore() {
  if [ -n "$edited" ]; then cp "$backup/file" "$edited"; fi
  rm -rf "$backup"
}
trap restore EXIT

ms() { date +%s%3N; }

# timed prints the wall time of one go test ./... in ms; a failing test run
# stops the benchmark (a broken tree measures nothing).
timed() {
  local start end
  start=$(ms)
  if ! go test ./... >"$backup/out" 2>&1; then
    cat "$backup/out" >&2
    echo "bench-edit-loop: go test ./... failed" >&2
    exit 1
  fi
  end=$(ms)
  echo $((end - start))
}

median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

row() {
  local label=$1 med
  med=$(median)
  printf '%-48s %6d ms  %5.2fx\n' "$label" "$med" "$(echo "$med / $baseline" | bc -l)"
}

# Warm-up: every test runs once. The test cache is emptied first: go finds a
# result cached for a rebuilt but identical binary (a tree this script has
# restored) only after linking it again, and records it for the cheap lookup
# only when the test runs, so without this "no change" would include links.
go clean -testcache
go test ./... >/dev/null 2>&1 || true
for _ in $(seq "$runs"); do timed; done | row "no change"
for f in "${files[@]}"; do
  for _ in $(seq "$runs"); do
    cp "$f" "$backup/file"
    edited=$f
    printf '\nfunc init() { editLoopProbe += %d }\n\nvar editLoopProbe int\n' "$RANDOM$RANDOM" >>"$f"
    t=$(timed)
    cp "$backup/file" "$f"
    edited=""
    echo "$t"
  done | row "one line in $f"
done
