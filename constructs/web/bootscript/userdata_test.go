package bootscript

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"mvdan.cc/sh/v3/syntax"
)

// testConfig holds plain values of realistic length.
var testConfig = Config{
	Region:           "us-east-1",
	FileSystemID:     "fs-0123456789abcdef0",
	AccessPointID:    "fsap-0fedcba9876543210",
	DBHost:           "wordpress.c1a2b3c4d5e6.us-east-1.rds.amazonaws.com",
	DBPort:           3306,
	DBName:           "wordpress",
	DBSecretARN:      "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-0a1b2c3d-4e5f-6789-abcd-ef0123456789-AbCdEf",
	WordPressVersion: "6.8.3",
	VpcCIDR:          "10.0.0.0/16",
	SiteURL:          "http://wordpress-default-alb-1234567890.us-east-1.elb.amazonaws.com",
	SiteTitle:        `Ann's "Resilient" WordPress & $HOME`,
	AdminEmail:       "admin@example.com",
	AdminSecretARN:   "arn:aws:secretsmanager:us-east-1:123456789012:secret:wordpress-default-wordpress-admin-20261126120000000000000001-AbCdEf",
	LogGroupPrefix:   "/wordpress/wordpress-default",
}

// tokenConfig holds cdktf tokens where the lead wires in other tiers' attributes.
var tokenConfig = Config{
	Region:           "${TfToken[TOKEN.1]}",
	FileSystemID:     "${TfToken[TOKEN.2]}",
	AccessPointID:    "${TfToken[TOKEN.3]}",
	DBHost:           "${TfToken[TOKEN.4]}",
	DBPort:           3306,
	DBName:           "wordpress",
	DBSecretARN:      "${TfToken[TOKEN.5]}",
	WordPressVersion: "6.8.3",
	VpcCIDR:          "10.0.0.0/16",
	SiteURL:          "http://${TfToken[TOKEN.6]}",
	SiteTitle:        "WordPress",
	AdminEmail:       "admin@example.com",
	AdminSecretARN:   "${TfToken[TOKEN.7]}",
	LogGroupPrefix:   "/wordpress/wordpress-default",
}

func mustRender(t *testing.T, c Config) string {
	t.Helper()
	s, err := Render(c)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	return s
}

// requireTool skips a test whose tool is missing, except in CI, where the tool
// must be installed.
func requireTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err == nil {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not on PATH; CI must install it", name)
	}
	t.Skipf("%s is not on PATH", name)
}

func TestUserDataValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(*Config)
		field  string // "" means valid
	}{
		{"plain values", func(*Config) {}, ""},
		{"tokens", func(c *Config) { *c = tokenConfig }, ""},
		{"empty region", func(c *Config) { c.Region = "" }, "Region"},
		{"bad region", func(c *Config) { c.Region = "US East" }, "Region"},
		{"empty file system", func(c *Config) { c.FileSystemID = "" }, "FileSystemID"},
		{"access point as file system", func(c *Config) { c.FileSystemID = "fsap-0123" }, "FileSystemID"},
		{"empty access point", func(c *Config) { c.AccessPointID = "" }, "AccessPointID"},
		{"empty host", func(c *Config) { c.DBHost = "" }, "DBHost"},
		{"host with port", func(c *Config) { c.DBHost = "db.example.com:3306" }, "DBHost"},
		{"port zero", func(c *Config) { c.DBPort = 0 }, "DBPort"},
		{"port too big", func(c *Config) { c.DBPort = 65536 }, "DBPort"},
		{"empty database name", func(c *Config) { c.DBName = "" }, "DBName"},
		{"quote in database name", func(c *Config) { c.DBName = "wp'; rm -rf /" }, "DBName"},
		{"empty secret", func(c *Config) { c.DBSecretARN = "" }, "DBSecretARN"},
		{"secret name not ARN", func(c *Config) { c.DBSecretARN = "rds!db-123" }, "DBSecretARN"},
		{"empty version", func(c *Config) { c.WordPressVersion = "" }, "WordPressVersion"},
		{"floating version", func(c *Config) { c.WordPressVersion = "latest" }, "WordPressVersion"},
		{"empty log group prefix", func(c *Config) { c.LogGroupPrefix = "" }, "LogGroupPrefix"},
		{"relative log group prefix", func(c *Config) { c.LogGroupPrefix = "wordpress/prod" }, "LogGroupPrefix"},
		{"log group prefix ending in a slash", func(c *Config) { c.LogGroupPrefix = "/wordpress/" }, "LogGroupPrefix"},
		{"newline in token", func(c *Config) { c.DBHost = "${TfToken[TOKEN.4]}\nreboot" }, "DBHost"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := testConfig
			tt.change(&c)
			for name, render := range map[string]func(Config) (string, error){
				"Render": Render, "RenderForTerraform": RenderForTerraform,
			} {
				_, err := render(c)
				if tt.field == "" {
					if err != nil {
						t.Errorf("%s: unexpected error: %v", name, err)
					}
					continue
				}
				if err == nil {
					t.Fatalf("%s: got no error, want one naming %s", name, tt.field)
				}
				msg := err.Error()
				if !strings.Contains(msg, tt.field+":") || !strings.HasPrefix(msg, "web user data: ") {
					t.Errorf("%s: error %q does not name field %s", name, msg, tt.field)
				}
			}
		})
	}
}

func TestRenderForTerraformUnescapesToRender(t *testing.T) {
	t.Parallel()
	got, err := RenderForTerraform(testConfig)
	if err != nil {
		t.Fatalf("RenderForTerraform: %v", err)
	}
	if !strings.Contains(got, "$${") {
		t.Errorf("RenderForTerraform escaped nothing; the test proves nothing")
	}
	unescaped := strings.NewReplacer("$${", "${", "%%{", "%{").Replace(got)
	if diff := cmp.Diff(mustRender(t, testConfig), unescaped); diff != "" {
		t.Errorf("unescaped RenderForTerraform differs from Render (-want +got):\n%s", diff)
	}
}

