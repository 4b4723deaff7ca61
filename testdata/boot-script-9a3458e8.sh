#!/bin/bash
# Boot script of the WordPress web servers (Amazon Linux 2023, x86_64 and arm64),
# run once per instance by cloud-init as root. Rendered by constructs/web/bootscript.
# Every step is idempotent: running the whole script again changes nothing.
# Tests source this file (main does not run then), point the paths below at a
# temporary directory and call single steps.
set -Eeuo pipefail

# Values from the other tiers; the Go template fills them in (or Terraform does).
REGION='us-east-1'
FILE_SYSTEM_ID='${aws_efs_file_system.web_root.id}'
ACCESS_POINT_ID='${aws_efs_access_point.web_root.id}'
DB_HOST='${aws_db_instance.database.address}'
DB_PORT='3306'
DB_NAME='wordpress'
DB_SECRET_ARN='${aws_db_instance.database.master_user_secret[0].secret_arn}'
WP_VERSION='6.8.3'
HEALTH_CHECK_PATH='/healthz.php'
# Only the load balancer, somewhere in the VPC, may say who the visitor is.
VPC_CIDR='10.0.0.0/16'
SITE_URL='http://${aws_lb.web.dns_name}'
# shellcheck disable=SC2016 # the title is text: a "$" in it stays a "$"
SITE_TITLE='WordPress'
ADMIN_EMAIL='admin@example.com'
ADMIN_USER='admin'
# Empty until the first boot installs WordPress and stores the admin password there.
ADMIN_SECRET_ARN='${aws_secretsmanager_secret.wordpress_admin.arn}'
# The site's front (see configure_front) and object cache (install_object_cache).
PIN_SITE_URL='false'
BEHIND_CDN='false'
CACHE_HOST=''
CACHE_PORT='0'
# The servers' log groups are LOG_GROUP_PREFIX/<role> (see configure_cloudwatch_agent).
LOG_GROUP_PREFIX='/wordpress/wordpress-default'

WEB_ROOT=/var/www/html
# Lives on EFS next to the site but is never served (see the Apache config).
PRIVATE_DIR=/var/www/html/.wp-private
FSTAB=/etc/fstab
EFS_UTILS_CONF=/etc/amazon/efs/efs-utils.conf
PHP_INI_DIR=/etc/php.d
HTTPD_CONF_DIR=/etc/httpd/conf.d
HEALTH_DIR=/usr/local/share/wordpress-health
SHARE_DIR=/usr/local/share/wordpress-boot
CREDS_DIR=/etc/wordpress
CREDS_FILE=/etc/wordpress/db-credentials.php
FRONT_FILE=/etc/wordpress/front.php
# The object cache drop-in: Redis Object Cache (wordpress.org/plugins/redis-cache),
# pinned and verified. Its bundled Predis client speaks TLS, which ElastiCache requires.
OBJECT_CACHE_PLUGIN_VERSION=2.7.0
OBJECT_CACHE_PLUGIN_SHA256=0cbc41dea351688693b8e7db1165b5d92b6c8ef7231ac0ff5abec7b83d62c635
CA_BUNDLE=/etc/wordpress/rds-ca-bundle.pem
CREDS_SCRIPT=/usr/local/sbin/wordpress-db-credentials
# PHP writes here when MySQL refuses the password; a systemd path unit then
# refreshes the credentials at once instead of at the next timer run.
REFRESH_DIR=/var/lib/wordpress-boot
SYSTEMD_DIR=/etc/systemd/system
LOG_FILE='/var/log/wordpress-boot.log'
CWAGENT_CONFIG=/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json
CWAGENT_CTL=/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl
CRON_SCRIPT=/usr/local/sbin/wordpress-cron
MAIL_PLUGIN=wp-content/mu-plugins/wordpress-boot-mail.php
WEB_USER=apache
WEB_GROUP=apache
RETRY_ATTEMPTS=30
RETRY_DELAY=10
# How long a server waits for another one installing WordPress on EFS.
LOCK_TIMEOUT=600
LOG_TAG=wordpress-boot
CONFIG_CHANGED=0

log() { printf '%s: %s\n' "$LOG_TAG" "$*"; }
die() {
	printf '%s: ERROR: %s\n' "$LOG_TAG" "$*" >&2
	exit 1
}
on_error() { printf '%s: ERROR: exit status %s at line %s: %s\n' "$LOG_TAG" "$1" "$2" "$3" >&2; }

# retry CMD...: for simple commands only (set -e is off inside a && list).
retry() {
	local attempt
	for ((attempt = 1; ; attempt++)); do
		"$@" && return 0
		if ((attempt >= RETRY_ATTEMPTS)); then
			return 1
		fi
		log "attempt $attempt of $* failed; retrying in $RETRY_DELAY s"
		sleep "$RETRY_DELAY"
	done
}

