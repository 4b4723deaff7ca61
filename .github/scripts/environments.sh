#!/usr/bin/env bash
# Prints list=<JSON array> for a workflow matrix: the environment asked for,
# or every environment of environments.json ("default" without the file).
#   .github/scripts/environments.sh [ENVIRONMENT]
set -euo pipefail
cd "$(dirname "$0")/../.."
wanted=${1:-}
if [ -n "$wanted" ]; then
  jq -cn --arg e "$wanted" '"list=" + ([$e] | tojson)' -r
elif [ -f environments.json ]; then
  jq -r '"list=" + (.environments | keys | tojson)' environments.json
else
  echo 'list=["default"]'
fi