func TestTerraformEscaper(t *testing.T) {
	t.Parallel()
	got := terraformEscaper.Replace(`echo "${HOME}" %{NAME} $x {{.Region}}`)
	if diff := cmp.Diff(`echo "$${HOME}" %%{NAME} $x {{.Region}}`, got); diff != "" {
		t.Errorf("escaped template text (-want +got):\n%s", diff)
	}
}

func TestRenderForTerraformKeepsTokensLive(t *testing.T) {
	t.Parallel()
	got, err := RenderForTerraform(tokenConfig)
	if err != nil {
		t.Fatalf("RenderForTerraform: %v", err)
	}
	// Every interpolation Terraform will evaluate must be one of the tokens.
	var live []string
	for i := 0; i < len(got)-1; i++ {
		if (got[i] == '$' || got[i] == '%') && got[i+1] == '{' {
			if i > 0 && got[i-1] == got[i] {
				continue // escaped
			}
			end := strings.IndexByte(got[i:], '}')
			live = append(live, got[i:i+end+1])
		}
	}
	want := []string{
		"${TfToken[TOKEN.1]}", "${TfToken[TOKEN.2]}", "${TfToken[TOKEN.3]}",
		"${TfToken[TOKEN.4]}", "${TfToken[TOKEN.5]}", "${TfToken[TOKEN.6]}", "${TfToken[TOKEN.7]}",
	}
	if diff := cmp.Diff(want, live); diff != "" {
		t.Errorf("live interpolations (-want +got):\n%s", diff)
	}
}