# php_quote S: S escaped for a single-quoted PHP string, where only \ and ' are special.
php_quote() {
	local s=$1
	s=$${s//\\/\\\\}
	s=$${s//\'/\\\'}
	printf '%s' "$s"
}

# put_file MODE PATH [OWNER] < CONTENT: replaces PATH atomically and only when the
# content differs, so re-runs leave files (and services) alone.
put_file() {
	local mode=$1 path=$2 owner=$${3:-} tmp
	tmp=$(mktemp "$path.XXXXXX")
	cat >"$tmp"
	if [[ -f $path ]] && cmp -s "$tmp" "$path"; then
		rm -f "$tmp"
		return 0
	fi
	chmod "$mode" "$tmp"
	if [[ -n $owner ]]; then
		chown "$owner" "$tmp"
	fi
	mv -f "$tmp" "$path"
	CONFIG_CHANGED=1
	log "wrote $path"
}

install_packages() {
	# php-fpm is how Apache runs PHP on AL2023; jq parses the database secret.
	# amazon-cloudwatch-agent ships the logs (configure_cloudwatch_agent).
	retry dnf install -y httpd php-fpm php-cli php-mysqlnd php-gd php-xml php-mbstring \
		php-intl php-opcache amazon-efs-utils jq amazon-cloudwatch-agent
	# The zip extension exists only for some of AL2023's PHP versions, and WordPress
	# falls back to PclZip without it, so its absence is only a warning.
	# rpm prints name-version-release.arch, say php8.4-cli-8.4.10-1.amzn2023.x86_64.
	local php_cli
	php_cli=$(rpm -q --whatprovides php-cli | head -n 1)
	php_cli=$${php_cli%-*-*}
	if ! dnf install -y "$${php_cli%-cli}-zip"; then
		log "WARNING: $${php_cli%-cli}-zip is not available; WordPress will use PclZip"
	fi
}

configure_efs_utils() {
	# Name the region instead of relying on the instance metadata lookup.
	[[ -f $EFS_UTILS_CONF ]] || die "$EFS_UTILS_CONF is missing: is amazon-efs-utils installed?"
	sed -E "s/^#?region = .*/region = $REGION/" "$EFS_UTILS_CONF" | put_file 0644 "$EFS_UTILS_CONF"
}

mount_efs() {
	local line="$FILE_SYSTEM_ID:/ $WEB_ROOT efs _netdev,noresvport,tls,accesspoint=$ACCESS_POINT_ID 0 0"
	mkdir -p "$WEB_ROOT"
	if ! grep -qxF "$line" "$FSTAB"; then
		# Replace any other entry for the web root (say, an older access point).
		awk -v dir="$WEB_ROOT" '$2 != dir' "$FSTAB" | {
			cat
			printf '%s\n' "$line"
		} | put_file 0644 "$FSTAB"
	fi
	# New mount targets take a while to appear in DNS, hence the patience.
	if ! mountpoint -q "$WEB_ROOT"; then
		retry mount "$WEB_ROOT" || die "could not mount EFS $FILE_SYSTEM_ID (access point $ACCESS_POINT_ID) at $WEB_ROOT"
	fi
	mountpoint -q "$WEB_ROOT" || die "EFS $FILE_SYSTEM_ID is not mounted at $WEB_ROOT"
	log "EFS $FILE_SYSTEM_ID is mounted at $WEB_ROOT"
}

configure_selinux() {
	# AL2023 ships SELinux permissive; should it be enforcing, Apache must still read NFS.
	if command -v selinuxenabled >/dev/null && selinuxenabled; then
		setsebool -P httpd_use_nfs 1
	fi
}

configure_php() {
	{
		cat <<'EOF'
; WordPress is served from EFS, where every stat() is a network round trip:
; OPcache and the realpath cache trust what they cached for a while instead.
opcache.enable=1
opcache.memory_consumption=128
opcache.interned_strings_buffer=16
opcache.max_accelerated_files=20000
opcache.validate_timestamps=1
opcache.revalidate_freq=60
opcache.enable_file_override=1
realpath_cache_size=4096K
realpath_cache_ttl=300
upload_max_filesize=64M
post_max_size=64M
EOF
		# Set here rather than trusted to the package's default: without it the
		# database credentials stay cached for revalidate_freq after a rotation.
		printf '; Files OPcache never caches (the database credentials).\nopcache.blacklist_filename=%s\n' "$PHP_INI_DIR/opcache*.blacklist"
	} | put_file 0644 "$PHP_INI_DIR/90-wordpress.ini"
	printf '%s\n' "$CREDS_FILE" | put_file 0644 "$PHP_INI_DIR/opcache-wordpress.blacklist"
}

configure_apache() {
	mkdir -p "$HEALTH_DIR"
	{
		printf "<?php\n\$marker = '%s';\n" "$(php_quote "$PRIVATE_DIR/efs-marker")"
		cat <<'EOF'
// ALB health check: 200 only when PHP runs and the EFS web root is mounted (the
// marker exists only on EFS). It never touches the database, so an RDS failover
// does not take every server out of service at once.
header('Cache-Control: no-store');
header('Content-Type: text/plain; charset=utf-8');
if (is_file($marker)) {
    echo "ok\n";
} else {
    http_response_code(503);
    echo "efs web root not mounted\n";
}
EOF
	} | put_file 0644 "$HEALTH_DIR/healthz.php"

	put_file 0644 "$HTTPD_CONF_DIR/wordpress.conf" <<EOF
# WordPress on EFS. Permalinks need .htaccess; sendfile and mmap misbehave on NFS.
<Directory "$WEB_ROOT">
    AllowOverride All
    Require all granted
    EnableSendfile Off
    EnableMMAP Off
</Directory>
<FilesMatch "^\.ht">
    Require all denied
</FilesMatch>
# The first boot installs WordPress; its web installer must never be offered,
# not even when the database is replaced by an empty one.
<LocationMatch "^/wp-admin/(install|setup-config)\.php">
    Require all denied
</LocationMatch>
# The load balancer, and only it, names the visitor in X-Forwarded-For.
<IfModule !remoteip_module>
    LoadModule remoteip_module modules/mod_remoteip.so
</IfModule>
RemoteIPHeader X-Forwarded-For
RemoteIPInternalProxy $VPC_CIDR
# Salts, install lock and staging area: on EFS, never served.
<Directory "$PRIVATE_DIR">
    AllowOverride None
    Require all denied
</Directory>
# Served from local disk, so it answers 503 rather than 404 when EFS is missing.
Alias "$HEALTH_CHECK_PATH" "$HEALTH_DIR/healthz.php"
<Directory "$HEALTH_DIR">
    AllowOverride None
    Require all granted
</Directory>
DirectoryIndex index.php index.html
EOF
}

# refresh_db_credentials writes DB_USER and DB_PASSWORD from the RDS-managed
# secret to CREDS_FILE, replacing it only when they changed. Installed on its own
# as CREDS_SCRIPT and run by a systemd timer, since RDS rotates the secret.
refresh_db_credentials() {
	local secret user pass tmp
	secret=$(aws secretsmanager get-secret-value --region "$REGION" --secret-id "$DB_SECRET_ARN" \
		--query SecretString --output text) || die "could not read secret $DB_SECRET_ARN in $REGION"
	user=$(printf '%s' "$secret" | jq -er '.username | strings') || die "secret $DB_SECRET_ARN has no string \"username\""
	pass=$(printf '%s' "$secret" | jq -er '.password | strings') || die "secret $DB_SECRET_ARN has no string \"password\""
	if [[ -z $user || -z $pass || $user$pass == *[[:cntrl:]]* ]]; then
		die "secret $DB_SECRET_ARN has an empty username or password, or one with control characters"
	fi
	install -d -m 0750 -g "$WEB_GROUP" "$CREDS_DIR"
	tmp=$(mktemp "$CREDS_DIR/.db-credentials.XXXXXX")
	{
		printf '<?php\n// From Secrets Manager (%s); rewritten when the secret rotates.\n' "$DB_SECRET_ARN"
		printf "define('DB_USER', '%s');\n" "$(php_quote "$user")"
		printf "define('DB_PASSWORD', '%s');\n" "$(php_quote "$pass")"
	} >"$tmp"
	if [[ -f $CREDS_FILE ]] && cmp -s "$tmp" "$CREDS_FILE"; then
		rm -f "$tmp"
		log "database credentials unchanged"
		return 0
	fi
	chgrp "$WEB_GROUP" "$tmp"
	chmod 0640 "$tmp"
	mv -f "$tmp" "$CREDS_FILE"
	log "database credentials written to $CREDS_FILE"
}

install_credentials_refresher() {
	mkdir -p "$(dirname "$CREDS_SCRIPT")"
	{
		printf '#!/bin/bash\n# Installed by the WordPress boot script; see refresh_db_credentials there.\n'
		printf 'set -Eeuo pipefail\nLOG_TAG=wordpress-db-credentials\n'
		declare -p REGION DB_SECRET_ARN CREDS_DIR CREDS_FILE WEB_GROUP
		declare -f log die php_quote refresh_db_credentials
		printf 'refresh_db_credentials\n'
	} | put_file 0755 "$CREDS_SCRIPT"

	put_file 0644 "$SYSTEMD_DIR/wordpress-db-credentials.service" <<EOF
[Unit]
Description=Refresh the WordPress database credentials from Secrets Manager
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
ExecStart=$CREDS_SCRIPT
EOF
	# OnActiveSec starts the cycle: OnUnitActiveSec alone never fires for a unit
	# that systemd has not run yet.
	put_file 0644 "$SYSTEMD_DIR/wordpress-db-credentials.timer" <<'EOF'
[Unit]
Description=Refresh the WordPress database credentials every 2 minutes (RDS rotates them)

[Timer]
OnActiveSec=2min
OnUnitActiveSec=2min
RandomizedDelaySec=20s

[Install]
WantedBy=timers.target
EOF
	# When MySQL refuses the password, PHP writes the request file (at most every
	# 5 s) and the refresh runs at once: a rotation costs seconds, not minutes.
	install -d -m 0750 -g "$WEB_GROUP" "$REFRESH_DIR"
	# Opened to append, not installed: creating it cannot fail on a boot that
	# made it a moment before.
	: >>"$REFRESH_DIR/refresh-request"
	chgrp "$WEB_GROUP" "$REFRESH_DIR/refresh-request"
	chmod 0660 "$REFRESH_DIR/refresh-request"
	put_file 0644 "$SYSTEMD_DIR/wordpress-db-credentials.path" <<EOF
[Unit]
Description=Refresh the WordPress database credentials when MySQL refuses them

[Path]
PathChanged=$REFRESH_DIR/refresh-request
Unit=wordpress-db-credentials.service

[Install]
WantedBy=paths.target
EOF
}

# fetch_rds_ca_bundle stores the CA bundle of the region's RDS certificates,
# against which PHP verifies the database server. Without it, fail: TLS that
# trusts any certificate is no protection against an impostor.
fetch_rds_ca_bundle() {
	local url="https://truststore.pki.rds.amazonaws.com/$REGION/$REGION-bundle.pem" tmp
	tmp=$(mktemp)
	retry curl -fsSL -o "$tmp" "$url" || die "could not download the RDS CA bundle $url"
	grep -q -- '-----BEGIN CERTIFICATE-----' "$tmp" || die "$url holds no certificate"
	install -d -m 0750 -g "$WEB_GROUP" "$CREDS_DIR"
	put_file 0644 "$CA_BUNDLE" <"$tmp"
	rm -f "$tmp"
}

# with_install_lock CMD...: runs CMD holding an flock on EFS, so that of several
# servers booting together exactly one installs and the others wait, then find
# it done. EFS (NFSv4.1) releases the lock of a server that dies.
with_install_lock() {
	local fd
	mkdir -p "$PRIVATE_DIR"
	exec {fd}>>"$PRIVATE_DIR/install.lock"
	flock -w "$LOCK_TIMEOUT" "$fd" || die "timed out after $LOCK_TIMEOUT s waiting for $PRIVATE_DIR/install.lock"
	"$@"
	exec {fd}>&-
}

install_wordpress() {
	if [[ -f $WEB_ROOT/wp-includes/version.php ]]; then
		log "WordPress is already on EFS; not installing"
		return 0
	fi
	local foreign
	foreign=$(find "$WEB_ROOT" -mindepth 1 -maxdepth 1 ! -name .wp-private ! -name lost+found -print -quit)
	if [[ ! -e $PRIVATE_DIR/install-in-progress && -n $foreign ]]; then
		log "the web root already holds a site without WordPress ($foreign); not installing over it"
		return 0
	fi

	local url="https://wordpress.org/wordpress-$WP_VERSION.tar.gz" tmp want got
	tmp=$(mktemp -d)
	log "downloading $url"
	retry curl -fsSL -o "$tmp/wordpress.tar.gz" "$url" || die "could not download $url"
	retry curl -fsSL -o "$tmp/wordpress.tar.gz.sha1" "$url.sha1" || die "could not download $url.sha1"
	want=$(tr -d '[:space:]' <"$tmp/wordpress.tar.gz.sha1")
	[[ $want =~ ^[0-9a-f]{40}$ ]] || die "$url.sha1 holds no SHA-1 checksum"
	got=$(sha1sum "$tmp/wordpress.tar.gz" | cut -d ' ' -f 1)
	[[ $got == "$want" ]] || die "SHA-1 of $url is $got, want $want"

	# Unpacked on EFS itself, so each move into place below is an atomic rename.
	local staging=$PRIVATE_DIR/staging entry
	rm -rf "$staging"
	mkdir -p "$staging"
	tar -xzf "$tmp/wordpress.tar.gz" -C "$staging" --no-same-owner
	rm -rf "$tmp"
	[[ -f $staging/wordpress/wp-includes/version.php ]] || die "$url has no wordpress/wp-includes/version.php"
	chown -R "$WEB_USER:$WEB_GROUP" "$staging/wordpress"
	# Entries already present are kept. wp-includes goes last: its version.php
	# marks a complete install, and the marker below lets a crashed one resume.
	touch "$PRIVATE_DIR/install-in-progress"
	for entry in "$staging"/wordpress/*; do
		if [[ $entry != */wp-includes && ! -e $WEB_ROOT/$${entry##*/} ]]; then
			mv "$entry" "$WEB_ROOT/"
		fi
	done
	if [[ ! -e $WEB_ROOT/wp-includes ]]; then
		mv "$staging/wordpress/wp-includes" "$WEB_ROOT/"
	fi
	[[ -f $WEB_ROOT/wp-includes/version.php ]] || die "WordPress install left no $WEB_ROOT/wp-includes/version.php"
	rm -rf "$staging" "$PRIVATE_DIR/install-in-progress"
	log "installed WordPress $WP_VERSION on EFS"
}

write_private_files() {
	put_file 0644 "$PRIVATE_DIR/.htaccess" "$WEB_USER:$WEB_GROUP" <<<'Require all denied'
	local salts=$PRIVATE_DIR/wp-salts.php name
	if [[ ! -e $salts ]]; then
		{
			printf '<?php\n// Generated once, at the first boot; keep it: new salts log everyone out.\n'
			for name in AUTH_KEY SECURE_AUTH_KEY LOGGED_IN_KEY NONCE_KEY AUTH_SALT SECURE_AUTH_SALT LOGGED_IN_SALT NONCE_SALT; do
				printf "define('%s', '%s');\n" "$name" "$(head -c 48 /dev/urandom | base64 -w 0)"
			done
		} | put_file 0640 "$salts" "$WEB_USER:$WEB_GROUP"
	fi
	printf 'This file is on EFS; %s answers 200 only while it can see it.\n' "$HEALTH_CHECK_PATH" |
		put_file 0644 "$PRIVATE_DIR/efs-marker" "$WEB_USER:$WEB_GROUP"
}

write_wp_config() {
	local config=$WEB_ROOT/wp-config.php
	if [[ -e $config || ! -f $WEB_ROOT/wp-includes/version.php ]]; then
		return 0
	fi
	{
		printf '<?php\n// Written once by the boot script. Edits stick, except to the DB_NAME and\n'
		printf '// DB_HOST lines, which every boot points at the stack'"'"'s current database.\n'
		printf '// DB_USER and DB_PASSWORD live on each server, refreshed from Secrets Manager.\n'
		printf "require '%s';\n" "$(php_quote "$CREDS_FILE")"
		printf "require '%s';\n" "$(php_quote "$PRIVATE_DIR/wp-salts.php")"
		printf "define('DB_NAME', '%s');\n" "$(php_quote "$DB_NAME")"
		printf "define('DB_HOST', '%s');\n" "$(php_quote "$DB_HOST:$DB_PORT")"
		cat <<'EOF'
define('DB_CHARSET', 'utf8mb4');
define('DB_COLLATE', '');
// RDS requires TLS; wp-content/db.php also verifies the server's certificate.
define('MYSQL_CLIENT_FLAGS', MYSQLI_CLIENT_SSL);
$table_prefix = 'wp_';
// The ALB terminates HTTPS; without this WordPress would redirect in circles.
if (isset($_SERVER['HTTP_X_FORWARDED_PROTO']) && $_SERVER['HTTP_X_FORWARDED_PROTO'] === 'https') {
    $_SERVER['HTTPS'] = 'on';
}
// Every server writes the same files on EFS; never ask for FTP credentials.
define('FS_METHOD', 'direct');
// Scheduled jobs run from a systemd timer, on one server at a time.
define('DISABLE_WP_CRON', true);
define('WP_DEBUG', false);
if (!defined('ABSPATH')) {
    define('ABSPATH', __DIR__ . '/');
}
require_once ABSPATH . 'wp-settings.php';
EOF
	} | put_file 0640 "$config" "$WEB_USER:$WEB_GROUP"
}

# point_wp_config_at_database rewrites the DB_NAME and DB_HOST lines of
# wp-config.php, and nothing else, so that a restored or replaced database is
# picked up by the next boot while every other edit stays.
point_wp_config_at_database() {
	local config=$WEB_ROOT/wp-config.php
	[[ -f $config ]] || return 0
	local pattern="^[[:space:]]*define\([[:space:]]*'DB_(NAME|HOST)'"
	if [[ $(grep -Ec "$${pattern/NAME|HOST/NAME}" "$config") -ne 1 || $(grep -Ec "$${pattern/NAME|HOST/HOST}" "$config") -ne 1 ]]; then
		log "WARNING: $config has no single DB_NAME and DB_HOST line; not pointing it at $DB_HOST:$DB_PORT/$DB_NAME"
		return 0
	fi
	local tmp
	tmp=$(mktemp)
	PATTERN=$pattern NAME_LINE="define('DB_NAME', '$(php_quote "$DB_NAME")');" \
		HOST_LINE="define('DB_HOST', '$(php_quote "$DB_HOST:$DB_PORT")');" \
		awk '$0 ~ ENVIRON["PATTERN"] { print ($0 ~ /DB_NAME/ ? ENVIRON["NAME_LINE"] : ENVIRON["HOST_LINE"]); next }
			{ print }' "$config" >"$tmp"
	put_file "$(stat -c %a "$config")" "$config" "$(stat -c %u:%g "$config")" <"$tmp"
	rm -f "$tmp"
}

# write_db_dropin installs wp-content/db.php: WordPress's own database class,
# connecting over TLS with the server certificate verified against the RDS CA
# bundle (WordPress itself passes only MYSQL_CLIENT_FLAGS, which encrypts but
# trusts any certificate), and asking for fresh credentials when MySQL refuses
# the password. It is rewritten at every boot; a db.php of another origin is
# left alone, with a warning.
write_db_dropin() {
	local dropin=$WEB_ROOT/wp-content/db.php mark='Installed by the WordPress boot script'
	[[ -d $WEB_ROOT/wp-content ]] || return 0
	if [[ -e $dropin ]] && ! grep -qF "$mark" "$dropin"; then
		log "WARNING: $dropin is not ours; the database certificate is verified only if it does so"
		return 0
	fi
	{
		printf "<?php\n// %s at every boot; edits are lost.\n" "$mark"
		printf "const WORDPRESS_BOOT_DB_CA = '%s';\n" "$(php_quote "$CA_BUNDLE")"
		printf "const WORDPRESS_BOOT_REFRESH = '%s';\n" "$(php_quote "$REFRESH_DIR/refresh-request")"
		cat <<'EOF'
class WordPress_Boot_DB extends wpdb {
    public function db_connect($allow_bail = true) {
        $this->is_mysql = true;
        mysqli_report(MYSQLI_REPORT_OFF);
        $dbh = mysqli_init();
        // A CA makes mysqlnd verify the certificate and the host name.
        $dbh->ssl_set(null, null, WORDPRESS_BOOT_DB_CA, null, null);
        $dbh->options(MYSQLI_OPT_SSL_VERIFY_SERVER_CERT, true);
        list($host, $port) = $this->parse_db_host($this->dbhost) ?: array($this->dbhost, null);
        if (@$dbh->real_connect($host, $this->dbuser, $this->dbpassword, null, $port, null, MYSQLI_CLIENT_SSL)) {
            $this->dbh = $dbh;
            $this->init_charset();
            $this->set_charset($dbh);
            $this->ready = true;
            $this->set_sql_mode();
            $this->select($this->dbname, $dbh);
            return true;
        }
        $this->dbh = null;
        // Access denied: the secret has likely rotated; ask for it now.
        $last = @filemtime(WORDPRESS_BOOT_REFRESH);
        if (1045 === $dbh->connect_errno && false !== $last && $last < time() - 5) {
            @file_put_contents(WORDPRESS_BOOT_REFRESH, time() . "\n");
        }
        if ($allow_bail) {
            $this->bail('<h1>Error establishing a database connection</h1>', 'db_connect_fail');
        }
        return false;
    }
}
$wpdb = new WordPress_Boot_DB(DB_USER, DB_PASSWORD, DB_NAME, DB_HOST);
EOF
	} | put_file 0644 "$dropin" "$WEB_USER:$WEB_GROUP"
}

# write_htaccess gives a new site WordPress's own rewrite rules, for the pretty
# permalinks install_site turns on; WordPress manages the file from then on.
write_htaccess() {
	local htaccess=$WEB_ROOT/.htaccess pct=%
	if [[ -e $htaccess || ! -f $WEB_ROOT/wp-includes/version.php ]]; then
		return 0
	fi
	# "%" and "{" are kept apart in this script so Terraform never sees a directive.
	put_file 0644 "$htaccess" "$WEB_USER:$WEB_GROUP" <<EOF
# BEGIN WordPress
<IfModule mod_rewrite.c>
RewriteEngine On
RewriteBase /
RewriteRule ^index\.php$ - [L]
RewriteCond $pct{REQUEST_FILENAME} !-f
RewriteCond $pct{REQUEST_FILENAME} !-d
RewriteRule . /index.php [L]
</IfModule>
# END WordPress
EOF
}

# as_web_user CMD...: runs CMD as the web server's user, as PHP runs under php-fpm.
as_web_user() {
	if ((EUID == 0)) && [[ $WEB_USER != root ]]; then
		runuser -u "$WEB_USER" -- "$@"
	else
		"$@"
	fi
}

# site_php ARGS...: the install script, with what it needs in its environment.
site_php() {
	as_web_user env WP_SITE_URL="$SITE_URL" WP_SITE_TITLE="$SITE_TITLE" WP_ADMIN_USER="$ADMIN_USER" \
		WP_ADMIN_EMAIL="$ADMIN_EMAIL" php "$SHARE_DIR/install.php" "$WEB_ROOT" "$@"
}

write_install_script() {
	mkdir -p "$SHARE_DIR"
	put_file 0644 "$SHARE_DIR/install.php" <<'EOF'
<?php
// Installs WordPress without its web installer, which would let the first
// visitor of the site claim it. Run by the boot script under the install lock:
//   php install.php WEB_ROOT status    prints "status: installed" or "status: not installed"
//   php install.php WEB_ROOT install   reads the admin password on standard input
// Site URL, title, admin user and e-mail come from the environment.
if (PHP_SAPI !== 'cli' || count($argv) !== 3) {
    exit(2);
}
$url = getenv('WP_SITE_URL');
$_SERVER['HTTP_HOST'] = parse_url($url, PHP_URL_HOST) . (parse_url($url, PHP_URL_PORT) ? ':' . parse_url($url, PHP_URL_PORT) : '');
$_SERVER['REQUEST_URI'] = '/';
if (parse_url($url, PHP_URL_SCHEME) === 'https') {
    $_SERVER['HTTP_X_FORWARDED_PROTO'] = 'https';
}
define('WP_INSTALLING', true);
require $argv[1] . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
if (is_blog_installed()) {
    echo "status: installed\n";
    exit(0);
}
if ($argv[2] === 'status') {
    echo "status: not installed\n";
    exit(0);
}
$password = trim(stream_get_contents(STDIN));
if (strlen($password) < 24) {
    fwrite(STDERR, "install.php: want the admin password on standard input\n");
    exit(1);
}
$result = wp_install(getenv('WP_SITE_TITLE'), getenv('WP_ADMIN_USER'), getenv('WP_ADMIN_EMAIL'), true, '', wp_slash($password));
if (empty($result['user_id']) || !is_blog_installed()) {
    fwrite(STDERR, "install.php: wp_install() did not install WordPress\n");
    exit(1);
}
update_option('siteurl', $url);
update_option('home', $url);
update_option('permalink_structure', '/%postname%/');
echo "status: installed now\n";
EOF
}

# install_site installs WordPress into an empty database: the admin password is
# made here, stored in the admin secret first (so it is never lost) and never
# leaves the server otherwise.
install_site() {
	if [[ ! -f $WEB_ROOT/wp-config.php || ! -f $WEB_ROOT/wp-includes/version.php ]]; then
		return 0
	fi
	local status
	status=$(retry site_php status) || die "could not ask WordPress whether it is installed: $status"
	case $status in
	*"status: installed") return 0 ;;
	*"status: not installed") ;;
	*) die "could not ask WordPress whether it is installed (is the database reachable?): $status" ;;
	esac
	local password dir
	password=$(head -c 48 /dev/urandom | base64 -w 0 | tr -d '+/=')
	dir=$(mktemp -d)
	jq -n --arg u "$ADMIN_USER" --arg p "$password" '{username: $u, password: $p}' >"$dir/secret.json"
	aws secretsmanager put-secret-value --region "$REGION" --secret-id "$ADMIN_SECRET_ARN" \
		--secret-string "file://$dir/secret.json" >/dev/null || {
		rm -rf "$dir"
		die "could not store the admin password in $ADMIN_SECRET_ARN; not installing"
	}
	rm -rf "$dir"
	status=$(site_php install <<<"$password") || die "WordPress installation failed: $status"
	[[ $status == *"status: installed now" ]] || die "WordPress installation failed: $status"
	log "installed the site \"$SITE_TITLE\" for $ADMIN_EMAIL; admin password in $ADMIN_SECRET_ARN"
}

