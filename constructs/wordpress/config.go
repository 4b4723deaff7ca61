package wordpress

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/wordpress-cdktf/resilient-wordpress/constructs/data"
	"github.com/wordpress-cdktf/resilient-wordpress/constructs/edge"
	"github.com/wordpress-cdktf/resilient-wordpress/constructs/network"
	"github.com/wordpress-cdktf/resilient-wordpress/constructs/operations"
	"github.com/wordpress-cdktf/resilient-wordpress/constructs/web"
	"github.com/wordpress-cdktf/resilient-wordpress/constructs/web/bootscript"
)

// StackConfig is one environment: everything a platform engineer chooses.
// Start from DefaultConfig (or let LoadConfig do it): the zero value of a
// field is not always its default. The JSON names are the keys of the
// configuration file.
type StackConfig struct {
	// Environment names the stack and the cdktf.out/stacks folder, e.g. "prod".
	// In the file it is the key under "environments".
	// Default: "default"
	Environment string `json:"-"`
	// Project prefixes resource names ("<project>-<environment>") and is a default tag.
	// Default: "wordpress"
	Project string `json:"project"`
	// Region is the AWS region of every resource.
	// Default: "us-east-1"
	Region string `json:"region"`
	// AvailabilityZones to spread over, 2 to 6, all in Region.
	// Default: the region's "a" and "b" zones.
	AvailabilityZones []string `json:"availability_zones"`
	// VpcCIDR is the VPC's IPv4 range, /16 to /23.
	// Default: "10.0.0.0/16"
	VpcCIDR string `json:"vpc_cidr"`
	// SubnetPrefixLength sizes each derived subnet.
	// Default: 24
	SubnetPrefixLength int `json:"subnet_prefix_length"`
	// SubnetCIDRs overrides derived subnet ranges by tier and zone letter, e.g. {"app-a": "10.0.64.0/20"}.
	// Default: none
	SubnetCIDRs map[string]string `json:"subnet_cidrs"`
	// MapPublicIPOnLaunch gives instances launched in public subnets a public IP.
	// Default: false (nothing launches there; see README)
	MapPublicIPOnLaunch bool `json:"map_public_ip_on_launch"`
	// FlowLogRetentionDays keeps VPC flow logs in CloudWatch Logs this long
	// (a retention CloudWatch accepts: 1, 3, 5, 7, 14, 30, 60, 90, 120, ...).
	// Default: 90
	FlowLogRetentionDays int `json:"flow_log_retention_days"`
	// NatGateways is "per_zone" (each zone egresses through its own NAT
	// gateway, so a zone's loss cuts no other zone's egress) or "single" (one
	// NAT gateway, in the first zone, for all zones: for throw-away
	// environments; synthesis then warns).
	// Default: "per_zone"
	NatGateways string `json:"nat_gateways"`
	// Tags are added to the provider's default tags on every resource.
	// Default: none
	Tags map[string]string `json:"tags"`

	// StateBucket, when set, stores state in this S3 bucket (encrypted, with
	// S3-native locking) instead of a local file.
	// Default: "" (local state at terraform.<environment>.tfstate in the stack folder)
	StateBucket string `json:"state_bucket"`
	// StateRegion is the S3 state bucket's region.
	// Default: Region
	StateRegion string `json:"state_region"`

	// DBEngineVersion is the MySQL version, major ("8.4") or exact ("8.4.3").
	// Default: "8.4"
	DBEngineVersion string `json:"db_engine_version"`
	// DBInstanceClass sizes the database.
	// Default: "db.t4g.medium"
	DBInstanceClass string `json:"db_instance_class"`
	// DBAllocatedStorage is the initial gp3 storage in GiB (20 to 65536).
	// Default: 20
	DBAllocatedStorage int `json:"db_allocated_storage"`
	// DBMaxAllocatedStorage caps storage autoscaling in GiB; above DBAllocatedStorage.
	// Default: 100
	DBMaxAllocatedStorage int `json:"db_max_allocated_storage"`
	// DBBackupRetentionDays keeps automated backups this long (1 to 35).
	// Default: 7
	DBBackupRetentionDays int `json:"db_backup_retention_days"`
	// DBSnapshotIdentifier, when set, creates the database from this DB
	// snapshot (identifier or ARN) instead of empty. Keep it set afterwards:
	// changing or removing it replaces the database.
	// Default: "" (an empty database)
	DBSnapshotIdentifier string `json:"db_snapshot_identifier"`
	// DataProtection guards the database and file system against deletion:
	// deletion protection, a final snapshot, prevent_destroy. Turn it off only
	// for throw-away environments; synthesis then warns.
	// Default: true
	DataProtection bool `json:"data_protection"`

	// InstanceType of the web servers; the AMI's architecture follows it
	// (Graviton types such as t4g run arm64).
	// Default: "t4g.small"
	InstanceType string `json:"instance_type"`
	// MinSize and MaxSize bound the web server group; MinSize at least 2 so
	// one zone's loss leaves a server.
	// Default: 2 and 4
	MinSize int `json:"min_size"`
	MaxSize int `json:"max_size"`
	// CPUTargetPercent is the average CPU the group scales to hold (10 to 90).
	// Default: 50
	CPUTargetPercent int `json:"cpu_target_percent"`
	// WordPressVersion is installed on first boot, verified against its published checksum.
	// Default: "6.8.3"
	WordPressVersion string `json:"wordpress_version"`
	// SiteTitle is the title the first boot installs WordPress with.
	// Default: "WordPress"
	SiteTitle string `json:"site_title"`
	// AdminEmail is the e-mail address of the WordPress admin user the first
	// boot creates; its password goes to the admin secret (output admin_secret_arn).
	// Default: "admin@example.com" (a reserved domain: set yours)
	AdminEmail string `json:"admin_email"`

	// CertificateARN, when set, adds an HTTPS listener and redirects HTTP to it.
	// With cdn (and cdn_certificate_arn) it is what CloudFront connects to,
	// over HTTPS, so it must cover domain_name.
	// Default: "" (HTTP only, as in the post)
	CertificateARN string `json:"certificate_arn"`
	// LoadBalancerDeletionProtection guards the ALB against deletion.
	// Default: true
	LoadBalancerDeletionProtection bool `json:"load_balancer_deletion_protection"`
	// Stickiness pins a visitor to one server with a load balancer cookie.
	// Default: false (WordPress keeps no session state on the server)
	Stickiness bool `json:"stickiness"`

	// CDN puts a CloudFront distribution in front of the load balancer; the
	// load balancer then admits only CloudFront (see README, "CDN").
	// Default: false
	CDN bool `json:"cdn"`
	// CDNCertificateARN is an ACM certificate in us-east-1 for CloudFront,
	// covering DomainName, managed outside the stack. Needs cdn and domain_name.
	// Default: "" (CloudFront's default certificate, or the one the stack
	// issues when hosted_zone_id is set)
	CDNCertificateARN string `json:"cdn_certificate_arn"`
	// CloudFrontPrefixListID is the region's AWS-managed prefix list
	// com.amazonaws.global.cloudfront.origin-facing, which ExternalWeb admits
	// when cdn is on. Needed only in a region edge.CloudFrontPrefixLists lacks.
	// Default: the region's entry in edge.CloudFrontPrefixLists
	CloudFrontPrefixListID string `json:"cloudfront_prefix_list_id"`

	// WAF puts a WAFv2 web ACL in front of the site: on CloudFront when cdn
	// is on, else on the load balancer.
	// Default: false
	WAF bool `json:"waf"`
	// WAFLoginRateLimit is how many requests to wp-login.php and xmlrpc.php
	// one client IP may send in 5 minutes before WAF blocks it (10 to 2000000000).
	// Default: 100
	WAFLoginRateLimit int `json:"waf_login_rate_limit"`
	// WAFLogRetentionDays keeps the web ACL's logs in CloudWatch Logs this
	// long (a retention CloudWatch accepts).
	// Default: 90
	WAFLogRetentionDays int `json:"waf_log_retention_days"`

	// ObjectCache adds an ElastiCache (Valkey) replication group that
	// WordPress uses as its persistent object cache.
	// Default: false
	ObjectCache bool `json:"object_cache"`
	// CacheNodeType sizes each cache node.
	// Default: "cache.t4g.micro"
	CacheNodeType string `json:"cache_node_type"`

	// DomainName is the site's public host name, e.g. "www.example.com": the
	// site URL becomes https://<domain_name>.
	// Default: "" (the load balancer's or CloudFront's name)
	DomainName string `json:"domain_name"`
	// HostedZoneID is the Route 53 public hosted zone of DomainName: the
	// stack then issues and validates the certificate and adds alias records.
	// Default: "" (no DNS records; bring certificate_arn or cdn_certificate_arn)
	HostedZoneID string `json:"hosted_zone_id"`

	// AccessLogRetentionDays keeps the load balancer's access logs this long
	// in their S3 bucket (1 to 3650).
	// Default: 90
	AccessLogRetentionDays int `json:"access_log_retention_days"`
	// LogRetentionDays keeps the web servers' logs (Apache, PHP-FPM, boot)
	// this long in CloudWatch Logs; a retention CloudWatch Logs accepts.
	// Default: 30
	LogRetentionDays int `json:"log_retention_days"`

	// MailFrom, when set, is the address WordPress sends mail from (password
	// resets, notifications), through Amazon SES with the instance role: its
	// domain, which the team must own, becomes an SES identity with DKIM.
	// Default: "" (no mail: EC2 blocks outbound port 25)
	MailFrom string `json:"mail_from"`
	// MailHostedZoneID is the Route 53 hosted zone of mail_from's domain:
	// the stack writes the three DKIM records there, so SES verifies the
	// domain without a manual step.
	// Default: "" (publish the mail_dkim_tokens output in the domain's DNS yourself)
	MailHostedZoneID string `json:"mail_hosted_zone_id"`
	// AlarmEmails are subscribed to the environment's alarm topic; each
	// address confirms by mail.
	// Default: none (subscribe a chat or paging integration to the topic instead)
	AlarmEmails []string `json:"alarm_emails"`
	// BackupRetentionDays keeps each daily AWS Backup recovery point of the
	// database and the file system this long (1 to 3650).
	// Default: 35
	BackupRetentionDays int `json:"backup_retention_days"`
	// BackupCopyRegion, when set, copies every recovery point to a vault in
	// this region, another than Region.
	// Default: "" (no copy)
	BackupCopyRegion string `json:"backup_copy_region"`
}

