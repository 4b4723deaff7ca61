// Package bootscript renders the web servers' boot script: the user data
// that installs Apache and PHP, mounts the EFS web root over TLS, installs
// WordPress once, connects it to MySQL over verified TLS and ships the
// servers' logs. It owns the rules for what the script is given (release
// numbers, site title, e-mail addresses) and the facts other parts of the web
// tier and the stack depend on: the health-check path the script serves and
// the log files it writes.
//
// It needs nothing from the other tiers, only plain values or cdktf tokens in
// Config, and imports no provider bindings: its tests, which run the script in
// a sandbox, stay small and rerun only when the script changes.
package bootscript

import (
	_ "embed"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"text/template"
	"unicode"
)

// HealthCheckPath is the URL path the ALB target group health-checks. It
// answers 200 only while PHP runs and the EFS web root is mounted, and 503
// otherwise; it never touches the database, so an RDS failover does not take
// every web server out of service at once.
const HealthCheckPath = "/healthz.php"

// Config is what the boot script needs from the other tiers. Values may
// be cdktf tokens (strings like "${TfToken[TOKEN.12]}") when rendered for
// Terraform.
type Config struct {
	Region           string // AWS region, e.g. us-east-1 (for the aws CLI and efs-utils)
	FileSystemID     string // EFS file system ID, fs-...
	AccessPointID    string // EFS access point ID for the web root, fsap-...
	DBHost           string // RDS endpoint host name (address only, no port)
	DBPort           int    // usually 3306
	DBName           string // database name, e.g. wordpress
	DBSecretARN      string // ARN of the RDS-managed master user secret in Secrets Manager (JSON with "username" and "password")
	WordPressVersion string // e.g. "6.8.3": https://wordpress.org/wordpress-<v>.tar.gz, verified against its published .sha1
	VpcCIDR          string // the VPC's range: only the load balancer, inside it, may name the visitor (X-Forwarded-For)
	SiteURL          string // the site's address, e.g. https://www.example.com (no path)
	SiteTitle        string // title WordPress is installed with; any printable text
	AdminEmail       string // e-mail address of the admin user WordPress is installed with
	AdminSecretARN   string // ARN of the Secrets Manager secret the first boot stores the admin user's password in
	LogGroupPrefix   string // the servers' log groups are LogGroupPrefix + "/" + LogFile.Group, e.g. /wordpress/wordpress-prod
	MailFrom         string // address WordPress sends from through SES, or "" for no mail

	// PinSiteURL makes SiteURL WordPress's home and site URL at every boot
	// (WP_HOME, WP_SITEURL), not only at the install: for an address the
	// stack fixes (CloudFront or a domain name).
	PinSiteURL bool
	// BehindCDN says every request reaches the servers through CloudFront,
	// whose viewers all use HTTPS: WordPress is told so whatever the load
	// balancer's X-Forwarded-Proto says.
	BehindCDN bool
	// CacheHost and CachePort name the object cache (ElastiCache, TLS
	// only). An empty host: no object cache.
	CacheHost string
	CachePort int
}

// userDataTemplate is the script. Any byte of it changes every server's
// user data, and the group's instance refresh then replaces every server.
//
//go:embed userdata.sh.tmpl
var userDataTemplate string

// terraformEscaper turns the template's own "${" and "%{" into Terraform's
// escapes, so that Terraform hands them to the instance unchanged while the
// tokens inserted as values stay live.
var terraformEscaper = strings.NewReplacer("${", "$${", "%{", "%%{")

// templateFuncs: shellQuote makes any validated text one single-quoted shell word.
var templateFuncs = template.FuncMap{
	"shellQuote": func(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" },
}

var (
	plainTemplate     = template.Must(template.New("userdata.sh").Funcs(templateFuncs).Parse(userDataTemplate))
	terraformTemplate = template.Must(template.New("userdata.sh").Funcs(templateFuncs).Parse(terraformEscaper.Replace(userDataTemplate)))
)

// templateData is what userdata.sh.tmpl sees.
type templateData struct {
	Config
	HealthCheckPath string
	BootLogPath     string
	LogFiles        []LogFile
}

// Render returns the boot script exactly as the instance runs it
// (plain values).
func Render(c Config) (string, error) {
	return render(plainTemplate, c)
}

// RenderForTerraform returns the script for a Terraform string: every "${" and
// "%{" of the shell template text is escaped as "$${" and "%%{" before the
// template is executed, so values inserted by the template (which may be cdktf
// tokens like "${TfToken[TOKEN.1]}") stay live. Terraform un-escapes them, so
// what the instance receives equals Render's output.
func RenderForTerraform(c Config) (string, error) {
	return render(terraformTemplate, c)
}

func render(t *template.Template, c Config) (string, error) {
	if err := c.validate(); err != nil {
		return "", fmt.Errorf("web user data: %w", err)
	}
	var b strings.Builder
	if err := t.Execute(&b, templateData{Config: c, HealthCheckPath: HealthCheckPath, BootLogPath: BootLogPath, LogFiles: LogFiles}); err != nil {
		return "", fmt.Errorf("web user data: render %s: %w", t.Name(), err)
	}
	return b.String(), nil
}

// Shapes of plain values. Tokens are checked only for characters that would
// break out of the script's single quotes; Terraform fills in the real value.
var (
	fileSystemIDRe   = regexp.MustCompile(`^fs-[0-9a-f]+$`)
	accessPointIDRe  = regexp.MustCompile(`^fsap-[0-9a-f]+$`)
	hostRe           = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$`)
	dbNameRe         = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,63}$`)
	secretARNRe      = regexp.MustCompile(`^arn:[a-z-]+:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@!-]+$`)
	logGroupPrefixRe = regexp.MustCompile(`^/[A-Za-z0-9_.#-]+(/[A-Za-z0-9_.#-]+)*$`)
	cidrRe           = regexp.MustCompile(`^[0-9]{1,3}(\.[0-9]{1,3}){3}/[0-9]{1,2}$`)
	siteURLRe        = regexp.MustCompile(`^https?://[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?$`)
)

