#!/usr/bin/env bash
# Times whole-process cdktf synth, stock jsii against jsiiboot, and
# prints medians with ratios to the stock one-VPC app, the baseline the
# README's figures are stated against.
#
#   scripts/bench-synth.sh [runs]        (default 5; env N works too)
#
# Each row runs a prebuilt binary (compilation is never timed) `runs` times
# after one unmeasured warm-up (which also fills jsii's and jsiiboot's
# caches), each run in a fresh working directory, and samples the resident
# memory of the whole process tree (the Go app plus its node processes,
# summed) every 20 ms: /usr/bin/time reports one process only. Rows:
#   vpc stock          provider + one VPC, WORDPRESS_JSII_FAST=0: the baseline
#   vpc fast           the same app on jsiiboot's path
#   wordpress ...      a WordPress-shaped stand-in (~65 resources, 30 kinds):
#                      stock, fast, and fast with 3 environment stacks
#   project stock      the repository's main package, WORDPRESS_JSII_FAST=0
#   project fast       the same with WORDPRESS_JSII_FAST unset
#   project envs fast  the same with WORDPRESS_CONFIG=environments.json
# BENCH_PROJECT_ARGS passes arguments to it. The fast rows use jsiiboot's
# cache as it is (scripts/tools.sh's Node 22 if installed). Timings are only
# comparable on an otherwise idle machine.
set -euo pipefail

runs="${1:-${N:-5}}"
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bin="$(mktemp -d)"
trap 'rm -rf "$bin"' EXIT

echo "building benchmark binaries..." >&2
go build -o "$bin/treebench" ./internal/jsiiboot/testdata/treebench
go build -o "$bin/smallapp" ./internal/jsiiboot/testdata/smallapp
project=""
if [ "$(go list -f '{{.Name}}' . 2>/dev/null || true)" = main ]; then
  go build -o "$bin/project" .
  project="$bin/project"
else
  echo "bench-synth: the repository root has no main package yet: skipping the project rows" >&2
fi

results="$bin/results.tsv"
: >"$results"
# row LABEL stock|fast [KEY=VALUE...] -- COMMAND [ARGS...]
row() {
  local label="$1" path="$2"
  shift 2
  local args=(-n "$runs" -label "$label")
  [ "$path" = stock ] && args+=(-env WORDPRESS_JSII_FAST=0)
  while [ "$1" != -- ]; do
    args+=(-env "$1")
    shift
  done
  shift
  echo "running $label..." >&2
  # The caller's own WORDPRESS_JSII_FAST must not decide the fast rows.
  env -u WORDPRESS_JSII_FAST "$bin/treebench" "${args[@]}" -- "$@" | tee -a "$results" >&2
}

row "vpc stock" stock -- "$bin/smallapp" -vpc-only
row "vpc fast" fast -- "$bin/smallapp" -vpc-only
row "wordpress stock" stock -- "$bin/smallapp" -shape wordpress
row "wordpress fast" fast -- "$bin/smallapp" -shape wordpress
row "wordpress fast x3" fast -- "$bin/smallapp" -shape wordpress -stacks 3
if [ -n "$project" ]; then
  # shellcheck disable=SC2086 # BENCH_PROJECT_ARGS is a word list on purpose
  row "project stock" stock -- "$project" ${BENCH_PROJECT_ARGS:-}
  # shellcheck disable=SC2086
  row "project fast" fast -- "$project" ${BENCH_PROJECT_ARGS:-}
  if [ -f "$root/environments.json" ]; then
    # shellcheck disable=SC2086
    row "project envs fast" fast "WORDPRESS_CONFIG=$root/environments.json" -- "$project" ${BENCH_PROJECT_ARGS:-}
  fi
fi

echo
echo "median of $runs runs; $(nproc) cores; node on PATH $(node --version 2>/dev/null || echo none); load $(cut -d' ' -f1-3 /proc/loadavg)"
awk -F'\t' '
  NR == 1 { bw = $2; bm = $3; print "row                      wall  ratio    peak tree  ratio  stacks  (ranges)" }
  {
    printf "%-20s %7d ms %5.2fx   %6d MiB %5.2fx  %6d  (%s, %s)\n", $1, $2, $2 / bw, $3, $3 / bm, $4, $5, $6
    w[$1] = $2; m[$1] = $3; s[$1] = $4
  }
  function extra(one, many) {
    if (!(one in w) || !(many in w) || s[many] <= s[one]) return
    # The target is stated against the stock one-VPC baseline (first row).
    printf "each stack past the first (%s, %d -> %d stacks): %+d ms, %+d MiB = %.1f%% wall, %.1f%% memory of the stock one-VPC app\n", one, s[one], s[many],
      (w[many] - w[one]) / (s[many] - s[one]), (m[many] - m[one]) / (s[many] - s[one]),
      100 * (w[many] - w[one]) / (s[many] - s[one]) / bw, 100 * (m[many] - m[one]) / (s[many] - s[one]) / bm
  }
  END { print ""; extra("wordpress fast", "wordpress fast x3"); extra("project fast", "project envs fast") }
' "$results"
