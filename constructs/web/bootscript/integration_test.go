//go:build integration

package bootscript

// The integration test boots the web tier's script against real Apache (with
// php-fpm through proxy_fcgi, as on Amazon Linux 2023), PHP, MariaDB with TLS
// required and a real WordPress release, and checks over HTTP what a visitor,
// an admin and the load balancer see. Only what cannot run here is faked
// (dnf, mount, the AWS CLI, the WordPress download, systemd), by the sandbox
// of userdata_test.go. Every server listens on 127.0.0.1 only, is started on
// a free port by the test and stopped by PID at its end.
//
//	go test -tags integration -run TestIntegration -v ./constructs/web/bootscript/
//
// The Debian packages it needs are installed by `scripts/tools.sh webstack`.

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"html"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"text/template"
	"time"
)

const (
	siteTitle   = "Resilient Integration Site"
	dbUser      = "wp_admin"
	wpRelease   = "/usr/share/wordpress" // Debian's wordpress package
	vpcCIDR     = "127.0.0.0/29"         // the "load balancer" connects from 127.0.0.1
	outsiderIP  = "127.0.0.9"            // loopback, but outside the VPC range
	visitorIP   = "203.0.113.7"
	spoofedIP   = "198.51.100.9"
	rotationMax = 30 * time.Second
)