func TestUserDataStaticChecks(t *testing.T) {
	t.Parallel()
	script := mustRender(t, testConfig)
	tests := []struct {
		name  string
		check func(t *testing.T)
	}{
		{"parses as bash", func(t *testing.T) {
			p := syntax.NewParser(syntax.Variant(syntax.LangBash))
			if _, err := p.Parse(strings.NewReader(script), "userdata.sh"); err != nil {
				t.Errorf("rendered script does not parse as bash: %v", err)
			}
		}},
		{"shellcheck", func(t *testing.T) {
			requireTool(t, "shellcheck")
			shellcheck(t, script)
		}},
		{"fits EC2 user data limit, compressed", func(t *testing.T) {
			// The launch template sends the script through Terraform's
			// base64gzip (cloud-init unpacks it); EC2 takes at most 16384 bytes
			// before base64. Keep a quarter of that free for the script to grow
			// (operations_test.go holds the script with every option to it too).
			var b bytes.Buffer
			gz := gzip.NewWriter(&b)
			if _, err := gz.Write([]byte(script)); err != nil {
				t.Fatal(err)
			}
			if err := gz.Close(); err != nil {
				t.Fatal(err)
			}
			if n, limit := b.Len(), 16384*3/4; n > limit {
				t.Errorf("gzipped script is %d bytes, want at most %d (EC2 allows 16384)", n, limit)
			}
			t.Logf("script: %d bytes, gzipped: %d bytes", len(script), b.Len())
		}},
		{"site title is one shell word, kept as written", func(t *testing.T) {
			cmd := exec.Command("bash", "-c", `source /dev/stdin; printf %s "$SITE_TITLE"`)
			cmd.Stdin = strings.NewReader(script) // sourced: main does not run
			out, err := cmd.CombinedOutput()
			if err != nil || string(out) != testConfig.SiteTitle {
				t.Errorf("SITE_TITLE in bash: %v %q, want %q", err, out, testConfig.SiteTitle)
			}
		}},
		{"header", func(t *testing.T) {
			if !strings.HasPrefix(script, "#!/bin/bash\n") || !strings.Contains(script, "\nset -Eeuo pipefail\n") {
				t.Errorf("script does not start with #!/bin/bash and set -Eeuo pipefail")
			}
		}},
		{"fstab line names the file system", func(t *testing.T) {
			for _, want := range []string{
				"FILE_SYSTEM_ID='" + testConfig.FileSystemID + "'\n",
				"ACCESS_POINT_ID='" + testConfig.AccessPointID + "'\n",
				`"$FILE_SYSTEM_ID:/ $WEB_ROOT efs _netdev,noresvport,tls,accesspoint=$ACCESS_POINT_ID 0 0"`,
			} {
				if !strings.Contains(script, want) {
					t.Errorf("script lacks %q", want)
				}
			}
		}},
		{"no Terraform template directives", func(t *testing.T) {
			// cdktf's Fn functions escape only "${" in literal arguments, so a
			// "%{" would break the script passed through Fn.base64encode.
			if strings.Contains(script, "%{") {
				t.Errorf("script contains %q", "%{")
			}
		}},
		{"values are in place", func(t *testing.T) {
			for _, want := range []string{
				"REGION='us-east-1'", "DB_HOST='" + testConfig.DBHost + "'", "DB_PORT='3306'",
				"DB_NAME='wordpress'", "DB_SECRET_ARN='" + testConfig.DBSecretARN + "'",
				"WP_VERSION='6.8.3'", "HEALTH_CHECK_PATH='" + HealthCheckPath + "'",
			} {
				if !strings.Contains(script, want) {
					t.Errorf("script lacks %q", want)
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.check)
	}
}

func shellcheck(t *testing.T, script string) {
	t.Helper()
	cmd := exec.Command("shellcheck", "--shell=bash", "-")
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("shellcheck: %v\n%s", err, out)
	}
}

// sandbox is a fake Amazon Linux host in a temporary directory: the rendered
// script is sourced with its paths pointed below root, and fake dnf, mount,
// systemctl, aws, curl and friends on PATH record their calls.
type sandbox struct {
	t      *testing.T
	dir    string
	root   string
	webDir string
	env    []string
}

// fakes are the stand-ins for commands that would touch the real machine, AWS
// or the network. $T is the sandbox directory.
var fakes = map[string]string{
	"dnf":                         `echo "dnf $*" >>"$T/calls"`,
	"rpm":                         `echo php8.4-cli-8.4.10-1.amzn2023.0.1.x86_64`,
	"mount":                       `echo "mount $*" >>"$T/calls"; [[ ! -e $T/mount-fails ]] || exit 32; touch "$T/mounted"`,
	"mountpoint":                  `[[ -e $T/mounted ]]`,
	"systemctl":                   `echo "systemctl $*" >>"$T/calls"`,
	"apachectl":                   `echo "apachectl $*" >>"$T/calls"`,
	"amazon-cloudwatch-agent-ctl": `echo "amazon-cloudwatch-agent-ctl $*" >>"$T/calls"`,
	"selinuxenabled":              `exit 1`,
	"logger":                      `exec cat >&2`,
	"aws": `echo "aws $*" >>"$T/calls"
case "$*" in
"secretsmanager get-secret-value --region $WANT_REGION --secret-id $WANT_SECRET --query SecretString --output text")
	cat "$T/secret.json" ;;
"sesv2 send-email --region $WANT_REGION --from-email-address "*" --content Raw={Data=fileb://"*"}")
	f=${!#}
	f=${f#Raw=\{Data=fileb://}
	cp "${f%\}}" "$T/sent-mail" ;;
"secretsmanager put-secret-value --region $WANT_REGION --secret-id $WANT_ADMIN_SECRET --secret-string file://"*)
	[[ ! -e $T/aws-put-fails ]] || { echo "fake aws: AccessDeniedException" >&2; exit 254; }
	f=${!#}
	cp "${f#file://}" "$T/admin-secret.json" ;;
*) echo "fake aws: unexpected arguments: $*" >&2; exit 254 ;;
esac`,
	"curl": `out= url=
while (($#)); do
	case $1 in
	-o) out=$2; shift ;;
	https://*) url=$1 ;;
	esac
	shift
done
echo "curl $url" >>"$T/calls"
if [[ -e $T/curl-delay ]]; then sleep 0.3; fi
[[ -f $T/www/${url##*/} ]] || { echo "curl: (22) 404 $url" >&2; exit 22; }
cp "$T/www/${url##*/}" "$out"`,
}

// fakePHP stands in for PHP running WordPress's installer (the fake release
// has no WordPress to run); any other use of php goes to the real one.
const fakePHP = `if [[ ${1:-} == */install.php ]]; then
	echo "php install.php ${3:-}" >>"$T/calls"
	case ${3:-} in
	status) if [[ -e $T/site-installed ]]; then echo "status: installed"; else echo "status: not installed"; fi ;;
	install) [[ -n $(cat) ]] && touch "$T/site-installed" && echo "status: installed now" ;;
	esac
	exit 0
fi
PATH=${PATH#*:} exec php "$@"`

// harness sources the script, points its paths into the sandbox and runs its
// arguments as a command (main, or a single step). USERDATA may name another
// rendering of the script; TEST_WEB_USER and TEST_WEB_GROUP who PHP runs as.
const harness = `set -Eeuo pipefail
# shellcheck source=/dev/null
source "${USERDATA:-$T/userdata.sh}"
R=$T/root
WEB_ROOT=$R/var/www/html
PRIVATE_DIR=$WEB_ROOT/.wp-private
FSTAB=$R/etc/fstab
EFS_UTILS_CONF=$R/etc/amazon/efs/efs-utils.conf
PHP_INI_DIR=$R/etc/php.d
HTTPD_CONF_DIR=$R/etc/httpd/conf.d
HEALTH_DIR=$R/usr/local/share/wordpress-health
SHARE_DIR=$R/usr/local/share/wordpress-boot
CREDS_DIR=$R/etc/wordpress
CREDS_FILE=$R/etc/wordpress/db-credentials.php
FRONT_FILE=$R/etc/wordpress/front.php
CA_BUNDLE=$R/etc/wordpress/rds-ca-bundle.pem
CREDS_SCRIPT=$R/usr/local/sbin/wordpress-db-credentials
REFRESH_DIR=$R/var/lib/wordpress-boot
SYSTEMD_DIR=$R/etc/systemd/system
LOG_FILE=$R/var/log/wordpress-boot.log
CWAGENT_CONFIG=$R/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json
CWAGENT_CTL=amazon-cloudwatch-agent-ctl
CRON_SCRIPT=$R/usr/local/sbin/wordpress-cron
SENDMAIL_SCRIPT=$R/usr/local/sbin/wordpress-ses-sendmail
WEB_USER=${TEST_WEB_USER:-$(id -un)}
WEB_GROUP=${TEST_WEB_GROUP:-$(id -gn)}
RETRY_ATTEMPTS=2
RETRY_DELAY=0
LOCK_TIMEOUT=20
"$@"
`

const fstabBefore = "UUID=0b1c2d3e-0000-4000-8000-000000000000 / xfs defaults,noatime 1 1\n"

const efsUtilsConf = `[mount]
dns_name_format = {az}.{fs_id}.efs.{region}.{dns_name_suffix}
#The region of the file system when mounting from on-premises or cross region.
#region = us-east-1
stunnel_debug_enabled = false
`

func newSandbox(t *testing.T, c Config) *sandbox {
	t.Helper()
	return newSandboxWith(t, c, sandboxOptions{})
}

// sandboxOptions change what a sandbox serves and fakes.
type sandboxOptions struct {
	// release is the WordPress release tarball curl serves.
	// Default: a tiny fake release (wordpressTarball)
	release []byte
	// caBundle is what curl serves as the region's RDS CA bundle.
	// Default: a placeholder certificate
	caBundle string
	// realPHP runs WordPress's installer with the real php, not fakePHP.
	// Default: false
	realPHP bool
}

// fakeCABundle has the shape the boot script checks for; only the integration
// test connects to a database.
const fakeCABundle = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"

func newSandboxWith(t *testing.T, c Config, o sandboxOptions) *sandbox {
	t.Helper()
	requireTool(t, "jq")
	requireTool(t, "flock")
	dir := t.TempDir()
	s := &sandbox{t: t, dir: dir, root: filepath.Join(dir, "root")}
	s.webDir = filepath.Join(s.root, "var/www/html")
	for _, d := range []string{"bin", "www", "root/var/www/html"} {
		s.mkdir(d)
	}
	for _, d := range []string{"etc/php.d", "etc/httpd/conf.d", "etc/systemd/system", "etc/amazon/efs", "var/log", "usr/local/share"} {
		s.mkdir("root/" + d)
	}
	s.write("root/etc/fstab", fstabBefore, 0o644)
	s.write("root/etc/amazon/efs/efs-utils.conf", efsUtilsConf, 0o644)
	s.write("userdata.sh", mustRender(t, c), 0o755)
	s.write("harness.sh", harness, 0o644)
	for name, body := range fakes {
		s.write("bin/"+name, "#!/bin/bash\nset -euo pipefail\n"+body+"\n", 0o755)
	}
	if !o.realPHP {
		s.write("bin/php", "#!/bin/bash\nset -euo pipefail\n"+fakePHP+"\n", 0o755)
	}
	if o.release == nil {
		o.release = wordpressTarball(t, c.WordPressVersion)
	}
	if o.caBundle == "" {
		o.caBundle = fakeCABundle
	}
	sum := sha1.Sum(o.release)
	name := "wordpress-" + c.WordPressVersion + ".tar.gz"
	s.write("www/"+name, string(o.release), 0o644)
	s.write("www/"+name+".sha1", hex.EncodeToString(sum[:]), 0o644)
	s.write("www/"+c.Region+"-bundle.pem", o.caBundle, 0o644)
	s.setSecret("wp_admin", "first-password")
	s.env = append(os.Environ(),
		"T="+dir,
		"PATH="+filepath.Join(dir, "bin")+string(os.PathListSeparator)+os.Getenv("PATH"),
		"WANT_REGION="+c.Region,
		"WANT_SECRET="+c.DBSecretARN,
		"WANT_ADMIN_SECRET="+c.AdminSecretARN,
	)
	return s
}

func (s *sandbox) path(rel string) string { return filepath.Join(s.dir, rel) }

func (s *sandbox) mkdir(rel string) {
	s.t.Helper()
	if err := os.MkdirAll(s.path(rel), 0o755); err != nil {
		s.t.Fatal(err)
	}
}

func (s *sandbox) write(rel, content string, mode fs.FileMode) {
	s.t.Helper()
	p := s.path(rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		s.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		s.t.Fatal(err)
	}
}

func (s *sandbox) read(rel string) string {
	s.t.Helper()
	b, err := os.ReadFile(s.path(rel))
	if err != nil {
		s.t.Fatal(err)
	}
	return string(b)
}

func (s *sandbox) exists(rel string) bool {
	_, err := os.Stat(s.path(rel))
	return err == nil
}

func (s *sandbox) setSecret(user, password string) {
	s.t.Helper()
	b, err := json.Marshal(map[string]string{"username": user, "password": password})
	if err != nil {
		s.t.Fatal(err)
	}
	s.write("secret.json", string(b), 0o600)
}

func (s *sandbox) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Env = s.env
	cmd.Dir = s.dir
	return cmd
}

// run runs a step of the script (a function and its arguments, or main for all of it).
func (s *sandbox) run(steps ...string) (string, error) {
	out, err := s.command("bash", append([]string{s.path("harness.sh")}, steps...)...).CombinedOutput()
	return string(out), err
}

func (s *sandbox) mustRun(steps ...string) string {
	s.t.Helper()
	out, err := s.run(steps...)
	if err != nil {
		s.t.Fatalf("steps %v: %v\n%s", steps, err, out)
	}
	return out
}

// calls returns the recorded calls of the fake command name.
func (s *sandbox) calls(name string) []string {
	s.t.Helper()
	b, err := os.ReadFile(s.path("calls"))
	if err != nil && !os.IsNotExist(err) {
		s.t.Fatal(err)
	}
	var got []string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, name+" ") {
			got = append(got, line)
		}
	}
	return got
}