// DefaultEnvironment names the single stack synthesized without a file.
const DefaultEnvironment = "default"

// DefaultConfig returns the configuration used when nothing is configured.
// AvailabilityZones and StateRegion stay empty: they follow Region, so they
// are filled in by Resolve once Region is known.
// The tiers' own defaults are their packages' Default constants; the ones
// here belong to the stack alone.
func DefaultConfig() StackConfig {
	return StackConfig{
		Environment:                    DefaultEnvironment,
		Project:                        "wordpress",
		Region:                         "us-east-1",
		VpcCIDR:                        network.DefaultCIDR,
		SubnetPrefixLength:             network.DefaultSubnetPrefixLength,
		FlowLogRetentionDays:           network.DefaultFlowLogRetentionDays,
		DBEngineVersion:                data.DefaultEngineVersion,
		DBInstanceClass:                data.DefaultInstanceClass,
		DBAllocatedStorage:             data.DefaultAllocatedStorage,
		DBMaxAllocatedStorage:          data.DefaultMaxAllocatedStorage,
		DBBackupRetentionDays:          data.DefaultBackupRetentionDays,
		DataProtection:                 true,
		InstanceType:                   web.DefaultInstanceType,
		MinSize:                        web.DefaultMinSize,
		MaxSize:                        web.DefaultMaxSize,
		CPUTargetPercent:               web.DefaultCPUTargetPercent,
		WordPressVersion:               bootscript.DefaultWordPressVersion,
		SiteTitle:                      web.DefaultSiteTitle,
		AdminEmail:                     web.DefaultAdminEmail,
		LoadBalancerDeletionProtection: true,
		NatGateways:                    network.DefaultNatGateways,
		AccessLogRetentionDays:         edge.DefaultAccessLogRetentionDays,
		LogRetentionDays:               web.DefaultLogRetentionDays,
		BackupRetentionDays:            operations.DefaultBackupRetentionDays,
		WAFLoginRateLimit:              edge.DefaultWAFLoginRateLimit,
		WAFLogRetentionDays:            edge.DefaultWAFLogRetentionDays,
		CacheNodeType:                  data.DefaultCacheNodeType,
	}
}