func TestIntegration(t *testing.T) {
	start := time.Now()
	bins := findWebStack(t)
	release, version := wordpressRelease(t)

	st := &stack{t: t, bins: bins}
	st.webUser, st.webGroup = webUser(t)
	st.certs = newTestCerts(t)

	// The database: TLS required for everyone, and the WordPress user REQUIRE SSL.
	st.db = newMariaDB(t, bins, st.certs)
	st.db.start(st.certs.good)
	st.db.sql(`CREATE DATABASE wordpress CHARACTER SET utf8mb4;
CREATE USER '` + dbUser + `'@'%' IDENTIFIED BY 'first-password' REQUIRE SSL;
GRANT ALL ON wordpress.* TO '` + dbUser + `'@'%';`)

	st.port = freePort(t)
	st.site = "https://127.0.0.1:" + strconv.Itoa(st.port)
	st.cfg = testConfig
	st.cfg.MailFrom = "wordpress@blog.example.com"
	st.cfg.DBHost, st.cfg.DBPort = "127.0.0.1", st.db.port
	st.cfg.WordPressVersion = version
	st.cfg.VpcCIDR, st.cfg.SiteURL, st.cfg.SiteTitle = vpcCIDR, st.site, siteTitle
	st.s = newSandboxWith(t, st.cfg, sandboxOptions{release: release, caBundle: st.certs.good.caPEM, realPHP: true})
	st.s.env = append(st.s.env, "TEST_WEB_USER="+st.webUser, "TEST_WEB_GROUP="+st.webGroup)
	openToWebUser(t, st.s.dir)
	t.Logf("set-up (certificates, MariaDB, release): %v", time.Since(start).Round(time.Millisecond))

	// The two servers' local disks are one directory here: the files they
	// write into the shared web root name local paths (the credentials, the
	// CA bundle), identical on real servers, which the Apache and PHP of this
	// test must find.
	t.Run("two servers boot at once and install WordPress once", func(t *testing.T) {
		bootStart := time.Now()
		var wg sync.WaitGroup
		outs := make([]string, 2)
		errs := make([]error, 2)
		for i := range outs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				outs[i], errs[i] = st.boot("")
			}()
		}
		wg.Wait()
		for i := range outs {
			if errs[i] != nil {
				t.Fatalf("server %d: %v\n%s", i, errs[i], outs[i])
			}
		}
		all := strings.Join(outs, "")
		for what, n := range map[string]int{
			"installed WordPress " + version + " on EFS": strings.Count(all, "installed WordPress "+version+" on EFS"),
			`installed the site "` + siteTitle + `"`:     strings.Count(all, `installed the site "`+siteTitle+`"`),
			"admin secret writes":                        len(st.s.calls("aws secretsmanager put-secret-value")),
			"release downloads":                          st.s.downloads(),
			"users in the database":                      atoi(t, st.db.sql("SELECT COUNT(*) FROM wordpress.wp_users")),
		} {
			if n != 1 {
				t.Errorf("%s: %d, want 1", what, n)
			}
		}
		t.Logf("both boots: %v", time.Since(bootStart).Round(time.Millisecond))
	})
	if t.Failed() {
		t.FailNow()
	}
	st.startPHPFPM()
	st.startApache()
	st.emulatePathUnit()
	alb := st.client("127.0.0.1", visitorIP)

	t.Run("site answers with its title and pretty permalinks", func(t *testing.T) {
		st.wantPage(t, alb, "/", 200, "<title>"+siteTitle)
		st.wantPage(t, alb, "/hello-world/", 200, "Hello world!")
		st.wantPage(t, alb, "/wp-admin/install.php", 403, "")
	})

	t.Run("private files are never served", func(t *testing.T) {
		secrets := []string{"first-password", st.adminPassword(t)}
		secrets = append(secrets, regexp.MustCompile(`'([A-Za-z0-9+/=]{64})'`).FindAllString(st.s.read(salts), -1)...)
		for _, path := range []string{
			"/.wp-private/wp-salts.php", "/.wp-private/efs-marker", "/.wp-private/install.lock",
			"/.wp-private/.htaccess", "/.htaccess", "/wp-config.php", "/wp-content/db.php",
		} {
			code, body := st.get(t, alb, path)
			if code == 200 && path != "/wp-config.php" {
				t.Errorf("GET %s: 200, want it refused", path)
			}
			for _, secret := range secrets {
				if strings.Contains(body, strings.Trim(secret, "'")) {
					t.Errorf("GET %s: the body holds a secret", path)
				}
			}
		}
	})

	t.Run("admin logs in through the load balancer without redirect loops", func(t *testing.T) {
		st.wantPage(t, alb, "/wp-login.php", 200, "")
		st.logIn(t, alb)
	})

	t.Run("WordPress sees the visitor, not the load balancer", func(t *testing.T) {
		outsider := st.client(outsiderIP, spoofedIP)
		for _, c := range []struct {
			client *http.Client
			text   string
			wantIP string
		}{
			{alb, "through the load balancer", visitorIP},
			{outsider, "from outside the VPC, claiming another address", outsiderIP},
		} {
			resp, err := c.client.PostForm(st.site+"/wp-comments-post.php", url.Values{
				"comment_post_ID": {"1"}, "author": {"Visitor"}, "email": {"visitor@example.com"}, "comment": {c.text},
			})
			if err != nil {
				t.Fatalf("comment %s: %v", c.text, err)
			}
			readBody(t, resp)
			got := st.db.sql("SELECT comment_author_IP FROM wordpress.wp_comments WHERE comment_content = '" + c.text + "'")
			if got != c.wantIP {
				t.Errorf("comment %s: WordPress recorded %q, want %q", c.text, got, c.wantIP)
			}
		}
	})

	t.Run("database certificate is verified", func(t *testing.T) {
		// An impostor with the right password and TLS, but a certificate from
		// another CA: mysqli with MYSQLI_CLIENT_SSL alone accepts it.
		st.db.restart(st.certs.rogue)
		check := `$m = mysqli_init(); echo @$m->real_connect('127.0.0.1', $argv[1], $argv[2], null, (int) $argv[3], null, MYSQLI_CLIENT_SSL) ? 'connected' : 'refused';`
		out, err := exec.Command("php", "-r", check, dbUser, "first-password", strconv.Itoa(st.db.port)).CombinedOutput()
		if err != nil || string(out) != "connected" {
			t.Fatalf("the impostor refuses unverified TLS clients (%v, %s): the check proves nothing", err, out)
		}
		st.wantPage(t, alb, "/", 500, "Error establishing a database connection")
		st.db.restart(st.certs.good)
		st.wantPage(t, alb, "/", 200, "<title>"+siteTitle)
	})

	t.Run("health check follows EFS, not the database", func(t *testing.T) {
		st.db.stop()
		st.wantPage(t, alb, HealthCheckPath, 200, "ok")
		st.wantPage(t, alb, "/", 500, "")
		st.db.start(st.certs.good)
		st.wantPage(t, alb, "/", 200, "")

		// EFS not mounted: the web root is an empty directory of the root volume.
		mounted := st.s.webDir + ".efs"
		must(t, os.Rename(st.s.webDir, mounted))
		must(t, os.Mkdir(st.s.webDir, 0o755))
		st.wantPage(t, alb, HealthCheckPath, 503, "efs web root not mounted")
		must(t, os.Remove(st.s.webDir))
		must(t, os.Rename(mounted, st.s.webDir))
		st.wantPage(t, alb, HealthCheckPath, 200, "ok")
	})

	t.Run("scheduled jobs run from the timer on one server, not on page loads", func(t *testing.T) {
		// A must-use plugin whose job records each run, slowly enough for a
		// second server to find the cron lock taken.
		probe := st.s.path("cron-probe")
		st.s.write("cron-probe", "", 0o666) // the job runs as the web server's user
		if err := os.Chmod(probe, 0o666); err != nil {
			t.Fatal(err)
		}
		st.s.mkdir(webRoot + "/wp-content/mu-plugins")
		st.s.write(webRoot+"/wp-content/mu-plugins/cron-probe.php", "<?php\nadd_action('wordpress_boot_probe', function () {\n"+
			"    file_put_contents('"+probe+"', \"ran\\n\", FILE_APPEND | LOCK_EX);\n    sleep(2);\n});\n", 0o644)
		openToWebUser(t, st.s.path(webRoot+"/wp-content/mu-plugins"))
		host := strings.TrimPrefix(st.site, "https://")
		schedule := st.s.command("bash", st.s.path("harness.sh"), "as_web_user", "env", "HTTP_HOST="+host, "php", "-r",
			"require '"+st.s.path(webRoot+"/wp-load.php")+"'; exit(wp_schedule_single_event(time() - 60, 'wordpress_boot_probe') === true ? 0 : 1);")
		if out, err := schedule.CombinedOutput(); err != nil {
			t.Fatalf("schedule the probe job: %v\n%s", err, out)
		}
		st.wantPage(t, alb, "/", 200, "<title>"+siteTitle)
		time.Sleep(time.Second)
		if got, _ := os.ReadFile(probe); len(got) > 0 {
			t.Fatalf("a page load ran the job: WP-Cron is still on page loads")
		}
		cron := st.s.path("root/usr/local/sbin/wordpress-cron")
		var wg sync.WaitGroup
		outs := make([]string, 2)
		for i := range outs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				out, err := st.s.command("bash", st.s.path("harness.sh"), "as_web_user", "bash", cron).CombinedOutput()
				if err != nil {
					t.Errorf("server %d: wordpress-cron: %v\n%s", i, err, out)
				}
				outs[i] = string(out)
			}()
		}
		wg.Wait()
		if got, _ := os.ReadFile(probe); string(got) != "ran\n" {
			t.Errorf("the job ran %d times from two servers' timers, want once\n%s", strings.Count(string(got), "ran"), strings.Join(outs, "\n"))
		}
		if n := strings.Count(strings.Join(outs, ""), "another server is running the scheduled jobs"); n != 1 {
			t.Errorf("%d servers found the lock taken, want 1:\n%s", n, strings.Join(outs, "\n"))
		}
		if out, err := st.s.command("bash", st.s.path("harness.sh"), "as_web_user", "bash", cron).CombinedOutput(); err != nil {
			t.Fatalf("wordpress-cron, a minute later: %v\n%s", err, out)
		}
		if got, _ := os.ReadFile(probe); string(got) != "ran\n" {
			t.Errorf("a single job ran again a minute later: %q", got)
		}
	})

	t.Run("WordPress's mail leaves through SES as the configured sender", func(t *testing.T) {
		// wp_mail with WordPress's own PHPMailer, as a password reset sends it;
		// the fake AWS CLI keeps what SES would have been given.
		// The fake CLI runs as the web server's user, as PHP does.
		for _, f := range []string{"calls", "sent-mail"} {
			old, _ := os.ReadFile(st.s.path(f)) // "sent-mail" does not exist yet
			st.s.write(f, string(old), 0o666)
			if err := os.Chmod(st.s.path(f), 0o666); err != nil {
				t.Fatal(err)
			}
		}
		host := strings.TrimPrefix(st.site, "https://")
		send := st.s.command("bash", st.s.path("harness.sh"), "as_web_user", "env", "HTTP_HOST="+host, "php", "-r",
			"require '"+st.s.path(webRoot+"/wp-load.php")+"'; add_action('wp_mail_failed', function ($e) { fwrite(STDERR, $e->get_error_message()); });"+
				" exit(wp_mail('someone@example.org', 'Password reset', 'Hello from WordPress') ? 0 : 1);")
		if out, err := send.CombinedOutput(); err != nil {
			t.Fatalf("wp_mail: %v\n%s", err, out)
		}
		raw, err := os.ReadFile(st.s.path("sent-mail"))
		if err != nil {
			t.Fatalf("nothing reached SES: %v", err)
		}
		for _, want := range []string{"\nTo: someone@example.org", "\nFrom: WordPress <wordpress@blog.example.com>", "\nSubject: Password reset", "Hello from WordPress"} {
			if !strings.Contains("\n"+string(raw), want) {
				t.Errorf("the message SES got lacks %q:\n%s", want, raw)
			}
		}
	})

	t.Run("site is back soon after the database password rotates", func(t *testing.T) {
		st.db.sql("ALTER USER '" + dbUser + "'@'%' IDENTIFIED BY 'rotated-password'")
		st.s.setSecret(dbUser, "rotated-password")
		rotated := time.Now()
		for {
			code, _ := st.get(t, alb, "/")
			if code == 200 {
				break
			}
			if time.Since(rotated) > rotationMax {
				info, err := os.Stat(st.s.path("root/var/lib/wordpress-boot/refresh-request"))
				t.Fatalf("still %d %v after the rotation, want 200 within %v (%d refreshes; request file: %v %v)\n%s",
					code, time.Since(rotated).Round(time.Second), rotationMax, st.refreshes(), info, err, tail(st.s.path("fpm/php-fpm.log")))
			}
			time.Sleep(200 * time.Millisecond)
		}
		t.Logf("back %v after the rotation, with %d credential refreshes", time.Since(rotated).Round(time.Millisecond), st.refreshes())
	})

	t.Run("a new boot points WordPress at the current database", func(t *testing.T) {
		// The database comes back elsewhere (a restore, a replacement).
		st.db.stop()
		st.db.port = freePort(t)
		st.db.start(st.certs.good)
		moved := st.cfg
		moved.DBPort = st.db.port
		st.s.write("userdata-moved.sh", mustRender(t, moved), 0o755)
		if out, err := st.boot(st.s.path("userdata-moved.sh")); err != nil {
			t.Fatalf("boot: %v\n%s", err, out)
		}
		st.restartPHPFPM() // as the reboot does
		st.wantPage(t, alb, "/", 200, "<title>"+siteTitle)
		st.cfg = moved
	})

	t.Run("behind CloudFront the admin logs in without redirect loops", func(t *testing.T) {
		// CloudFront's viewers use HTTPS, but CloudFront reaches the load
		// balancer over HTTP, so the servers are told X-Forwarded-Proto: http.
		viewer := st.clientVia("127.0.0.1", visitorIP, "http")
		// Without behind-CDN, WordPress believes its viewers use HTTP, and
		// with an https site URL it sends wp-login.php to HTTPS, which is
		// where they already are: round in circles. The check below proves
		// something.
		if _, err := viewer.Get(st.site + "/wp-login.php"); err == nil || !strings.Contains(err.Error(), "redirect loop") {
			t.Fatalf("GET /wp-login.php over CloudFront without behind-CDN: %v, want a redirect loop (the test proves nothing)", err)
		}
		cdn := st.cfg
		cdn.BehindCDN, cdn.PinSiteURL = true, true
		st.s.write("userdata-cdn.sh", mustRender(t, cdn), 0o755)
		if out, err := st.boot(st.s.path("userdata-cdn.sh")); err != nil {
			t.Fatalf("boot: %v\n%s", err, out)
		}
		st.restartPHPFPM()
		viewer = st.clientVia("127.0.0.1", visitorIP, "http") // no cookies from before
		st.wantPage(t, viewer, "/", 200, "<title>"+siteTitle)
		if got, want := loginFormAction(t, st, viewer), st.site+"/wp-login.php"; got != want {
			t.Errorf("login form posts to %q, want %q", got, want)
		}
		st.logIn(t, viewer)
	})
	t.Logf("whole test: %v", time.Since(start).Round(time.Millisecond))
}