// downloads counts the WordPress releases fetched (each with its checksum).
func (s *sandbox) downloads() int {
	n := 0
	for _, c := range s.calls("curl") {
		if strings.Contains(c, "/wordpress-") {
			n++
		}
	}
	return n / 2
}

// snapshot maps every file below root to its mode, modification time and
// content, leaving out the log, which grows on purpose.
func (s *sandbox) snapshot() map[string]string {
	s.t.Helper()
	snap := map[string]string{}
	err := filepath.WalkDir(s.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, "wordpress-boot.log") {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(s.root, p)
		snap[rel] = fmt.Sprintf("%v %v\n%s", info.Mode(), info.ModTime().UnixNano(), b)
		return nil
	})
	if err != nil {
		s.t.Fatal(err)
	}
	return snap
}

// wordpressTarball builds a tiny stand-in for the WordPress release tarball.
func wordpressTarball(t *testing.T, version string) []byte {
	t.Helper()
	files := []struct{ name, body string }{
		{"wordpress/", ""},
		{"wordpress/index.php", "<?php\n// fake WordPress front controller\n"},
		{"wordpress/wp-config-sample.php", "<?php\n// sample\n"},
		{"wordpress/wp-admin/", ""},
		{"wordpress/wp-admin/index.php", "<?php\n"},
		{"wordpress/wp-content/", ""},
		{"wordpress/wp-content/index.php", "<?php\n// Silence is golden.\n"},
		{"wordpress/wp-includes/", ""},
		{"wordpress/wp-includes/version.php", "<?php\n$wp_version = '" + version + "';\n"},
	}
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, f := range files {
		h := &tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.body)), Uid: 4242, Gid: 4242}
		if strings.HasSuffix(f.name, "/") {
			h.Typeflag, h.Mode, h.Size = tar.TypeDir, 0o755, 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(f.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const (
	webRoot   = "root/var/www/html"
	wpConfig  = webRoot + "/wp-config.php"
	salts     = webRoot + "/.wp-private/wp-salts.php"
	version   = webRoot + "/wp-includes/version.php"
	creds     = "root/etc/wordpress/db-credentials.php"
	credsTool = "root/usr/local/sbin/wordpress-db-credentials"
)

func TestUserDataBootTwice(t *testing.T) {
	t.Parallel() // each test has its own sandbox
	s := newSandbox(t, testConfig)
	s.mustRun("main")
	first := s.snapshot()
	s.mustRun("main")
	if diff := cmp.Diff(first, s.snapshot()); diff != "" {
		t.Errorf("second boot changed the machine (-want +got):\n%s", diff)
	}

	if got := s.downloads(); got != 1 {
		t.Errorf("WordPress downloaded %d times, want 1", got)
	}
	wantFstab := fstabBefore + "fs-0123456789abcdef0:/ " + s.webDir +
		" efs _netdev,noresvport,tls,accesspoint=fsap-0fedcba9876543210 0 0\n"
	if diff := cmp.Diff(wantFstab, s.read("root/etc/fstab")); diff != "" {
		t.Errorf("fstab (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"mount " + s.webDir}, s.calls("mount")); diff != "" {
		t.Errorf("mount calls (-want +got):\n%s", diff)
	}
	if !strings.Contains(s.read("root/etc/amazon/efs/efs-utils.conf"), "\nregion = us-east-1\n") {
		t.Errorf("efs-utils.conf does not name the region")
	}
	if got := s.read(version); !strings.Contains(got, "6.8.3") {
		t.Errorf("version.php = %q, want the fake 6.8.3 release", got)
	}
	for _, leftover := range []string{webRoot + "/.wp-private/staging", webRoot + "/.wp-private/install-in-progress"} {
		if s.exists(leftover) {
			t.Errorf("%s left behind", leftover)
		}
	}

	config := s.read(wpConfig)
	for _, want := range []string{
		"require '" + s.path(creds) + "';",
		"require '" + s.path(salts) + "';",
		"define('DB_NAME', 'wordpress');",
		"define('DB_HOST', '" + testConfig.DBHost + ":3306');",
		"define('MYSQL_CLIENT_FLAGS', MYSQLI_CLIENT_SSL);",
		"if (isset($_SERVER['HTTP_X_FORWARDED_PROTO']) && $_SERVER['HTTP_X_FORWARDED_PROTO'] === 'https') {",
		"require_once ABSPATH . 'wp-settings.php';",
		"define('DISABLE_WP_CRON', true);",
	} {
		if !strings.Contains(config, want) {
			t.Errorf("wp-config.php lacks %q:\n%s", want, config)
		}
	}
	if strings.Contains(config, "define('DB_PASSWORD'") || strings.Contains(config, "first-password") {
		t.Errorf("wp-config.php holds database credentials:\n%s", config)
	}
	saltLines := regexp.MustCompile(`(?m)^define\('[A-Z_]+', '[A-Za-z0-9+/=]{64}'\);$`).FindAllString(s.read(salts), -1)
	if len(saltLines) != 8 {
		t.Errorf("salts file has %d salt definitions, want 8:\n%s", len(saltLines), s.read(salts))
	}
	if got, want := s.read(creds), "define('DB_USER', 'wp_admin');\ndefine('DB_PASSWORD', 'first-password');\n"; !strings.HasSuffix(got, want) {
		t.Errorf("credentials file = %q, want it to end in %q", got, want)
	}
	assertMode(t, s.path(creds), 0o640)
	assertMode(t, s.path(salts), 0o640)

	conf := s.read("root/etc/httpd/conf.d/wordpress.conf")
	for _, want := range []string{
		"<Directory \"" + s.webDir + "\">\n    AllowOverride All\n",
		"<Directory \"" + s.webDir + "/.wp-private\">\n    AllowOverride None\n    Require all denied\n",
		"Alias \"" + HealthCheckPath + "\" \"",
		"<FilesMatch \"^\\.ht\">\n    Require all denied\n",
		"<LocationMatch \"^/wp-admin/(install|setup-config)\\.php\">\n    Require all denied\n",
		"\nRemoteIPHeader X-Forwarded-For\nRemoteIPInternalProxy 10.0.0.0/16\n",
	} {
		if !strings.Contains(conf, want) {
			t.Errorf("wordpress.conf lacks %q:\n%s", want, conf)
		}
	}
	ini := s.read("root/etc/php.d/90-wordpress.ini")
	for _, want := range []string{
		"opcache.revalidate_freq=60", "opcache.memory_consumption=128", "opcache.enable_file_override=1",
		// Explicit, not a package default: without it rotated credentials stay cached.
		"\nopcache.blacklist_filename=" + s.path("root/etc/php.d") + "/opcache*.blacklist\n",
	} {
		if !strings.Contains(ini, want) {
			t.Errorf("90-wordpress.ini lacks %q", want)
		}
	}
	if got, want := s.read("root/etc/wordpress/rds-ca-bundle.pem"), fakeCABundle; got != want {
		t.Errorf("RDS CA bundle = %q, want what the truststore served, %q", got, want)
	}
	if !contains(s.calls("curl"), "curl https://truststore.pki.rds.amazonaws.com/us-east-1/us-east-1-bundle.pem") {
		t.Errorf("the RDS CA bundle did not come from the region's truststore:\n%s", strings.Join(s.calls("curl"), "\n"))
	}
	dropin := s.read(webRoot + "/wp-content/db.php")
	for _, want := range []string{
		"const WORDPRESS_BOOT_DB_CA = '" + s.path("root/etc/wordpress/rds-ca-bundle.pem") + "';",
		"$dbh->ssl_set(null, null, WORDPRESS_BOOT_DB_CA, null, null);",
		"MYSQLI_CLIENT_SSL)",
		"const WORDPRESS_BOOT_REFRESH = '" + s.path("root/var/lib/wordpress-boot/refresh-request") + "';",
	} {
		if !strings.Contains(dropin, want) {
			t.Errorf("wp-content/db.php lacks %q:\n%s", want, dropin)
		}
	}
	if strings.Contains(dropin, "DONT_VERIFY") {
		t.Errorf("wp-content/db.php turns certificate verification off:\n%s", dropin)
	}
	path := s.read("root/etc/systemd/system/wordpress-db-credentials.path")
	if !strings.Contains(path, "\nPathChanged="+s.path("root/var/lib/wordpress-boot/refresh-request")+"\n") {
		t.Errorf("no path unit refreshes the credentials on request:\n%s", path)
	}
	if got := s.calls("php"); !slices.Equal(got, []string{"php install.php status", "php install.php install", "php install.php status"}) {
		t.Errorf("installer calls: got %q, want a check and an install at the first boot, a check at the second", got)
	}
	var admin map[string]string
	if err := json.Unmarshal([]byte(s.read("admin-secret.json")), &admin); err != nil {
		t.Fatalf("admin secret: %v", err)
	}
	if admin["username"] != "admin" || !regexp.MustCompile(`^[A-Za-z0-9]{40,}$`).MatchString(admin["password"]) {
		t.Errorf("admin secret = %q, want username admin and a generated password of 40+ letters and digits", admin)
	}
	if len(s.calls("aws secretsmanager put-secret-value")) != 1 {
		t.Errorf("admin secret written %d times, want once", len(s.calls("aws secretsmanager put-secret-value")))
	}
	if !strings.Contains(s.read(webRoot+"/.htaccess"), "RewriteRule . /index.php [L]") {
		t.Errorf(".htaccess lacks WordPress's rewrite rules")
	}
	timer := s.read("root/etc/systemd/system/wordpress-db-credentials.timer")
	if !strings.Contains(timer, "OnUnitActiveSec=2min") || !strings.Contains(timer, "OnActiveSec=") {
		t.Errorf("timer does not repeat:\n%s", timer)
	}
	dnf := strings.Join(s.calls("dnf"), "\n")
	for _, pkg := range []string{"httpd", "php-fpm", "php-mysqlnd", "php-gd", "php-xml", "php-mbstring", "php-intl", "php-opcache", "amazon-efs-utils", "jq", "amazon-cloudwatch-agent", "php8.4-zip"} {
		if !regexp.MustCompile(`\s` + regexp.QuoteMeta(pkg) + `(\s|$)`).MatchString(dnf) {
			t.Errorf("dnf never installed %s:\n%s", pkg, dnf)
		}
	}
	systemctl := s.calls("systemctl")
	units := "php-fpm httpd wordpress-db-credentials.timer wordpress-db-credentials.path wordpress-cron.timer"
	if !contains(systemctl, "systemctl enable "+units) ||
		!contains(systemctl, "systemctl restart "+units) ||
		!contains(systemctl, "systemctl start "+units) {
		t.Errorf("systemctl calls: want enable, a restart at first boot and a plain start at the second:\n%s", strings.Join(systemctl, "\n"))
	}

	if _, err := exec.LookPath("shellcheck"); err == nil {
		t.Run("installed credentials tool passes shellcheck", func(t *testing.T) {
			shellcheck(t, s.read(credsTool))
		})
	}
	if _, err := exec.LookPath("php"); err == nil {
		t.Run("generated PHP is valid", func(t *testing.T) {
			for _, f := range []string{wpConfig, salts, creds, webRoot + "/.wp-private/efs-marker", webRoot + "/wp-content/db.php",
				"root/usr/local/share/wordpress-health/healthz.php", "root/usr/local/share/wordpress-boot/install.php"} {
				if out, err := s.command("php", "-l", s.path(f)).CombinedOutput(); err != nil {
					t.Errorf("php -l %s: %v\n%s", f, err, out)
				}
			}
		})
		t.Run("health check follows the EFS marker", func(t *testing.T) {
			healthz := s.path("root/usr/local/share/wordpress-health/healthz.php")
			out, err := s.command("php", healthz).CombinedOutput()
			if err != nil || string(out) != "ok\n" {
				t.Errorf("healthz.php with EFS mounted: %v %q, want ok", err, out)
			}
			if err := os.Rename(s.path(webRoot+"/.wp-private"), s.path("unmounted")); err != nil {
				t.Fatal(err)
			}
			defer os.Rename(s.path("unmounted"), s.path(webRoot+"/.wp-private"))
			out, err = s.command("php", healthz).CombinedOutput()
			if err != nil || string(out) != "efs web root not mounted\n" {
				t.Errorf("healthz.php without EFS: %v %q, want the 503 text", err, out)
			}
		})
	}
}

func assertMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != want {
		t.Errorf("%s has mode %v, want %v", path, got, want)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestUserDataSiteSteps(t *testing.T) {
	t.Parallel() // each test has its own sandbox
	tests := []struct {
		name          string
		before        map[string]string // files below the web root before the first boot
		wantDownloads int
		wantConfig    string // "" means the script writes it
		wantVersion   bool
	}{
		{
			name:          "empty EFS",
			wantDownloads: 1,
			wantVersion:   true,
		},
		{
			name: "existing WordPress site",
			before: map[string]string{
				"wp-config.php":            "<?php // the site's own config\n",
				"wp-includes/version.php":  "<?php $wp_version = '6.1';\n",
				"wp-content/uploads/a.jpg": "jpeg",
			},
			wantDownloads: 0,
			wantConfig:    "<?php // the site's own config\n",
			wantVersion:   true,
		},
		{
			name: "another site without WordPress",
			before: map[string]string{
				"index.html": "<h1>hand made</h1>\n",
			},
			wantDownloads: 0,
		},
		{
			name: "interrupted install resumes",
			before: map[string]string{
				".wp-private/install-in-progress": "",
				"index.php":                       "<?php\n// fake WordPress front controller\n",
			},
			wantDownloads: 1,
			wantVersion:   true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSandbox(t, testConfig)
			for name, body := range tt.before {
				s.write(webRoot+"/"+name, body, 0o644)
			}
			s.mustRun("with_install_lock", "setup_site")
			first := s.snapshot()
			s.mustRun("with_install_lock", "setup_site")
			if diff := cmp.Diff(first, s.snapshot()); diff != "" {
				t.Errorf("second run changed files (-want +got):\n%s", diff)
			}
			if got := s.downloads(); got != tt.wantDownloads {
				t.Errorf("downloads = %d, want %d", got, tt.wantDownloads)
			}
			for name, body := range tt.before {
				if strings.HasPrefix(name, ".wp-private/") {
					continue
				}
				if diff := cmp.Diff(body, s.read(webRoot+"/"+name)); diff != "" {
					t.Errorf("existing %s was changed (-want +got):\n%s", name, diff)
				}
			}
			if got := s.exists(version); got != tt.wantVersion {
				t.Errorf("WordPress present = %v, want %v", got, tt.wantVersion)
			}
			switch {
			case !tt.wantVersion:
				if s.exists(wpConfig) {
					t.Errorf("wp-config.php written for a site without WordPress")
				}
			case tt.wantConfig != "":
				if diff := cmp.Diff(tt.wantConfig, s.read(wpConfig)); diff != "" {
					t.Errorf("wp-config.php (-want +got):\n%s", diff)
				}
			default:
				if !strings.Contains(s.read(wpConfig), "MYSQLI_CLIENT_SSL") {
					t.Errorf("wp-config.php was not written by the script")
				}
			}
			if !s.exists(salts) || !s.exists(webRoot+"/.wp-private/efs-marker") {
				t.Errorf("salts or EFS marker missing")
			}
			if s.exists(webRoot + "/.wp-private/install-in-progress") {
				t.Errorf("install-in-progress marker left behind")
			}
		})
	}
}

func TestUserDataConcurrentInstall(t *testing.T) {
	t.Parallel() // each test has its own sandbox
	s := newSandbox(t, testConfig)
	// Slow downloads widen the window in which two unlocked installs would overlap.
	s.write("curl-delay", "", 0o644)
	const servers = 3
	var wg sync.WaitGroup
	outs := make([]string, servers)
	errs := make([]error, servers)
	for i := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outs[i], errs[i] = s.run("with_install_lock", "setup_site")
		}()
	}
	wg.Wait()
	for i := range servers {
		if errs[i] != nil {
			t.Errorf("server %d: %v\n%s", i, errs[i], outs[i])
		}
	}
	if got := s.downloads(); got != 1 {
		t.Errorf("WordPress downloaded %d times by %d servers booting together, want 1", got, servers)
	}
	if got := strings.Count(strings.Join(outs, ""), "installed WordPress"); got != 1 {
		t.Errorf("%d servers installed WordPress, want 1", got)
	}
	if !s.exists(version) || !s.exists(wpConfig) {
		t.Errorf("WordPress or wp-config.php missing after concurrent boots")
	}
}

func TestUserDataCredentials(t *testing.T) {
	t.Parallel() // each test has its own sandbox
	s := newSandbox(t, testConfig)
	s.mustRun("install_credentials_refresher")
	refresh := func() string {
		t.Helper()
		out, err := s.command(s.path(credsTool)).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", credsTool, err, out)
		}
		return string(out)
	}
	tests := []struct {
		name, user, password string
		wantChange           bool
	}{
		{"first fetch", "wp_admin", "first-password", true},
		{"unchanged secret", "wp_admin", "first-password", false},
		{"rotated password", "wp_admin", "rotated-password", true},
		{"hostile password", "wp_admin", `a'b"c$d\e\\f\'g&h` + "`id`$(id)%{x}${y}", true},
		{"password ending in a backslash", "wp_admin", `secret\`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.setSecret(tt.user, tt.password)
			before, _ := os.Stat(s.path(creds))
			out := refresh()
			after, err := os.Stat(s.path(creds))
			if err != nil {
				t.Fatal(err)
			}
			if changed := before == nil || !os.SameFile(before, after); changed != tt.wantChange {
				t.Errorf("credentials file replaced = %v, want %v\n%s", changed, tt.wantChange, out)
			}
			assertMode(t, s.path(creds), 0o640)
			if _, err := exec.LookPath("php"); err != nil {
				return // only PHP itself can say the file reads back right
			}
			got, err := s.command("php", "-r", `require $argv[1]; echo json_encode([DB_USER, DB_PASSWORD]);`, s.path(creds)).CombinedOutput()
			if err != nil {
				t.Fatalf("php cannot load the credentials file: %v\n%s", err, got)
			}
			var pair []string
			if err := json.Unmarshal(got, &pair); err != nil {
				t.Fatalf("php printed %q: %v", got, err)
			}
			if diff := cmp.Diff([]string{tt.user, tt.password}, pair); diff != "" {
				t.Errorf("credentials read back by PHP (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUserDataFailsLoudly(t *testing.T) {
	t.Parallel() // each test has its own sandbox
	tests := []struct {
		name         string
		prepare      func(s *sandbox)
		steps        []string
		want         string
		filesInPlace bool // WordPress's files were installed before the failure
	}{
		{
			name:    "RDS CA bundle unavailable",
			prepare: func(s *sandbox) { os.Remove(s.path("www/us-east-1-bundle.pem")) },
			steps:   []string{"main"},
			want:    "could not download the RDS CA bundle https://truststore.pki.rds.amazonaws.com/us-east-1/us-east-1-bundle.pem",
		},
		{
			name:    "RDS CA bundle without certificates",
			prepare: func(s *sandbox) { s.write("www/us-east-1-bundle.pem", "<html>captive portal</html>", 0o644) },
			steps:   []string{"main"},
			want:    "us-east-1-bundle.pem holds no certificate",
		},
		{
			name:         "admin password cannot be stored",
			prepare:      func(s *sandbox) { s.write("aws-put-fails", "", 0o644) },
			steps:        []string{"with_install_lock", "setup_site"},
			want:         "could not store the admin password in " + testConfig.AdminSecretARN + "; not installing",
			filesInPlace: true,
		},
		{
			name:    "EFS does not mount",
			prepare: func(s *sandbox) { s.write("mount-fails", "", 0o644) },
			steps:   []string{"main"},
			want:    "could not mount EFS fs-0123456789abcdef0 (access point fsap-0fedcba9876543210) at ",
		},
		{
			name:    "checksum mismatch",
			prepare: func(s *sandbox) { s.write("www/wordpress-6.8.3.tar.gz.sha1", strings.Repeat("0", 40), 0o644) },
			steps:   []string{"with_install_lock", "setup_site"},
			want:    "SHA-1 of https://wordpress.org/wordpress-6.8.3.tar.gz is ",
		},
		{
			name:    "release not found",
			prepare: func(s *sandbox) { os.Remove(s.path("www/wordpress-6.8.3.tar.gz")) },
			steps:   []string{"with_install_lock", "setup_site"},
			want:    "could not download https://wordpress.org/wordpress-6.8.3.tar.gz",
		},
		{
			name:    "secret without password",
			prepare: func(s *sandbox) { s.write("secret.json", `{"username":"wp_admin"}`, 0o600) },
			steps:   []string{"main"},
			want:    `has no string "password"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSandbox(t, testConfig)
			tt.prepare(s)
			out, err := s.run(tt.steps...)
			if err == nil {
				t.Fatalf("steps %v succeeded, want a failure:\n%s", tt.steps, out)
			}
			if !strings.Contains(out, "ERROR: ") || !strings.Contains(out, tt.want) {
				t.Errorf("output lacks ERROR and %q:\n%s", tt.want, out)
			}
			if s.exists(version) != tt.filesInPlace {
				t.Errorf("WordPress's files installed: %v, want %v", s.exists(version), tt.filesInPlace)
			}
			if s.exists("site-installed") || contains(s.calls("php"), "php install.php install") {
				t.Errorf("WordPress installed into the database despite the failure")
			}
			if calls := s.calls("systemctl"); len(calls) != 0 {
				t.Errorf("services started despite the failure: %v", calls)
			}
		})
	}
}