// Resolve fills the defaults that depend on other fields.
func (c StackConfig) Resolve() StackConfig {
	if len(c.AvailabilityZones) == 0 {
		c.AvailabilityZones = []string{c.Region + "a", c.Region + "b"}
	}
	if c.StateRegion == "" {
		c.StateRegion = c.Region
	}
	if c.CDN && c.CloudFrontPrefixListID == "" {
		c.CloudFrontPrefixListID = edge.CloudFrontPrefixLists[c.Region]
	}
	return c
}

// OriginHTTPS reports whether CloudFront reaches the load balancer over
// HTTPS: behind a CDN, when the load balancer has a certificate for the
// site's name, issued by the stack (hosted_zone_id) or brought
// (certificate_arn). Otherwise CloudFront uses HTTP (README, "CDN").
func (c StackConfig) OriginHTTPS() bool {
	return c.CDN && (c.HostedZoneID != "" || c.CertificateARN != "")
}

// Name is "<project>-<environment>", the prefix of every named resource.
func (c StackConfig) Name() string { return c.Project + "-" + c.Environment }

// The rules of the stack alone; every other rule is its tier's (the
// Check functions of network, data, edge and web).
var (
	reEnvironment = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
	reBucket      = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
)

// maxNameLength keeps "<project>-<environment>" short enough for the
// tightest AWS name it prefixes: a target group name (32) less "-tg-xx".
const maxNameLength = 26