// webBins are the programs of the real web stack.
type webBins struct {
	apache, apacheModules, phpFPM, php, mariadbd, installDB, mariadb string
}

// findWebStack finds the real servers, or skips the test (fails it in CI,
// which installs them) naming what is missing.
func findWebStack(t *testing.T) webBins {
	t.Helper()
	var missing []string
	find := func(names ...string) string {
		for _, n := range names {
			for _, dir := range []string{"", "/usr/sbin/", "/usr/bin/"} {
				if strings.Contains(n, "*") {
					if m, _ := filepath.Glob(dir + n); len(m) > 0 {
						return m[len(m)-1]
					}
					continue
				}
				if p, err := exec.LookPath(dir + n); err == nil {
					return p
				}
			}
		}
		missing = append(missing, names[0])
		return ""
	}
	b := webBins{
		apache:    find("apache2", "httpd"),
		phpFPM:    find("php-fpm", "php-fpm*"),
		php:       find("php"),
		mariadbd:  find("mariadbd", "mysqld"),
		installDB: find("mariadb-install-db", "mysql_install_db"),
		mariadb:   find("mariadb", "mysql"),
	}
	for _, d := range []string{"/usr/lib/apache2/modules", "/usr/lib64/httpd/modules", "/usr/lib/httpd/modules"} {
		if _, err := os.Stat(filepath.Join(d, "mod_proxy_fcgi.so")); err == nil {
			b.apacheModules = d
		}
	}
	if b.apacheModules == "" {
		missing = append(missing, "Apache modules (mod_proxy_fcgi)")
	}
	if _, err := os.Stat(filepath.Join(wpRelease, "wp-includes/version.php")); err != nil {
		missing = append(missing, "WordPress ("+wpRelease+")")
	}
	if b.php != "" {
		out, _ := exec.Command(b.php, "-m").Output()
		for _, ext := range []string{"mysqli", "mysqlnd", "gd", "xml", "mbstring", "intl", "zip", "openssl"} {
			if !regexp.MustCompile(`(?m)^` + ext + `$`).Match(out) {
				missing = append(missing, "PHP extension "+ext)
			}
		}
	}
	if len(missing) > 0 {
		msg := fmt.Sprintf("the real web stack is not installed (missing %s): run `bash scripts/tools.sh webstack` (apt-get, as root)", strings.Join(missing, ", "))
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return b
}

// wordpressRelease packs Debian's WordPress tree as the release tarball
// wordpress.org serves (symbolic links to Debian's shared libraries followed,
// Debian's own wp-config.php left out) and returns it with its version.
func wordpressRelease(t *testing.T) ([]byte, string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(wpRelease, "wp-includes/version.php"))
	must(t, err)
	m := regexp.MustCompile(`\$wp_version = '([0-9.]+)`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("no $wp_version in %s/wp-includes/version.php", wpRelease)
	}
	out := filepath.Join(t.TempDir(), "wordpress.tar.gz")
	cmd := exec.Command("tar", "-C", filepath.Dir(wpRelease), "-chf", out, "--use-compress-program", "gzip -1",
		"--exclude=wordpress/wp-config.php", "--exclude=wordpress/.htaccess", "wordpress")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pack %s: %v\n%s", wpRelease, err, b)
	}
	tarball, err := os.ReadFile(out)
	must(t, err)
	return tarball, string(m[1])
}

