#!/usr/bin/env bash
# Checks that the real cdktf CLI and `go run .` write the same files: the
# project promises both entry points give one result.
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE="${WORDPRESS_CDKTF_CACHE:-$HOME/.cache/wordpress-cdktf}"
cdktf="$CACHE/bin/cdktf"
[ -x "$cdktf" ] || { echo "cli-parity: $cdktf missing: run bash scripts/tools.sh cdktf" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export CHECKPOINT_DISABLE=1
# cdktf-cli 0.20.11 ships its terminal addon prebuilt for Node <= 20 only, so
# the CLI runs on the machine's Node; the app it starts picks its own.
"$cdktf" synth --output "$tmp/cli" >"$tmp/cli.log" 2>&1 || { cat "$tmp/cli.log" >&2; echo "cli-parity: cdktf synth failed" >&2; exit 1; }
CDKTF_OUTDIR="$tmp/go" go run . >"$tmp/go.log" 2>&1 || { cat "$tmp/go.log" >&2; echo "cli-parity: go run . failed" >&2; exit 1; }
if ! diff -r "$tmp/cli" "$tmp/go"; then
  echo "cli-parity: cdktf synth and go run . differ (above)" >&2
  exit 1
fi
echo "cli-parity: cdktf synth and go run . wrote identical files ($(find "$tmp/go" -type f | wc -l) files)"
