#!/usr/bin/env bash
# Writes the pull request's job summary: the estimated cost of every stack
# after the change, and what it changes against the base branch (make diff).
#   .github/scripts/pr-summary.sh BASE_REF
set -euo pipefail
cd "$(dirname "$0")/../.."
base=${1:?usage: pr-summary.sh BASE_REF}
out=${GITHUB_STEP_SUMMARY:-/dev/stdout}
{
  echo "## Stacks after this change"
  echo
  go run . | sed "s/^/- /"
  echo
  go run ./cmd/stackdiff -base "$base"
} >>"$out"