// Validate checks the whole configuration and returns every problem at once,
// each naming the field, the value and what is expected. field maps a JSON
// key to the name shown to the user (for example "environments.prod.region").
func (c StackConfig) Validate(field func(key string) string) error {
	if field == nil {
		field = func(k string) string { return k }
	}
	var errs []error
	bad := func(key string, got any, want string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: got %s, want %s", field(key), quote(got), fmt.Sprintf(want, args...)))
	}
	// fail reports a tier's rule, whose error says what it got and wants.
	fail := func(key string, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", field(key), err))
		}
	}

	if !reEnvironment.MatchString(c.Environment) || len(c.Environment) > 16 {
		bad("environment", c.Environment, "lowercase letters, digits and single hyphens, starting with a letter, at most 16 characters")
	}
	if !reEnvironment.MatchString(c.Project) || len(c.Project) > 20 {
		bad("project", c.Project, "lowercase letters, digits and single hyphens, starting with a letter, at most 20 characters")
	}
	if n := c.Name(); len(n) > maxNameLength {
		bad("project", c.Project, "a project and environment name of at most %d characters together (%q is %d): it prefixes load balancer and target group names", maxNameLength, n, len(n))
	}
	regionErr := network.CheckRegion(c.Region)
	fail("region", regionErr)
	if err := network.CheckZoneCount(len(c.AvailabilityZones)); err != nil {
		bad("availability_zones", c.AvailabilityZones, "%d to %d zones", network.MinZones, network.MaxZones)
	}
	if regionErr == nil {
		for _, err := range network.CheckZones(c.Region, c.AvailabilityZones) {
			fail("availability_zones", err)
		}
	}
	if len(errs) == 0 {
		_, netErrs := network.PlanSubnets(c.VpcCIDR, c.AvailabilityZones, c.SubnetPrefixLength, c.SubnetCIDRs)
		for _, e := range netErrs {
			// PlanSubnets names fields by their JSON keys; qualify them.
			key, msg, _ := strings.Cut(e.Error(), ": ")
			errs = append(errs, fmt.Errorf("%s: %s", field(key), msg))
		}
	}
	fail("flow_log_retention_days", network.CheckLogRetention(c.FlowLogRetentionDays))
	fail("nat_gateways", network.CheckNatGateways(c.NatGateways))
	for _, k := range slices.Sorted(maps.Keys(c.Tags)) {
		if k == "" || len(k) > 128 || strings.HasPrefix(strings.ToLower(k), "aws:") {
			bad("tags", k, "tag keys of 1 to 128 characters not starting with \"aws:\"")
		}
		if len(c.Tags[k]) > 256 {
			bad("tags."+k, c.Tags[k], "a value of at most 256 characters")
		}
	}
	if c.StateBucket != "" && (!reBucket.MatchString(c.StateBucket) || strings.Contains(c.StateBucket, "..")) {
		bad("state_bucket", c.StateBucket, "an S3 bucket name: 3 to 63 lowercase letters, digits, dots and hyphens")
	}
	fail("state_region", network.CheckRegion(c.StateRegion))

	_, engineErr := data.EngineFamily(c.DBEngineVersion)
	fail("db_engine_version", engineErr)
	fail("db_instance_class", data.CheckInstanceClass(c.DBInstanceClass))
	allocatedErr, maxErr := data.CheckStorage(c.DBAllocatedStorage, c.DBMaxAllocatedStorage)
	fail("db_allocated_storage", allocatedErr)
	fail("db_max_allocated_storage", maxErr)
	fail("db_backup_retention_days", data.CheckBackupRetention(c.DBBackupRetentionDays))
	if c.DBSnapshotIdentifier != "" {
		fail("db_snapshot_identifier", data.CheckSnapshotIdentifier(c.DBSnapshotIdentifier))
	}

	fail("instance_type", web.CheckInstanceType(c.InstanceType))
	minErr, maxSizeErr := web.CheckSize(c.MinSize, c.MaxSize)
	fail("min_size", minErr)
	fail("max_size", maxSizeErr)
	fail("cpu_target_percent", web.CheckCPUTarget(c.CPUTargetPercent))
	fail("wordpress_version", bootscript.CheckWordPressVersion(c.WordPressVersion))
	fail("site_title", bootscript.CheckSiteTitle(c.SiteTitle))
	fail("admin_email", bootscript.CheckEmail(c.AdminEmail))
	if c.CertificateARN != "" {
		region := c.Region
		if regionErr != nil {
			region = "" // already reported; judge the ARN's shape alone
		}
		fail("certificate_arn", edge.CheckCertificateARN(c.CertificateARN, region))
	}
	errs = append(errs, c.validateEdge(field, bad)...)
	fail("access_log_retention_days", edge.CheckAccessLogRetention(c.AccessLogRetentionDays))
	fail("log_retention_days", network.CheckLogRetention(c.LogRetentionDays))
	if c.MailFrom != "" {
		fail("mail_from", web.CheckMailFrom(c.MailFrom))
	}
	if c.MailHostedZoneID != "" {
		fail("mail_hosted_zone_id", web.CheckMailHostedZone(c.MailHostedZoneID, c.MailFrom))
	}

	for _, err := range operations.CheckAlarmEmails(c.AlarmEmails) {
		fail("alarm_emails", err)
	}
	fail("backup_retention_days", operations.CheckBackupRetention(c.BackupRetentionDays))
	if c.BackupCopyRegion != "" {
		fail("backup_copy_region", operations.CheckCopyRegion(c.BackupCopyRegion, c.Region))
	}
	return errors.Join(errs...)
}

