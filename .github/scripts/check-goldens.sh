#!/usr/bin/env bash
# The committed golden files (testdata/) must be what the code generates: a
# pull request that changes the stacks updates them in the same commit, so
# the reviewer sees the change. Regenerates them and fails on any difference.
set -euo pipefail
cd "$(dirname "$0")/../.."
go test . -run 'Golden' -update >/dev/null
if ! git diff --exit-code --stat -- testdata; then
  git diff -- testdata | head -n 200
  echo "::error::golden files differ from what the code generates: run go test ./... -update and commit testdata/" >&2
  exit 1
fi
if [ -n "$(git status --porcelain -- testdata)" ]; then
  git status --porcelain -- testdata
  echo "::error::new golden files are not committed: run go test ./... -update and commit testdata/" >&2
  exit 1
fi
echo "golden files match the code"