// validate reports every bad field at once, each named as in Config.
// Region is checked only for what would break out of the script: its shape
// is network.CheckRegion's, which the web tier applies.
func (c Config) validate() error {
	var errs []error
	// checkWith applies rule to a plain value; a token is checked only
	// for characters that would break out of the script's quotes.
	checkWith := func(field, value, want string, rule func(string) error) {
		switch {
		case value == "":
			errs = append(errs, fmt.Errorf("%s: got an empty string, want %s", field, want))
		case strings.ContainsFunc(value, unsafeInScript):
			errs = append(errs, fmt.Errorf("%s: got %q, want no quotes, backslashes, spaces or control characters", field, value))
		case !isToken(value):
			if err := rule(value); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", field, err))
			}
		}
	}
	check := func(field, value string, shape *regexp.Regexp, want string) {
		checkWith(field, value, want, func(v string) error {
			if !shape.MatchString(v) {
				return fmt.Errorf("got %q, want %s", v, want)
			}
			return nil
		})
	}
	checkWith("Region", c.Region, "an AWS region such as us-east-1", func(string) error { return nil })
	check("FileSystemID", c.FileSystemID, fileSystemIDRe, "an EFS file system ID such as fs-0123456789abcdef0")
	check("AccessPointID", c.AccessPointID, accessPointIDRe, "an EFS access point ID such as fsap-0123456789abcdef0")
	check("DBHost", c.DBHost, hostRe, "a host name without port")
	if c.DBPort < 1 || c.DBPort > 65535 {
		errs = append(errs, fmt.Errorf("DBPort: got %d, want 1-65535", c.DBPort))
	}
	check("DBName", c.DBName, dbNameRe, "a MySQL database name such as wordpress")
	check("DBSecretARN", c.DBSecretARN, secretARNRe, "a Secrets Manager secret ARN")
	checkWith("WordPressVersion", c.WordPressVersion, "a release such as "+DefaultWordPressVersion, CheckWordPressVersion)
	check("VpcCIDR", c.VpcCIDR, cidrRe, "an IPv4 range such as 10.0.0.0/16")
	check("SiteURL", c.SiteURL, siteURLRe, "an http or https address without path, such as https://www.example.com")
	checkWith("AdminEmail", c.AdminEmail, "an e-mail address", CheckEmail)
	check("AdminSecretARN", c.AdminSecretARN, secretARNRe, "a Secrets Manager secret ARN")
	check("LogGroupPrefix", c.LogGroupPrefix, logGroupPrefixRe, "a log group name prefix such as /wordpress/wordpress-prod")
	if c.MailFrom != "" {
		check("MailFrom", c.MailFrom, reEmail, "an e-mail address such as wordpress@example.com")
	}
	if err := CheckSiteTitle(c.SiteTitle); err != nil {
		errs = append(errs, fmt.Errorf("SiteTitle: %w", err))
	}
	if c.CacheHost != "" {
		check("CacheHost", c.CacheHost, hostRe, "a host name without port")
		if c.CachePort < 1 || c.CachePort > 65535 {
			errs = append(errs, fmt.Errorf("CachePort: got %d, want 1-65535", c.CachePort))
		}
	}
	return errors.Join(errs...)
}

// isToken tells a cdktf token (or a string embedding one) from a plain value.
func isToken(s string) bool { return strings.Contains(s, "${") }

// unsafeInScript reports the runes that could end the single-quoted shell
// string (or the fstab field) a value is placed in.
func unsafeInScript(r rune) bool {
	return r == '\'' || r == '"' || r == '\\' || r == '`' || unicode.IsSpace(r) || unicode.IsControl(r)
}