// webUser is who Apache's children and PHP run as: the current user, or
// www-data when the test runs as root (Apache refuses to serve as root).
func webUser(t *testing.T) (string, string) {
	t.Helper()
	if os.Geteuid() != 0 {
		u, err := user.Current()
		must(t, err)
		g, err := user.LookupGroupId(u.Gid)
		must(t, err)
		return u.Username, g.Name
	}
	for _, name := range []string{"www-data", "apache", "nobody"} {
		if u, err := user.Lookup(name); err == nil {
			g, err := user.LookupGroupId(u.Gid)
			must(t, err)
			return u.Username, g.Name
		}
	}
	t.Fatal("no unprivileged user for the web server (www-data, apache, nobody)")
	return "", ""
}

// openToWebUser lets the web user traverse the test's temporary directories.
func openToWebUser(t *testing.T, dir string) {
	t.Helper()
	for d := dir; d != filepath.Dir(d) && strings.HasPrefix(d, os.TempDir()) && d != os.TempDir(); d = filepath.Dir(d) {
		must(t, os.Chmod(d, 0o755))
	}
}

// stack is the running web stack of one test.
type stack struct {
	t                 *testing.T
	bins              webBins
	webUser, webGroup string
	certs             testCerts
	db                *mariaDB
	s                 *sandbox
	cfg               Config
	port              int    // Apache's
	site              string // the site URL, as the load balancer's clients see it
	fpm, apache       *exec.Cmd
	refreshCount      int
	mu                sync.Mutex
}