# The CloudWatch agent ships each log to its group (made by Terraform), a stream per instance.
configure_cloudwatch_agent() {
	mkdir -p "$(dirname "$CWAGENT_CONFIG")"
	put_file 0644 "$CWAGENT_CONFIG" <<EOF
{
  "agent": {"run_as_user": "root"},
  "logs": {
    "logs_collected": {
      "files": {
        "collect_list": [
          {"file_path": "/var/log/httpd/access_log", "log_group_name": "$LOG_GROUP_PREFIX/apache-access", "log_stream_name": "{instance_id}"},
          {"file_path": "/var/log/httpd/error_log", "log_group_name": "$LOG_GROUP_PREFIX/apache-error", "log_stream_name": "{instance_id}"},
          {"file_path": "/var/log/php-fpm/error.log", "log_group_name": "$LOG_GROUP_PREFIX/php-fpm-error", "log_stream_name": "{instance_id}"},
          {"file_path": "/var/log/php-fpm/www-error.log", "log_group_name": "$LOG_GROUP_PREFIX/php-fpm-error", "log_stream_name": "{instance_id}"},
          {"file_path": "/var/log/wordpress-boot.log", "log_group_name": "$LOG_GROUP_PREFIX/boot", "log_stream_name": "{instance_id}"}
        ]
      }
    }
  }
}
EOF
}

