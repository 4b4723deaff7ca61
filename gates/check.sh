#!/usr/bin/env bash
# Pre-apply gates for the synthesized cdktf stacks.
#
#   gates/check.sh [STACKS_DIR]      (default: cdktf.out/stacks)
#
# STACKS_DIR holds one folder per stack with its cdk.tf.json, or is itself one
# stack folder. For every stack, in a scratch copy (the folder that `cdktf deploy`
# uses is never touched, but for the plan.json written beside cdk.tf.json):
#   init      terraform init, the AWS provider from the local mirror when it exists
#   validate  terraform validate
#   plan      terraform plan -refresh=false with dummy credentials and every AWS
#             endpoint pointed at a closed local port: no network call at all
#   scan      trivy config over cdk.tf.json and the plan JSON, offline, with its
#             embedded checks; CRITICAL/HIGH fail unless gates/trivyignore.yaml
#             accepts them, MEDIUM/LOW are printed for information
# Exit status: 0 every gate passed on every stack, 1 a gate failed, 2 usage or a
# missing tool.
#
# Environment: WORDPRESS_CDKTF_CACHE (tools cache, default ~/.cache/wordpress-cdktf),
# GATES_TRIVY_IGNORE (ignore file, default gates/trivyignore.yaml),
# GATES_TF_TIMEOUT (seconds per terraform command, default 600),
# GATES_KEEP_SCRATCH=1 (keep and print the scratch folder).
set -euo pipefail
# The braces make bash read the whole script before running it: editing it
# while it runs (a long gate run) cannot change the run.
{

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${WORDPRESS_CDKTF_CACHE:-$HOME/.cache/wordpress-cdktf}"
STACKS_DIR="${1:-cdktf.out/stacks}"
IGNORE_FILE="${GATES_TRIVY_IGNORE:-$ROOT/gates/trivyignore.yaml}"
TF_TIMEOUT="${GATES_TF_TIMEOUT:-600}"
FAIL_SEVERITIES=(CRITICAL HIGH)
TOOLS_HINT="run: bash scripts/tools.sh provider trivy   (or: make tools)"
# A closed port on this machine: any AWS API or proxied call fails at once.
NOWHERE="http://127.0.0.1:9"

die() { printf 'gates: %s\n' "$*" >&2; exit 2; }
[ $# -le 1 ] || die "usage: gates/check.sh [STACKS_DIR]"

# ---------------------------------------------------------------- tools
if command -v terraform >/dev/null 2>&1; then TF=terraform
elif command -v tofu >/dev/null 2>&1; then TF=tofu
else die "neither terraform nor tofu is on PATH; install one ($TOOLS_HINT for the rest)"
fi
if [ -x "$CACHE/bin/trivy" ]; then TRIVY="$CACHE/bin/trivy"
elif command -v trivy >/dev/null 2>&1; then TRIVY="$(command -v trivy)"
else die "trivy not found in $CACHE/bin or on PATH; $TOOLS_HINT"
fi
command -v jq >/dev/null 2>&1 || die "jq not found; install it (apt-get install -y jq)"
[ -f "$IGNORE_FILE" ] || die "trivy ignore file $IGNORE_FILE not found"
IGNORE_FILE="$(cd "$(dirname "$IGNORE_FILE")" && pwd)/$(basename "$IGNORE_FILE")"

MIRROR="$CACHE/provider-mirror"
USE_MIRROR=0
if compgen -G "$MIRROR/registry.*/hashicorp/aws/*/linux_amd64/terraform-provider-aws_*" >/dev/null; then
  USE_MIRROR=1
fi

# ---------------------------------------------------------------- stacks
[ -d "$STACKS_DIR" ] || die "no stacks folder $STACKS_DIR (synthesize first: make synth, or go run .)"
STACKS_DIR="$(cd "$STACKS_DIR" && pwd)"
STACKS=()
if [ -f "$STACKS_DIR/cdk.tf.json" ]; then
  STACKS=("$STACKS_DIR")
else
  for f in "$STACKS_DIR"/*/cdk.tf.json; do
    [ -f "$f" ] && STACKS+=("$(dirname "$f")")
  done
fi
[ ${#STACKS[@]} -gt 0 ] || die "no */cdk.tf.json under $STACKS_DIR (synthesize first: make synth, or go run .)"

SCRATCH="$(mktemp -d "${TMPDIR:-/tmp}/wordpress-cdktf-gates.XXXXXX")"
if [ "${GATES_KEEP_SCRATCH:-0}" = 1 ]; then
  trap 'printf "gates: scratch kept in %s\n" "$SCRATCH"' EXIT
else
  trap 'rm -rf "$SCRATCH"' EXIT
fi

# ---------------------------------------------------------------- environment
# Terraform/tofu: our own CLI config, nothing from the user's.
export TF_CLI_CONFIG_FILE="$SCRATCH/terraformrc"
if [ "$USE_MIRROR" = 1 ]; then
  cat >"$TF_CLI_CONFIG_FILE" <<EOF
provider_installation {
  filesystem_mirror {
    path    = "$MIRROR"
    include = ["registry.terraform.io/hashicorp/aws", "registry.opentofu.org/hashicorp/aws"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/aws", "registry.opentofu.org/hashicorp/aws"]
  }
}
EOF
else
  : >"$TF_CLI_CONFIG_FILE"
fi
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TF_INPUT=0
unset TF_CLI_ARGS TF_CLI_ARGS_init TF_CLI_ARGS_validate TF_CLI_ARGS_plan TF_CLI_ARGS_show \
  TF_WORKSPACE TF_DATA_DIR TF_PLUGIN_CACHE_DIR TF_LOG TF_LOG_PATH
# AWS: dummy static credentials, no profile, no config files, no instance metadata.
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_ROLE_ARN \
  AWS_ROLE_SESSION_NAME AWS_WEB_IDENTITY_TOKEN_FILE AWS_CONTAINER_CREDENTIALS_FULL_URI \
  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI AWS_CONTAINER_AUTHORIZATION_TOKEN \
  AWS_REGION AWS_DEFAULT_REGION
export AWS_ACCESS_KEY_ID=gates-dummy-access-key-id
export AWS_SECRET_ACCESS_KEY=gates-dummy-secret-access-key
export AWS_CONFIG_FILE="$SCRATCH/no-aws-config" AWS_SHARED_CREDENTIALS_FILE="$SCRATCH/no-aws-credentials"
export AWS_EC2_METADATA_DISABLED=true

# Runs terraform/tofu with every network path closed (validate, plan, show).
tf_offline() {
  timeout "$TF_TIMEOUT" env AWS_ENDPOINT_URL="$NOWHERE" AWS_EC2_METADATA_SERVICE_ENDPOINT="$NOWHERE" \
    HTTPS_PROXY="$NOWHERE" HTTP_PROXY="$NOWHERE" https_proxy="$NOWHERE" http_proxy="$NOWHERE" \
    NO_PROXY= no_proxy= "$TF" "$@"
}

# ---------------------------------------------------------------- output helpers
now_ms() { local t="${EPOCHREALTIME/[.,]/}"; echo $((10#$t / 1000)); }
secs() { printf '%d.%01d' $(($1 / 1000)) $((($1 % 1000) / 100)); }
indent() { sed -e 's/^/      | /'; }
declare -A STATUS=() TIME=()
GATES=(init validate plan scan)
FAILED=0

# gate_result STACK GATE RC START_MS LOG [hint]
gate_result() {
  local stack="$1" gate="$2" rc="$3" start="$4" log="$5" hint="${6:-}"
  local took=$(($(now_ms) - start))
  TIME["$stack/$gate"]="$(secs "$took")s"
  if [ "$rc" -eq 0 ]; then
    STATUS["$stack/$gate"]=ok
    printf '    ok (%ss)\n' "$(secs "$took")"
  else
    STATUS["$stack/$gate"]=FAIL
    FAILED=1
    printf '    FAIL (%ss, exit %s)\n' "$(secs "$took")" "$rc"
    if [ -s "$log" ]; then indent <"$log"; fi
    if [ -n "$hint" ]; then printf '    hint: %s\n' "$hint"; fi
  fi
}
skip_gate() { STATUS["$1/$2"]=skip; TIME["$1/$2"]=-; printf -- '--- %s: skipped (%s)\n' "$2" "$3"; }

# ---------------------------------------------------------------- trivy
# One line per finding: KIND|SEVERITY|ID|FILE|RESOURCE|LINE|MESSAGE|EXTRA
# KIND is FAIL (reported) or IGNORED (accepted by the ignore file; EXTRA is its reason).
# trivy reports plan findings against the HCL it renders from the plan (main.tf,
# type terraformplan): FILE says plan.json for them instead.
TRIVY_TEMPLATE="$SCRATCH/findings.tpl"
cat >"$TRIVY_TEMPLATE" <<'EOF'
{{- range . -}}
{{- $plan := hasPrefix "terraformplan" (print .Type) -}}
{{- $t := .Target -}}{{- if $plan }}{{ $t = "plan.json" }}{{ end -}}
{{- range .Misconfigurations -}}
{{- if eq .Status "FAIL" -}}
FAIL|{{ .Severity }}|{{ .ID }}|{{ $t }}|{{ .CauseMetadata.Resource }}|{{ if not $plan }}{{ .CauseMetadata.StartLine }}{{ end }}|{{ .Message | replace "\n" " " | replace "|" "/" }}|{{ .Title | replace "\n" " " | replace "|" "/" }}
{{ end -}}
{{- end -}}
{{- range .ModifiedFindings -}}
{{- if and (eq .Type "misconfiguration") (eq .Finding.Status "FAIL") -}}
IGNORED|{{ .Finding.Severity }}|{{ .Finding.ID }}|{{ $t }}|{{ .Finding.CauseMetadata.Resource }}|{{ if not $plan }}{{ .Finding.CauseMetadata.StartLine }}{{ end }}|{{ .Finding.Message | replace "\n" " " | replace "|" "/" }}|{{ .Statement | replace "\n" " " | replace "|" "/" }}
{{ end -}}
{{- end -}}
{{- end -}}
EOF

TRIVY_FLAGS=(config
  --skip-check-update --skip-version-check --disable-telemetry --quiet
  --cache-dir "$CACHE/trivy-cache"
  --misconfig-scanners "terraform,terraformplan-json"
  --severity "UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL"
  --ignorefile "$IGNORE_FILE"
  --format template --template "@$TRIVY_TEMPLATE")

# report_findings FINDINGS PLAN_SCANNED: prints the findings grouped by
# severity, one line per check and resource with the files it was seen in, and
# as its last line the counts "BLOCKING INFO ACCEPTED CDK_ONLY" (CDK_ONLY: failed
# findings seen in cdk.tf.json but not in the scanned plan).
#
# Both files gate, because trivy is blind in different places in each:
# - cdk.tf.json: trivy reads the nested blocks of a .tf.json file (ingress/egress
#   rules, metadata_options, ...) as plain attributes, so it misses findings in
#   them (SSH open in an inline rule) and reports settings in them as missing
#   (IMDSv2 "not required" on a launch template that requires it);
# - plan.json: values known only after apply (ARNs, IDs) are unknown, so checks
#   that join two resources through them can miss (an HTTP listener is not
#   matched to its load balancer).
# A finding seen in cdk.tf.json only is marked so: if the plan JSON shows the
# setting is right, accept it for that file only (paths: [cdk.tf.json]).
report_findings() {
  awk -F'|' -v plan="$2" -v fail_sev=" ${FAIL_SEVERITIES[*]} " '
    function rank(s) { return index("CRITICAL HIGH    MEDIUM   LOW      UNKNOWN", s) }
    {
      key = $1 "|" $2 "|" $3 "|" $5
      if (!(key in msg)) { order[++n] = key; msg[key] = $7; extra[key] = $8 }
      where = $4; if ($6 != "" && $6 != "0") where = where ":" $6
      if (key in files) files[key] = files[key] ", " where; else files[key] = where
      if ($4 == "plan.json") inplan[key] = 1
    }
    function show(title, want,    k, i, j, f, keys, m, tmp, r, only) {
      m = 0
      for (i = 1; i <= n; i++) {
        k = order[i]; split(k, f, "|")
        if (want == "blocking" && !(f[1] == "FAIL" && index(fail_sev, " " f[2] " "))) continue
        if (want == "info" && !(f[1] == "FAIL" && !index(fail_sev, " " f[2] " "))) continue
        if (want == "accepted" && f[1] != "IGNORED") continue
        keys[++m] = k
      }
      for (i = 2; i <= m; i++) for (j = i; j > 1; j--) {   # stable sort by severity
        split(keys[j-1], f, "|"); r = rank(f[2]); split(keys[j], f, "|")
        if (rank(f[2]) >= r) break
        tmp = keys[j]; keys[j] = keys[j-1]; keys[j-1] = tmp
      }
      if (m > 0) printf "    %s\n", title
      for (i = 1; i <= m; i++) {
        k = keys[i]; split(k, f, "|")
        only = ""
        if (plan && !(k in inplan)) { only = " only"; if (f[1] == "FAIL") cdk++ }
        printf "      %-8s %-9s %s: %s [%s%s]\n", f[2], f[3], (f[4] == "" ? "-" : f[4]), msg[k], files[k], only
        if (f[1] == "IGNORED") printf "%25saccepted: %s\n", "", extra[k]
      }
      return m
    }
    END {
      cdk = 0
      b = show("blocking (fix the stack, or accept the finding in the ignore file with a reason):", "blocking")
      i = show("information (MEDIUM/LOW):", "info")
      a = show("accepted by the ignore file:", "accepted")
      if (cdk > 0) {
        print "    note: \"cdk.tf.json only\" = not seen in the plan scan. trivy reads nested blocks of .tf.json"
        print "    files as attributes, so such a finding may be false: if plan.json shows the setting is right,"
        print "    accept the check for cdk.tf.json only (paths: [cdk.tf.json]) with the reason."
      }
      printf "%d %d %d %d\n", b, i, a, cdk
    }' "$1"
}

# ---------------------------------------------------------------- per stack
run_stack() {
  local stack_dir="$1" name
  name="$(basename "$stack_dir")"
  local work="$SCRATCH/stacks/$name" scan="$SCRATCH/scan/$name" logs="$SCRATCH/logs/$name"
  mkdir -p "$work" "$scan" "$logs"
  printf '\n=== stack %s (%s)\n' "$name" "$stack_dir"
  rm -f "$stack_dir/plan.json"

  # A scratch copy without the state of earlier runs of cdktf/terraform.
  tar -C "$stack_dir" --exclude=./.terraform --exclude=./.terraform.lock.hcl \
    --exclude=./plan.json --exclude='./*.tfstate' --exclude='./*.tfstate.backup' -cf - . | tar -C "$work" -xf -

  # Override: local backend in the scratch folder, provider never asks AWS who we are.
  local skip='{"skip_credentials_validation": true, "skip_requesting_account_id": true,
               "skip_metadata_api_check": true, "max_retries": 1}'
  if ! jq --arg state "$SCRATCH/state/$name.tfstate" --argjson skip "$skip" '
        ([.provider.aws // empty] | flatten) as $aws
        | {terraform: {backend: {local: {path: $state}}}}
        + (if ($aws | length) > 0
           then {provider: {aws: [$aws[] | $skip + (if .alias then {alias: .alias} else {} end)]}}
           else {} end)' \
      "$work/cdk.tf.json" >"$work/zz_gates_override.tf.json" 2>"$logs/override.log"; then
    printf -- '--- init\n'
    printf 'cdk.tf.json is not valid JSON:\n' >>"$logs/override.log"
    gate_result "$name" init 1 "$(now_ms)" "$logs/override.log"
    skip_gate "$name" validate "init failed"; skip_gate "$name" plan "init failed"; skip_gate "$name" scan "init failed"
    return 0
  fi
  if [ "$(jq '[.provider.aws // empty] | flatten | length' "$work/cdk.tf.json")" = 0 ]; then
    # No aws provider block to override: add one (override files cannot create one).
    jq -n --argjson skip "$skip" '{provider: {aws: [$skip]}}' >"$work/zz_gates_provider.tf.json"
  fi

  local start rc hint
  # init
  printf -- '--- init (%s)\n' "$([ "$USE_MIRROR" = 1 ] && echo "aws provider from $MIRROR" || echo "providers from the registry")"
  start="$(now_ms)"; rc=0
  (cd "$work" && timeout "$TF_TIMEOUT" "$TF" init -input=false -no-color) >"$logs/init.log" 2>&1 || rc=$?
  hint=""
  if [ "$rc" -ne 0 ] && [ "$USE_MIRROR" = 1 ] && grep -q -E 'hashicorp/aws' "$logs/init.log"; then
    hint="the mirror offers hashicorp/aws $(find "$MIRROR"/registry.*/hashicorp/aws -mindepth 1 -maxdepth 1 -printf '%f ' 2>/dev/null | tr ' ' '\n' | sort -u | tr '\n' ' ')and the stack asks for $(jq -r '.terraform.required_providers.aws.version // "any"' "$work/cdk.tf.json"); see PROVIDER_MIRROR_VERSION in scripts/tools.sh"
  fi
  [ "$rc" -ne 0 ] || grep -E '^- (Installing|Using|Reusing)' "$logs/init.log" | sed 's/^/    /' || true
  gate_result "$name" init "$rc" "$start" "$logs/init.log" "$hint"
  if [ "$rc" -ne 0 ]; then
    skip_gate "$name" validate "init failed"; skip_gate "$name" plan "init failed"
  else
    # validate
    printf -- '--- validate\n'
    start="$(now_ms)"; rc=0
    (cd "$work" && tf_offline validate -no-color) >"$logs/validate.log" 2>&1 || rc=$?
    gate_result "$name" validate "$rc" "$start" "$logs/validate.log"
    if [ "$rc" -ne 0 ]; then
      skip_gate "$name" plan "validate failed"
    else
      # plan (+ show -json)
      printf -- '--- plan (-refresh=false, dummy credentials, no network)\n'
      start="$(now_ms)"; rc=0; hint=""
      (cd "$work" && tf_offline plan -refresh=false -lock=false -input=false -no-color -out="$SCRATCH/$name.tfplan") \
        >"$logs/plan.log" 2>&1 || rc=$?
      if [ "$rc" -eq 124 ]; then
        hint="timed out after ${TF_TIMEOUT}s: something in the stack calls AWS during plan"
      elif [ "$rc" -ne 0 ] && grep -q -E '127\.0\.0\.1:9|connection refused|no EC2 IMDS role found' "$logs/plan.log"; then
        hint="the plan tried to call AWS (a data source, or a value only AWS knows, such as the account ID); the gates run with no network and dummy credentials: compute the value in the stack or pass it in"
      fi
      if [ "$rc" -eq 0 ]; then
        (cd "$work" && tf_offline show -json -no-color "$SCRATCH/$name.tfplan") >"$scan/plan.json" 2>"$logs/show.log" || rc=$?
        if [ "$rc" -ne 0 ]; then cat "$logs/show.log" >>"$logs/plan.log"; fi
      fi
      if [ "$rc" -eq 0 ]; then
        cp "$scan/plan.json" "$stack_dir/plan.json.tmp" && mv "$stack_dir/plan.json.tmp" "$stack_dir/plan.json"
        grep -E '^(Plan:|No changes)' "$logs/plan.log" | sed 's/^/    /' || true
        printf '    plan JSON: %s\n' "$stack_dir/plan.json"
      fi
      gate_result "$name" plan "$rc" "$start" "$logs/plan.log" "$hint"
    fi
  fi

  # scan: cdk.tf.json and, when the plan passed, its JSON
  cp "$stack_dir/cdk.tf.json" "$scan/cdk.tf.json"
  local scanned="cdk.tf.json and plan.json"
  [ -f "$scan/plan.json" ] || scanned="cdk.tf.json only, no plan"
  printf -- '--- scan (trivy config: %s)\n' "$scanned"
  start="$(now_ms)"; rc=0
  "$TRIVY" "${TRIVY_FLAGS[@]}" --output "$logs/findings.txt" "$scan" >"$logs/scan.log" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ]; then
    gate_result "$name" scan "$rc" "$start" "$logs/scan.log"
    return 0
  fi
  local blocking info accepted
  report_findings "$logs/findings.txt" "$([ -f "$scan/plan.json" ] && echo 1 || echo 0)" >"$logs/report.txt"
  read -r blocking info accepted _ < <(tail -n 1 "$logs/report.txt")
  printf '    %s blocking (CRITICAL/HIGH), %s for information (MEDIUM/LOW), %s accepted by %s\n' \
    "$blocking" "$info" "$accepted" "${IGNORE_FILE#"$ROOT"/}"
  sed '$d' "$logs/report.txt"
  [ "$blocking" -eq 0 ] || rc=1
  : >"$logs/scan.log"
  gate_result "$name" scan "$rc" "$start" "$logs/scan.log"
}

printf 'gates: %s (%s), %s, %d stack(s) in %s\n' "$("$TF" version | head -n1)" "$TF" \
  "$("$TRIVY" --version 2>/dev/null | head -n1 | sed 's/^Version: /trivy /')" "${#STACKS[@]}" "$STACKS_DIR"
[ "$USE_MIRROR" = 1 ] || printf 'gates: no provider mirror in %s: terraform init uses the registry\n' "$MIRROR"
for s in "${STACKS[@]}"; do run_stack "$s"; done

# ---------------------------------------------------------------- summary
printf '\n=== summary\n'
printf '%-28s' stack; for g in "${GATES[@]}"; do printf '%-16s' "$g"; done; printf '\n'
for s in "${STACKS[@]}"; do
  n="$(basename "$s")"
  printf '%-28s' "$n"
  for g in "${GATES[@]}"; do printf '%-16s' "${STATUS[$n/$g]:-skip} ${TIME[$n/$g]:-}"; done
  printf '\n'
done
if [ "$FAILED" -ne 0 ]; then
  printf 'gates: FAILED\n'
  exit 1
fi
printf 'gates: all passed\n'
exit 0
}