// boot runs the boot script's main, as cloud-init would; userdata names
// another rendering of the script.
func (st *stack) boot(userdata string) (string, error) {
	cmd := st.s.command("bash", st.s.path("harness.sh"), "main")
	if userdata != "" {
		cmd.Env = append(cmd.Env, "USERDATA="+userdata)
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

const fpmConf = `[global]
pid = {{.Dir}}/php-fpm.pid
error_log = {{.Dir}}/php-fpm.log
daemonize = no

[www]
{{if .Root}}user = {{.User}}
group = {{.Group}}
{{end}}listen = {{.Dir}}/php-fpm.sock
listen.mode = 0666
pm = static
pm.max_children = 4
catch_workers_output = yes
`

// httpdConf plays Amazon Linux 2023's httpd.conf and the php-fpm package's
// php.conf; the boot script's own wordpress.conf is included as it would be.
const httpdConf = `ServerRoot "{{.Dir}}"
Listen 127.0.0.1:{{.Port}}
ServerName 127.0.0.1
PidFile "{{.Dir}}/httpd.pid"
DefaultRuntimeDir "{{.Dir}}"
ErrorLog "{{.Dir}}/error.log"
LogLevel warn
LoadModule mpm_event_module modules/mod_mpm_event.so
LoadModule authz_core_module modules/mod_authz_core.so
LoadModule dir_module modules/mod_dir.so
LoadModule mime_module modules/mod_mime.so
LoadModule alias_module modules/mod_alias.so
LoadModule rewrite_module modules/mod_rewrite.so
LoadModule proxy_module modules/mod_proxy.so
LoadModule proxy_fcgi_module modules/mod_proxy_fcgi.so
{{if .Root}}User {{.User}}
Group {{.Group}}
{{end}}{{if .MimeTypes}}TypesConfig /etc/mime.types
{{end}}DocumentRoot "{{.WebRoot}}"
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<FilesMatch \.(php|phar)$>
    SetHandler "proxy:unix:{{.FPMDir}}/php-fpm.sock|fcgi://localhost"
</FilesMatch>
Include "{{.ConfD}}/*.conf"
`

type serverConf struct {
	Dir, FPMDir, User, Group, WebRoot, ConfD string
	Port                                     int
	Root, MimeTypes                          bool
}

func (st *stack) conf() serverConf {
	_, err := os.Stat("/etc/mime.types")
	return serverConf{
		Dir: st.s.path("apache"), FPMDir: st.s.path("fpm"), User: st.webUser, Group: st.webGroup,
		WebRoot: st.s.webDir, ConfD: st.s.path("root/etc/httpd/conf.d"), Port: st.port,
		Root: os.Geteuid() == 0, MimeTypes: err == nil,
	}
}

func (st *stack) startPHPFPM() {
	t := st.t
	t.Helper()
	c := st.conf()
	c.Dir = c.FPMDir
	st.s.mkdir("fpm")
	st.s.write("fpm/php-fpm.conf", execTemplate(t, fpmConf, c), 0o644)
	cmd := exec.Command(st.bins.phpFPM, "--nodaemonize", "--fpm-config", st.s.path("fpm/php-fpm.conf"))
	// The server's /etc/php.d is scanned after the package's own directory, as on Amazon Linux.
	cmd.Env = append(os.Environ(), "PHP_INI_SCAN_DIR=:"+st.s.path("root/etc/php.d"))
	if os.Geteuid() == 0 {
		cmd.Args = append(cmd.Args, "--allow-to-run-as-root")
	}
	st.fpm = startServer(t, cmd, st.s.path("fpm/php-fpm.log"), func() bool {
		_, err := os.Stat(st.s.path("fpm/php-fpm.sock"))
		return err == nil
	})
}

func (st *stack) restartPHPFPM() {
	stopServer(st.t, st.fpm)
	if err := os.Remove(st.s.path("fpm/php-fpm.sock")); err != nil && !os.IsNotExist(err) {
		st.t.Fatal(err)
	}
	st.startPHPFPM()
}

func (st *stack) startApache() {
	t := st.t
	t.Helper()
	c := st.conf()
	st.s.mkdir("apache")
	must(t, os.Symlink(st.bins.apacheModules, st.s.path("apache/modules")))
	st.s.write("apache/httpd.conf", execTemplate(t, httpdConf, c), 0o644)
	cmd := exec.Command(st.bins.apache, "-f", st.s.path("apache/httpd.conf"), "-DFOREGROUND")
	st.apache = startServer(t, cmd, st.s.path("apache/error.log"), func() bool { return listening(st.port) })
}

// emulatePathUnit does what the wordpress-db-credentials.path unit does under
// systemd (which cannot run here): run the refresher when PHP asks for it.
func (st *stack) emulatePathUnit() {
	request := st.s.path("root/var/lib/wordpress-boot/refresh-request")
	done := make(chan struct{})
	stopped := make(chan struct{})
	st.t.Cleanup(func() { close(done); <-stopped })
	last, _ := os.Stat(request)
	go func() {
		defer close(stopped)
		for {
			select {
			case <-done:
				return
			case <-time.After(100 * time.Millisecond):
			}
			info, err := os.Stat(request)
			if err != nil || (last != nil && info.ModTime().Equal(last.ModTime()) && info.Size() == last.Size()) {
				continue
			}
			last = info
			out, err := st.s.command(st.s.path(credsTool)).CombinedOutput()
			if err != nil {
				st.t.Errorf("credentials refresh: %v\n%s", err, out)
			}
			st.mu.Lock()
			st.refreshCount++
			st.mu.Unlock()
		}
	}()
}

func (st *stack) refreshes() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.refreshCount
}

func (st *stack) adminPassword(t *testing.T) string {
	t.Helper()
	var secret map[string]string
	must(t, json.Unmarshal([]byte(st.s.read("admin-secret.json")), &secret))
	return secret["password"]
}

// loginFormAction is where the login page's form posts to.
func loginFormAction(t *testing.T, st *stack, c *http.Client) string {
	t.Helper()
	code, body := st.get(t, c, "/wp-login.php")
	m := regexp.MustCompile(`<form name="loginform" id="loginform" action="([^"]*)"`).FindStringSubmatch(body)
	if code != 200 || m == nil {
		t.Fatalf("GET /wp-login.php: %d, want 200 with the login form", code)
	}
	return html.UnescapeString(m[1])
}

// logIn logs the admin in with c's cookie jar and expects the dashboard.
func (st *stack) logIn(t *testing.T, c *http.Client) {
	t.Helper()
	form := url.Values{
		"log": {"admin"}, "pwd": {st.adminPassword(t)}, "wp-submit": {"Log In"},
		"redirect_to": {st.site + "/wp-admin/"}, "testcookie": {"1"},
	}
	resp, err := c.PostForm(st.site+"/wp-login.php", form)
	if err != nil {
		t.Fatalf("log in: %v", err)
	}
	body := readBody(t, resp)
	if resp.StatusCode != 200 || resp.Request.URL.String() != st.site+"/wp-admin/" || !strings.Contains(body, "Dashboard") {
		t.Errorf("log in ended at %s with %d, want the dashboard at %s/wp-admin/", resp.Request.URL, resp.StatusCode, st.site)
	}
}

// client is a visitor's browser behind the load balancer: it connects from
// source to Apache, which the load balancer tells that the request came over
// HTTPS from forwardedFor.
func (st *stack) client(source, forwardedFor string) *http.Client {
	return st.clientVia(source, forwardedFor, "https")
}

// clientVia is client with the protocol the load balancer reports
// (X-Forwarded-Proto): "http" behind CloudFront, which reaches it over HTTP
// while its viewers use HTTPS.
func (st *stack) clientVia(source, forwardedFor, proto string) *http.Client {
	jar, err := cookiejar.New(nil)
	must(st.t, err)
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(source)}, Timeout: 5 * time.Second}
	return &http.Client{
		Jar:     jar,
		Timeout: 30 * time.Second,
		Transport: loadBalancer{
			site: st.site, forwardedFor: forwardedFor, proto: proto,
			next: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return dialer.DialContext(ctx, network, "127.0.0.1:"+strconv.Itoa(st.port))
			}, DisableKeepAlives: true},
		},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 10 {
				return fmt.Errorf("redirect loop: %d redirects, the last to %s", len(via), req.URL)
			}
			return nil
		},
	}
}