# WP-Cron off page loads, also in an older wp-config.php: install_cron's timer runs it.
disable_page_load_cron() {
	local config=$WEB_ROOT/wp-config.php settings="require_once ABSPATH . 'wp-settings.php';"
	[[ -f $config ]] || return 0
	if grep -Eq "^[[:space:]]*define\([[:space:]]*'DISABLE_WP_CRON'" "$config"; then
		return 0
	fi
	if ! grep -qxF "$settings" "$config"; then
		log "WARNING: unusual $config; WP-Cron still runs on page loads"
		return 0
	fi
	local tmp
	tmp=$(mktemp)
	SETTINGS=$settings LINE="define('DISABLE_WP_CRON', true);" awk '$0 == ENVIRON["SETTINGS"] {
			print ENVIRON["LINE"]
		}
		{ print }' "$config" >"$tmp"
	put_file "$(stat -c %a "$config")" "$config" "$(stat -c %u:%g "$config")" <"$tmp"
	rm -f "$tmp"
}

# run_wp_cron runs due jobs (wp-cron.php, PHP CLI) on the one server holding the
# lock on EFS, which frees it when a server dies: never twice, never stopped.
run_wp_cron() {
	if [[ ! -f $WEB_ROOT/wp-config.php || ! -f $WEB_ROOT/wp-cron.php ]]; then
		log "WordPress is not installed yet"
		return 0
	fi
	local fd host=$${SITE_URL#*://} proto=http
	host=$${host%%/*}
	[[ $SITE_URL != https://* ]] || proto=https
	exec {fd}>>"$PRIVATE_DIR/cron.lock"
	if ! flock -n "$fd"; then
		log "another server is running the scheduled jobs"
		exec {fd}>&-
		return 0
	fi
	# PHP's CLI puts the environment into $_SERVER, standing in for a request.
	(cd "$WEB_ROOT" && HTTP_HOST=$host HTTP_X_FORWARDED_PROTO=$proto php -f wp-cron.php)
	exec {fd}>&-
}

install_cron() {
	mkdir -p "$(dirname "$CRON_SCRIPT")" "$PRIVATE_DIR"
	# The lock is on EFS, and servers booting at once may all find it missing:
	# opening it to append creates it without failing on another's.
	: >>"$PRIVATE_DIR/cron.lock"
	chown "$WEB_USER:$WEB_GROUP" "$PRIVATE_DIR/cron.lock"
	chmod 0660 "$PRIVATE_DIR/cron.lock"
	{
		printf '#!/bin/bash\n# Installed by the WordPress boot script; see run_wp_cron there.\n'
		printf 'set -Eeuo pipefail\nLOG_TAG=wordpress-cron\n'
		declare -p WEB_ROOT PRIVATE_DIR SITE_URL
		declare -f log run_wp_cron
		printf 'run_wp_cron\n'
	} | put_file 0755 "$CRON_SCRIPT"

	put_file 0644 "$SYSTEMD_DIR/wordpress-cron.service" <<EOF
[Unit]
Description=WordPress scheduled jobs (WP-Cron), if this server holds the lock
RequiresMountsFor=$WEB_ROOT

[Service]
Type=oneshot
User=$WEB_USER
Group=$WEB_GROUP
ExecStart=$CRON_SCRIPT
TimeoutStartSec=30min
EOF
	put_file 0644 "$SYSTEMD_DIR/wordpress-cron.timer" <<'EOF'
[Unit]
Description=WordPress scheduled jobs every minute, on one server at a time

[Timer]
OnCalendar=minutely
AccuracySec=1s

[Install]
WantedBy=timers.target
EOF
}

setup_site() {
	install_wordpress
	write_private_files
	write_wp_config
	point_wp_config_at_database
	disable_page_load_cron
	rm -f "$WEB_ROOT/$MAIL_PLUGIN"
	write_db_dropin
	write_htaccess
	install_site
	install_object_cache
}

# configure_front writes the stack's front settings into FRONT_FILE, which PHP
# loads before every script (auto_prepend_file), at every boot: unlike
# wp-config.php it follows the stack.
configure_front() {
	install -d -m 0750 -g "$WEB_GROUP" "$(dirname "$FRONT_FILE")"
	{
		printf '<?php\n// Written at every boot by the boot script; PHP loads it first.\n'
		if [[ $BEHIND_CDN == true ]]; then
			printf "// Behind CloudFront, whose viewers all use HTTPS.\n"
			printf "\$_SERVER['HTTPS'] = 'on';\n"
		fi
		if [[ $PIN_SITE_URL == true ]]; then
			printf "define('WP_HOME', '%s');\n" "$(php_quote "$SITE_URL")"
			printf "define('WP_SITEURL', '%s');\n" "$(php_quote "$SITE_URL")"
		fi
		if [[ -n $CACHE_HOST ]]; then
			printf "// Object cache over TLS; unreachable, WordPress runs on without it.\n"
			printf "define('WP_REDIS_CLIENT', 'predis');\n"
			printf "define('WP_REDIS_SCHEME', 'tls');\n"
			printf "define('WP_REDIS_HOST', '%s');\n" "$(php_quote "$CACHE_HOST")"
			printf "define('WP_REDIS_PORT', %d);\n" "$CACHE_PORT"
			printf "define('WP_REDIS_TIMEOUT', 0.5);\n"
			printf "define('WP_REDIS_READ_TIMEOUT', 0.5);\n"
			printf "define('WP_REDIS_GRACEFUL', true);\n"
		fi
	} | put_file 0640 "$FRONT_FILE"
	chgrp "$WEB_GROUP" "$FRONT_FILE"
	printf 'auto_prepend_file=%s\n' "$FRONT_FILE" | put_file 0644 "$PHP_INI_DIR/91-wordpress-front.ini"
}

# install_object_cache installs the pinned drop-in on EFS when the stack has a
# cache and removes its own when not. A failure only warns: the site runs
# without an object cache.
install_object_cache() {
	local plugins=$WEB_ROOT/wp-content/plugins dropin=$WEB_ROOT/wp-content/object-cache.php
	local marker=$PRIVATE_DIR/object-cache-version
	if [[ ! -f $WEB_ROOT/wp-includes/version.php ]]; then
		return 0
	fi
	if [[ -z $CACHE_HOST ]]; then
		if [[ -f $marker ]]; then
			rm -f "$dropin" "$marker"
			log "no object cache in the stack: removed the drop-in"
		fi
		return 0
	fi
	if [[ -e $dropin && ! -f $marker ]]; then
		log "WARNING: $dropin is not the drop-in this script installs; leaving the object cache to it"
		return 0
	fi
	if [[ -f $dropin && $(<"$marker") == "$OBJECT_CACHE_PLUGIN_VERSION" ]]; then
		return 0
	fi
	local url="https://downloads.wordpress.org/plugin/redis-cache.$OBJECT_CACHE_PLUGIN_VERSION.zip"
	local tmp got staging=$PRIVATE_DIR/staging-object-cache
	tmp=$(mktemp -d)
	if ! retry curl -fsSL -o "$tmp/plugin.zip" "$url"; then
		rm -rf "$tmp"
		log "WARNING: could not download $url; WordPress runs without the object cache"
		return 0
	fi
	got=$(sha256sum "$tmp/plugin.zip" | cut -d ' ' -f 1)
	if [[ $got != "$OBJECT_CACHE_PLUGIN_SHA256" ]]; then
		rm -rf "$tmp"
		log "WARNING: SHA-256 of $url is $got, want $OBJECT_CACHE_PLUGIN_SHA256; not installed, WordPress runs without the object cache"
		return 0
	fi
	# On EFS, so the moves are renames; python3 is on every AL2023, unzip not.
	rm -rf "$staging"
	mkdir -p "$staging"
	if ! python3 -m zipfile -e "$tmp/plugin.zip" "$staging" || [[ ! -f $staging/redis-cache/includes/object-cache.php ]]; then
		rm -rf "$tmp" "$staging"
		log "WARNING: $url holds no redis-cache/includes/object-cache.php; WordPress runs without the object cache"
		return 0
	fi
	rm -rf "$tmp"
	chown -R "$WEB_USER:$WEB_GROUP" "$staging/redis-cache"
	mkdir -p "$plugins"
	rm -rf "$plugins/redis-cache"
	mv "$staging/redis-cache" "$plugins/redis-cache"
	rm -rf "$staging"
	# The drop-in last: without it WordPress uses no object cache.
	cp "$plugins/redis-cache/includes/object-cache.php" "$dropin.tmp"
	chown "$WEB_USER:$WEB_GROUP" "$dropin.tmp"
	mv -f "$dropin.tmp" "$dropin"
	printf '%s\n' "$OBJECT_CACHE_PLUGIN_VERSION" | put_file 0644 "$marker" "$WEB_USER:$WEB_GROUP"
	log "installed the object cache drop-in (Redis Object Cache $OBJECT_CACHE_PLUGIN_VERSION)"
}

start_services() {
	apachectl configtest || die "the Apache configuration is invalid"
	systemctl daemon-reload
	local units=(php-fpm httpd wordpress-db-credentials.timer wordpress-db-credentials.path wordpress-cron.timer)
	systemctl enable "$${units[@]}"
	if ((CONFIG_CHANGED)); then
		systemctl restart "$${units[@]}"
	else
		systemctl start "$${units[@]}"
	fi
	systemctl is-active --quiet php-fpm httpd || die "php-fpm or httpd is not running"
	"$CWAGENT_CTL" -a fetch-config -m ec2 -s -c "file:$CWAGENT_CONFIG" ||
		log "WARNING: the CloudWatch agent did not start; logs stay on this server"
}

main() {
	# Into a file, the journal, and (through cloud-init's capture) the console.
	exec > >(tee -a "$LOG_FILE" | logger -t "$LOG_TAG" -s) 2>&1
	trap 'on_error $? $LINENO "$BASH_COMMAND"' ERR
	log "starting: EFS $FILE_SYSTEM_ID, database $DB_HOST:$DB_PORT/$DB_NAME, WordPress $WP_VERSION"
	install_packages
	configure_efs_utils
	mount_efs
	configure_selinux
	configure_php
	configure_front
	configure_apache
	install_credentials_refresher
	install_cron
	configure_cloudwatch_agent
	"$CREDS_SCRIPT" || die "could not fetch the database credentials from $DB_SECRET_ARN"
	fetch_rds_ca_bundle
	write_install_script
	with_install_lock setup_site
	start_services
	log "done"
}

if ! (return 0 2>/dev/null); then
	main "$@"
fi