func quote(v any) string {
	switch v := v.(type) {
	case string:
		return fmt.Sprintf("%q", v)
	case []string:
		b, _ := json.Marshal(v) // a []string always marshals
		return string(b)
	}
	return fmt.Sprint(v)
}

// File is the shape of the configuration file: defaults shared by every
// environment, and the environments, each overriding what it names.
type File struct {
	Defaults     json.RawMessage            `json:"defaults"`
	Environments map[string]json.RawMessage `json:"environments"`
}

// LoadConfig reads the environments file at path and returns each
// environment's resolved, validated configuration, sorted by name. A missing
// file means one environment with every default. Every problem in the file
// is reported together.
func LoadConfig(path string) ([]StackConfig, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		c := DefaultConfig().Resolve()
		if err := c.Validate(nil); err != nil {
			return nil, fmt.Errorf("default configuration: %w", err)
		}
		return []StackConfig{c}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read configuration: %w", err)
	}
	cfgs, err := ParseConfig(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cfgs, nil
}

// ParseConfig is LoadConfig for the file's contents.
func ParseConfig(data []byte) ([]StackConfig, error) {
	var f File
	var errs []error
	if err := strictDecode(data, &f, ""); err != nil {
		return nil, err
	}
	if len(f.Environments) == 0 {
		return nil, errors.New(`environments: got none, want at least one environment, e.g. {"environments": {"prod": {}}}`)
	}
	base := DefaultConfig()
	if len(f.Defaults) > 0 {
		if err := strictDecode(f.Defaults, &base, "defaults."); err != nil {
			errs = append(errs, err)
		}
	}
	defaultKeys := keysOf(f.Defaults)

	var cfgs []StackConfig
	for _, name := range slices.Sorted(maps.Keys(f.Environments)) {
		c := base
		// Slices and maps must not be shared between environments.
		c.AvailabilityZones = append([]string(nil), base.AvailabilityZones...)
		c.SubnetCIDRs, c.Tags = cloneMap(base.SubnetCIDRs), cloneMap(base.Tags)
		c.AlarmEmails = slices.Clone(base.AlarmEmails)
		c.Environment = name
		prefix := "environments." + name + "."
		raw := f.Environments[name]
		if err := strictDecode(raw, &c, prefix); err != nil {
			errs = append(errs, err)
			continue
		}
		envKeys := keysOf(raw)
		field := func(key string) string {
			top, _, _ := strings.Cut(key, ".")
			switch {
			case key == "environment":
				return "environments." + name
			case !envKeys[top] && defaultKeys[top]:
				return "defaults." + key
			}
			return prefix + key
		}
		c = c.Resolve()
		if err := c.Validate(field); err != nil {
			errs = append(errs, err)
		}
		cfgs = append(cfgs, c)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return cfgs, nil
}

// strictDecode decodes an object into v, reporting every unknown key (not
// only the first, as json.Decoder.DisallowUnknownFields would) and type
// errors by their dotted field name.
func strictDecode(data []byte, v any, prefix string) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		where := strings.TrimSuffix(prefix, ".")
		if where == "" {
			where = "file"
		}
		return fmt.Errorf("%s: %s, want a JSON object", where, describeJSONError(err))
	}
	known := jsonKeys(reflect.TypeOf(v).Elem())
	var errs []error
	for _, k := range slices.Sorted(maps.Keys(raw)) {
		if !known[k] {
			errs = append(errs, fmt.Errorf("%s%s: unknown key, want one of %s", prefix, k, strings.Join(slices.Sorted(maps.Keys(known)), ", ")))
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	if err := json.Unmarshal(data, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return fmt.Errorf("%s%s: got a JSON %s, want %s", prefix, te.Field, te.Value, describeType(te.Type))
		}
		return fmt.Errorf("%s: %w", strings.TrimSuffix(prefix, "."), err)
	}
	return nil
}