// loadBalancer plays the ALB's HTTPS listener: https://<site>/… becomes plain
// HTTP to the server with X-Forwarded-Proto and X-Forwarded-For.
type loadBalancer struct {
	site, forwardedFor, proto string
	next                      http.RoundTripper
}

func (lb loadBalancer) RoundTrip(req *http.Request) (*http.Response, error) {
	if !strings.HasPrefix(req.URL.String(), lb.site+"/") && req.URL.String() != lb.site {
		return nil, fmt.Errorf("request to %s, which is not the site %s", req.URL, lb.site)
	}
	r := req.Clone(req.Context())
	r.URL.Scheme = "http"
	r.Header.Set("X-Forwarded-Proto", lb.proto)
	r.Header.Set("X-Forwarded-For", lb.forwardedFor)
	resp, err := lb.next.RoundTrip(r)
	if resp != nil {
		resp.Request = req // what the client asked for, as the client sees it
	}
	return resp, err
}

func (st *stack) get(t *testing.T, c *http.Client, path string) (int, string) {
	t.Helper()
	resp, err := c.Get(st.site + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return resp.StatusCode, readBody(t, resp)
}

func (st *stack) wantPage(t *testing.T, c *http.Client, path string, code int, text string) {
	t.Helper()
	got, body := st.get(t, c, path)
	if got != code || !strings.Contains(body, text) {
		if len(body) > 600 {
			body = body[:600] + "…"
		}
		t.Errorf("GET %s: %d, want %d with %q; body:\n%s\nApache log:\n%s", path, got, code, text, body, tail(st.s.path("apache/error.log")))
	}
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	must(t, err)
	return string(b)
}

// mariaDB is a MariaDB server in the test's directory, on a loopback port.
type mariaDB struct {
	t    *testing.T
	bins webBins
	dir  string
	port int
	cmd  *exec.Cmd
}

func newMariaDB(t *testing.T, bins webBins, certs testCerts) *mariaDB {
	t.Helper()
	db := &mariaDB{t: t, bins: bins, dir: t.TempDir(), port: freePort(t)}
	args := []string{"--no-defaults", "--datadir=" + filepath.Join(db.dir, "data"), "--auth-root-authentication-method=normal", "--skip-test-db"}
	if os.Geteuid() == 0 {
		args = append(args, "--user=root")
	}
	if out, err := exec.Command(bins.installDB, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", bins.installDB, err, out)
	}
	t.Cleanup(db.stop)
	return db
}

func (db *mariaDB) start(cert serverCert) {
	t := db.t
	t.Helper()
	args := []string{"--no-defaults", "--datadir=" + filepath.Join(db.dir, "data"),
		"--socket=" + filepath.Join(db.dir, "mysqld.sock"), "--pid-file=" + filepath.Join(db.dir, "mysqld.pid"),
		"--log-error=" + filepath.Join(db.dir, "error.log"),
		"--bind-address=127.0.0.1", "--port=" + strconv.Itoa(db.port), "--skip-name-resolve",
		"--ssl-ca=" + cert.caFile, "--ssl-cert=" + cert.certFile, "--ssl-key=" + cert.keyFile,
		"--require-secure-transport=ON", "--innodb-buffer-pool-size=32M", "--skip-log-bin",
	}
	if os.Geteuid() == 0 {
		args = append(args, "--user=root")
	}
	db.cmd = startServer(t, exec.Command(db.bins.mariadbd, args...), filepath.Join(db.dir, "error.log"), func() bool {
		return listening(db.port) && exec.Command(db.bins.mariadb, db.clientArgs("SELECT 1")...).Run() == nil
	})
}

func (db *mariaDB) stop() {
	if db.cmd != nil {
		stopServer(db.t, db.cmd)
		db.cmd = nil
	}
}

func (db *mariaDB) restart(cert serverCert) {
	db.stop()
	db.start(cert)
}

func (db *mariaDB) clientArgs(query string) []string {
	return []string{"--no-defaults", "--socket=" + filepath.Join(db.dir, "mysqld.sock"), "-uroot", "-N", "-B", "-e", query}
}

// sql runs queries as root over the server's socket and returns the output.
func (db *mariaDB) sql(query string) string {
	db.t.Helper()
	out, err := exec.Command(db.bins.mariadb, db.clientArgs(query)...).CombinedOutput()
	if err != nil {
		db.t.Fatalf("mariadb -e %q: %v\n%s", query, err, out)
	}
	return strings.TrimSpace(string(out))
}

// startServer starts cmd in its own process group, waits until ready says so
// and stops it when the test ends.
func startServer(t *testing.T, cmd *exec.Cmd, logFile string, ready func() bool) *exec.Cmd {
	t.Helper()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", cmd.Path, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() { stopServer(t, cmd) })
	deadline := time.Now().Add(30 * time.Second)
	for !ready() {
		select {
		case <-exited:
			t.Fatalf("%s exited at start: %s\n%s\n%s", cmd.Path, cmd.ProcessState, out.String(), tail(logFile))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready after 30 s:\n%s\n%s", cmd.Path, out.String(), tail(logFile))
		}
		time.Sleep(50 * time.Millisecond)
	}
	stoppers.Store(cmd, exited)
	return cmd
}

// stoppers maps each started server to the channel closed when it exits.
var stoppers sync.Map

// stopServer ends a server by its PID (SIGTERM, then SIGKILL after 10 s).
func stopServer(t *testing.T, cmd *exec.Cmd) {
	v, ok := stoppers.LoadAndDelete(cmd)
	if !ok {
		return // already stopped
	}
	exited := v.(chan struct{})
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
		t.Errorf("%s (PID %d) ignored SIGTERM for 10 s", cmd.Path, cmd.Process.Pid)
	}
}