// TestUserDataPointsAtCurrentDatabase: a restored or replaced database has a
// new endpoint (and maybe name); the next boot must point the site's
// wp-config.php at it and leave every other line as the site's owner left it.
func TestUserDataPointsAtCurrentDatabase(t *testing.T) {
	t.Parallel() // each test has its own sandbox
	tests := []struct {
		name   string
		change func(*Config)
	}{
		{"new endpoint", func(c *Config) { c.DBHost = "wordpress-restored.c9z8y7x6w5v4.us-east-1.rds.amazonaws.com" }},
		{"new endpoint, port and name", func(c *Config) {
			c.DBHost, c.DBPort, c.DBName = "wordpress-new.c9z8y7x6w5v4.us-east-1.rds.amazonaws.com", 3307, "wordpress_restored"
		}},
		{"nothing new", func(*Config) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSandbox(t, testConfig)
			s.mustRun("with_install_lock", "setup_site")
			// The site's owner edits wp-config.php.
			edited := strings.Replace(s.read(wpConfig), "define('WP_DEBUG', false);", "define('WP_DEBUG', true);\ndefine('WP_POST_REVISIONS', 5); // ours", 1)
			s.write(wpConfig, edited, 0o640)
			c := testConfig
			tt.change(&c)
			s.write("userdata.sh", mustRender(t, c), 0o755)
			s.mustRun("with_install_lock", "setup_site")

			want := strings.NewReplacer(
				"define('DB_HOST', '"+testConfig.DBHost+":3306');", "define('DB_HOST', '"+c.DBHost+":"+strconv.Itoa(c.DBPort)+"');",
				"define('DB_NAME', 'wordpress');", "define('DB_NAME', '"+c.DBName+"');",
			).Replace(edited)
			if diff := cmp.Diff(want, s.read(wpConfig)); diff != "" {
				t.Errorf("wp-config.php after the boot (-want +got):\n%s", diff)
			}
			assertMode(t, s.path(wpConfig), 0o640)
		})
	}
}