func describeJSONError(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("invalid JSON at byte %d (%v)", se.Offset, err)
	}
	return err.Error()
}

func describeType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int:
		return "a whole number"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	case reflect.Slice:
		return "a list of " + strings.TrimPrefix(describeType(t.Elem()), "a ") + "s"
	case reflect.Map:
		return "an object of " + strings.TrimPrefix(describeType(t.Elem()), "a ") + "s"
	}
	return t.String()
}

func jsonKeys(t reflect.Type) map[string]bool {
	keys := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			keys[name] = true
		}
	}
	return keys
}

func keysOf(data json.RawMessage) map[string]bool {
	var raw map[string]json.RawMessage
	_ = json.Unmarshal(bytes.TrimSpace(data), &raw) // already decoded once; a failure leaves no keys
	keys := map[string]bool{}
	for k := range raw {
		keys[k] = true
	}
	return keys
}

func cloneMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Warnings lists choices that are valid but dangerous, for synthesis to
// print where a reviewer sees them.
func (c StackConfig) Warnings() []string {
	var w []string
	if !c.DataProtection {
		w = append(w, "data_protection is false: the database and the file system can be destroyed by `cdktf destroy` or a replacement, without a final snapshot. Use this only for throw-away environments.")
	}
	if c.NatGateways == network.NatSingle && len(c.AvailabilityZones) > 0 {
		w = append(w, fmt.Sprintf("nat_gateways is %q: the servers of every zone reach the internet through one NAT gateway in %s, so losing that zone cuts all egress (package installs, Secrets Manager, WordPress updates) and new servers cannot boot. Use this only for throw-away environments.", network.NatSingle, c.AvailabilityZones[0]))
	}
	return w
}