func listening(port int) bool {
	c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), 200*time.Millisecond)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// testCerts are a CA the boot script is given as the RDS bundle, with a
// server certificate for 127.0.0.1, and an impostor's CA and certificate.
type testCerts struct{ good, rogue serverCert }

type serverCert struct {
	caPEM                     string
	caFile, certFile, keyFile string
}

func newTestCerts(t *testing.T) testCerts {
	t.Helper()
	dir := t.TempDir()
	openToWebUser(t, dir)
	return testCerts{good: newServerCert(t, dir, "good"), rogue: newServerCert(t, dir, "rogue")}
}

func newServerCert(t *testing.T, dir, name string) serverCert {
	t.Helper()
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	ca := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name + " test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	must(t, err)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	caCert, err := x509.ParseCertificate(caDER)
	must(t, err)
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
	must(t, err)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	must(t, err)
	c := serverCert{
		caPEM:    string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})),
		caFile:   filepath.Join(dir, name+"-ca.pem"),
		certFile: filepath.Join(dir, name+"-cert.pem"),
		keyFile:  filepath.Join(dir, name+"-key.pem"),
	}
	must(t, os.WriteFile(c.caFile, []byte(c.caPEM), 0o644))
	must(t, os.WriteFile(c.certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leafDER}), 0o644))
	must(t, os.WriteFile(c.keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600))
	return c
}

func execTemplate(t *testing.T, text string, data any) string {
	t.Helper()
	var b strings.Builder
	must(t, template.Must(template.New("").Parse(text)).Execute(&b, data))
	return b.String()
}

func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(%v)", err)
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	must(t, err)
	return n
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