// validateEdge checks the optional front of the site (cdn, waf,
// object_cache, domain_name and the certificates) and the combinations
// that exclude each other. field and bad are Validate's.
func (c StackConfig) validateEdge(field func(string) string, bad func(key string, got any, want string, args ...any)) []error {
	var errs []error
	both := func(a, b, want string) {
		errs = append(errs, fmt.Errorf("%s and %s: both set, want %s", field(a), field(b), want))
	}
	fail := func(key string, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", field(key), err))
		}
	}
	if c.CDNCertificateARN != "" {
		fail("cdn_certificate_arn", edge.CheckCloudFrontCertificateARN(c.CDNCertificateARN))
		if !c.CDN {
			bad("cdn_certificate_arn", c.CDNCertificateARN, "cdn: true (the certificate is CloudFront's)")
		}
		if c.DomainName == "" {
			bad("cdn_certificate_arn", c.CDNCertificateARN, "domain_name set too: the host name the certificate covers")
		}
	}
	if c.CDN && c.CertificateARN != "" && c.CDNCertificateARN == "" {
		// Behind CloudFront the load balancer's certificate is for
		// CloudFront's connection, which it checks against the site's name:
		// the site then has a name and CloudFront a certificate for it.
		bad("certificate_arn", c.CertificateARN, "cdn_certificate_arn set too when cdn is on: certificate_arn is then the load balancer's certificate for CloudFront's HTTPS connection, cdn_certificate_arn CloudFront's own (us-east-1), both covering domain_name")
	}
	if c.CloudFrontPrefixListID != "" {
		fail("cloudfront_prefix_list_id", edge.CheckPrefixListID(c.CloudFrontPrefixListID))
	}
	if c.CDN && c.CloudFrontPrefixListID == "" {
		bad("cloudfront_prefix_list_id", c.CloudFrontPrefixListID, "the ID of com.amazonaws.global.cloudfront.origin-facing in %s (no pinned ID for this region)", c.Region)
	}
	if !c.CDN && c.CloudFrontPrefixListID != "" {
		bad("cloudfront_prefix_list_id", c.CloudFrontPrefixListID, "cdn: true (only CloudFront uses it)")
	}
	fail("waf_login_rate_limit", edge.CheckLoginRateLimit(c.WAFLoginRateLimit))
	fail("waf_log_retention_days", network.CheckLogRetention(c.WAFLogRetentionDays))
	fail("cache_node_type", data.CheckCacheNodeType(c.CacheNodeType))
	if c.DomainName != "" {
		fail("domain_name", edge.CheckDomainName(c.DomainName))
	}
	if c.HostedZoneID != "" {
		fail("hosted_zone_id", edge.CheckHostedZoneID(c.HostedZoneID))
	}
	if c.HostedZoneID != "" && c.DomainName == "" {
		bad("hosted_zone_id", c.HostedZoneID, "domain_name set too: the name the zone holds records for")
	}
	if c.HostedZoneID != "" {
		// The stack issues the certificate when it has the zone.
		if c.CertificateARN != "" {
			both("hosted_zone_id", "certificate_arn", "one of them: with a hosted zone the stack issues the certificate itself")
		}
		if c.CDNCertificateARN != "" {
			both("hosted_zone_id", "cdn_certificate_arn", "one of them: with a hosted zone the stack issues the certificate itself")
		}
	}
	if c.DomainName != "" && c.HostedZoneID == "" && c.CertificateARN == "" && c.CDNCertificateARN == "" {
		bad("domain_name", c.DomainName, "hosted_zone_id (the stack issues the certificate) or a certificate managed elsewhere: cdn_certificate_arn with cdn, certificate_arn without")
	}
	return errs
}
