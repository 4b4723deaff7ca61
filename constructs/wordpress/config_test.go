package wordpress_test

// The configuration is plain Go: these tests build no construct. The
// stacks it produces are tested in the repository root, which also checks
// that a bad configuration leaves cdktf.out untouched.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wordpress-cdktf/resilient-wordpress/constructs/wordpress"
	"github.com/wordpress-cdktf/resilient-wordpress/internal/jsiiboot"
)

// TestMain ends with jsiiboot.Exit although nothing here calls jsii: the
// bindings this package links unpack jsii's runtime as they initialise.
func TestMain(m *testing.M) {
	jsiiboot.Exit(m.Run())
}

// TestBadConfiguration feeds LoadConfig broken environment files: each must
// fail with a message naming the file, the field and the value.
func TestBadConfiguration(t *testing.T) {
	tests := []struct {
		name string
		file string
		want []string // every string must appear in the error
	}{
		{"not json", `{"environments": {`, []string{"file", "invalid JSON"}},
		{"no environments", `{"environments": {}}`, []string{"environments", "at least one"}},
		{"unknown top-level key", `{"environment": {"dev": {}}}`, []string{`environment: unknown key`}},
		{"unknown keys reported together", `{"environments": {"dev": {"regoin": "us-east-1", "vpc_cdir": "10.0.0.0/16"}}}`,
			[]string{"environments.dev.regoin: unknown key", "environments.dev.vpc_cdir: unknown key"}},
		{"wrong type", `{"environments": {"dev": {"min_size": "two"}}}`, []string{"environments.dev.min_size", "a whole number"}},
		{"region format", `{"environments": {"dev": {"region": "us-east"}}}`, []string{`environments.dev.region: got "us-east"`, "such as us-east-1"}},
		{"region from defaults", `{"defaults": {"region": "useast1"}, "environments": {"dev": {}}}`, []string{`defaults.region: got "useast1"`}},
		{"bad environment name", `{"environments": {"Prod_1": {}}}`, []string{`environments.Prod_1: got "Prod_1"`, "lowercase"}},
		{"name too long", `{"environments": {"production-eu-west": {}}}`, []string{"environments.production-eu-west", "at most 16"}},
		{"one zone", `{"environments": {"dev": {"availability_zones": ["us-east-1a"]}}}`, []string{"environments.dev.availability_zones", "2 to 6 zones"}},
		{"seven zones", `{"environments": {"dev": {"availability_zones": ["us-east-1a","us-east-1b","us-east-1c","us-east-1d","us-east-1e","us-east-1f","us-east-1g"]}}}`, []string{"environments.dev.availability_zones", "2 to 6"}},
		{"zone of another region", `{"environments": {"dev": {"availability_zones": ["us-east-1a", "eu-west-1b"]}}}`, []string{`environments.dev.availability_zones: got "eu-west-1b"`, "zone of region us-east-1"}},
		{"duplicate zone", `{"environments": {"dev": {"availability_zones": ["us-east-1a", "us-east-1a"]}}}`, []string{`got "us-east-1a", want each zone once`}},
		{"vpc cidr not a network", `{"environments": {"dev": {"vpc_cidr": "10.0.0.1/16"}}}`, []string{`environments.dev.vpc_cidr: got "10.0.0.1/16"`}},
		{"vpc cidr too large", `{"environments": {"dev": {"vpc_cidr": "10.0.0.0/8"}}}`, []string{`environments.dev.vpc_cidr`, "/16 to /23"}},
		{"subnets do not fit", `{"environments": {"dev": {"vpc_cidr": "10.0.0.0/23", "subnet_prefix_length": 26}}}`, []string{"environments.dev.subnet_prefix_length: got 26", "28 to 28"}},
		{"vpc too small for the tiers", `{"environments": {"dev": {"vpc_cidr": "10.0.0.0/24"}}}`, []string{`environments.dev.vpc_cidr: got "10.0.0.0/24"`, "/16 to /23"}},
		{"subnet outside vpc", `{"environments": {"dev": {"subnet_cidrs": {"app-a": "10.1.0.0/24"}}}}`, []string{`environments.dev.subnet_cidrs.app-a: got "10.1.0.0/24"`, "inside vpc_cidr"}},
		{"subnets overlap", `{"environments": {"dev": {"subnet_cidrs": {"app-a": "10.0.0.0/23"}}}}`, []string{"environments.dev.subnet_cidrs.app-a: 10.0.0.0/23 overlaps public-a"}},
		{"unknown subnet key", `{"environments": {"dev": {"subnet_cidrs": {"web-a": "10.0.200.0/24"}}}}`, []string{`environments.dev.subnet_cidrs: unknown key "web-a"`}},
		{"subnet override from defaults", `{"defaults": {"subnet_cidrs": {"app-a": "10.1.0.0/24"}}, "environments": {"dev": {}}}`, []string{`defaults.subnet_cidrs.app-a: got "10.1.0.0/24"`}},
		{"engine end of life", `{"environments": {"dev": {"db_engine_version": "5.7"}}}`, []string{`environments.dev.db_engine_version: got "5.7"`, "8.4 or 8.0"}},
		{"instance class", `{"environments": {"dev": {"db_instance_class": "t4g.micro"}}}`, []string{`environments.dev.db_instance_class: got "t4g.micro"`, "db.t4g.medium"}},
		{"storage too small", `{"environments": {"dev": {"db_allocated_storage": 5}}}`, []string{"environments.dev.db_allocated_storage: got 5", "20 to 65536"}},
		{"no room to grow", `{"environments": {"dev": {"db_allocated_storage": 100, "db_max_allocated_storage": 100}}}`, []string{"environments.dev.db_max_allocated_storage: got 100", "more than the allocated storage (100 GiB)"}},
		{"no backups", `{"environments": {"dev": {"db_backup_retention_days": 0}}}`, []string{"environments.dev.db_backup_retention_days: got 0", "1 to 35"}},
		{"one web server", `{"environments": {"dev": {"min_size": 1}}}`, []string{"environments.dev.min_size: got 1", "at least 2"}},
		{"max below min", `{"environments": {"dev": {"min_size": 4, "max_size": 3}}}`, []string{"environments.dev.max_size: got 3", "min_size (4) to 100"}},
		{"instance type", `{"environments": {"dev": {"instance_type": "large"}}}`, []string{`environments.dev.instance_type: got "large"`}},
		{"cpu target", `{"environments": {"dev": {"cpu_target_percent": 95}}}`, []string{"environments.dev.cpu_target_percent: got 95", "10 to 90"}},
		{"empty site title", `{"environments": {"dev": {"site_title": ""}}}`, []string{`environments.dev.site_title: got ""`, "1 to 200 characters"}},
		{"site title with a newline", `{"environments": {"dev": {"site_title": "My\nBlog"}}}`, []string{`environments.dev.site_title: got "My\nBlog"`, "no control characters"}},
		{"site title with Terraform syntax", `{"environments": {"dev": {"site_title": "Cost: ${var.x}"}}}`, []string{`environments.dev.site_title: got "Cost: ${var.x}"`, "Terraform template syntax"}},
		{"admin e-mail without domain", `{"environments": {"dev": {"admin_email": "admin"}}}`, []string{`environments.dev.admin_email: got "admin"`, "an e-mail address"}},
		{"admin e-mail with a quote", `{"defaults": {"admin_email": "o'hara@example.com"}, "environments": {"dev": {}}}`, []string{`defaults.admin_email: got "o'hara@example.com"`}},
		{"certificate of another region", `{"environments": {"dev": {"certificate_arn": "arn:aws:acm:eu-west-1:123456789012:certificate/abc-123"}}}`, []string{"environments.dev.certificate_arn", "region us-east-1"}},
		{"state bucket", `{"environments": {"dev": {"state_bucket": "My_Bucket"}}}`, []string{`environments.dev.state_bucket: got "My_Bucket"`, "S3 bucket name"}},
		{"flow log retention", `{"environments": {"dev": {"flow_log_retention_days": 45}}}`, []string{"environments.dev.flow_log_retention_days: got 45", "CloudWatch Logs accepts"}},
		{"reserved tag", `{"environments": {"dev": {"tags": {"aws:owner": "me"}}}}`, []string{`environments.dev.tags: got "aws:owner"`}},
		{"zone of another region", `{"environments": {"dev": {"availability_zones": ["us-east-1a", "eu-west-1b"]}}}`, []string{`environments.dev.availability_zones: got "eu-west-1b"`, "zone of region us-east-1"}},
		{"cdn certificate outside us-east-1", `{"environments": {"dev": {"cdn": true, "domain_name": "www.example.com", "cdn_certificate_arn": "arn:aws:acm:eu-west-1:123456789012:certificate/abc-123"}}}`, []string{"environments.dev.cdn_certificate_arn", "us-east-1"}},
		{"cdn certificate without cdn", `{"environments": {"dev": {"domain_name": "www.example.com", "cdn_certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/abc-123"}}}`, []string{"environments.dev.cdn_certificate_arn", "cdn: true"}},
		{"cdn certificate without a domain", `{"environments": {"dev": {"cdn": true, "cdn_certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/abc-123"}}}`, []string{"environments.dev.cdn_certificate_arn", "domain_name"}},
		{"cdn and an ALB certificate without CloudFront's", `{"environments": {"dev": {"cdn": true, "domain_name": "www.example.com", "certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/abc-123"}}}`, []string{"environments.dev.certificate_arn", "cdn_certificate_arn set too"}},
		{"cdn in a region without a pinned prefix list", `{"environments": {"dev": {"region": "af-south-1", "cdn": true}}}`, []string{"environments.dev.cloudfront_prefix_list_id", "af-south-1"}},
		{"prefix list without cdn", `{"environments": {"dev": {"cloudfront_prefix_list_id": "pl-12345678"}}}`, []string{`environments.dev.cloudfront_prefix_list_id: got "pl-12345678"`, "cdn: true"}},
		{"prefix list format", `{"environments": {"dev": {"cdn": true, "cloudfront_prefix_list_id": "sg-12345678"}}}`, []string{`environments.dev.cloudfront_prefix_list_id: got "sg-12345678"`}},
		{"waf rate limit", `{"environments": {"dev": {"waf": true, "waf_login_rate_limit": 5}}}`, []string{"environments.dev.waf_login_rate_limit: got 5", "10 to 2000000000"}},
		{"waf log retention", `{"environments": {"dev": {"waf_log_retention_days": 10}}}`, []string{"environments.dev.waf_log_retention_days: got 10", "CloudWatch Logs accepts"}},
		{"cache node type", `{"environments": {"dev": {"object_cache": true, "cache_node_type": "t4g.micro"}}}`, []string{`environments.dev.cache_node_type: got "t4g.micro"`, "cache.t4g.micro"}},
		{"domain name", `{"environments": {"dev": {"domain_name": "Example", "hosted_zone_id": "Z123"}}}`, []string{`environments.dev.domain_name: got "Example"`, "host name"}},
		{"hosted zone format", `{"environments": {"dev": {"domain_name": "www.example.com", "hosted_zone_id": "zone-1"}}}`, []string{`environments.dev.hosted_zone_id: got "zone-1"`}},
		{"zone without a domain", `{"environments": {"dev": {"hosted_zone_id": "Z123"}}}`, []string{`environments.dev.hosted_zone_id: got "Z123"`, "domain_name"}},
		{"zone and a certificate", `{"environments": {"dev": {"domain_name": "www.example.com", "hosted_zone_id": "Z123", "certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/abc-123"}}}`, []string{"environments.dev.hosted_zone_id and environments.dev.certificate_arn: both set"}},
		{"zone and a cdn certificate", `{"environments": {"dev": {"cdn": true, "domain_name": "www.example.com", "hosted_zone_id": "Z123", "cdn_certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/abc-123"}}}`, []string{"environments.dev.hosted_zone_id and environments.dev.cdn_certificate_arn: both set"}},
		{"domain without a zone or certificate", `{"environments": {"dev": {"cdn": true, "domain_name": "www.example.com"}}}`, []string{`environments.dev.domain_name: got "www.example.com"`, "hosted_zone_id"}},
		{"nat gateways", `{"environments": {"dev": {"nat_gateways": "one"}}}`, []string{`environments.dev.nat_gateways: got "one"`, `"per_zone"`, `"single"`}},
		{"db snapshot identifier", `{"environments": {"dev": {"db_snapshot_identifier": "my_snapshot"}}}`, []string{`environments.dev.db_snapshot_identifier: got "my_snapshot"`, "snapshot identifier"}},
		{"db snapshot of a cluster", `{"environments": {"dev": {"db_snapshot_identifier": "arn:aws:rds:us-east-1:123456789012:cluster-snapshot:x"}}}`, []string{"environments.dev.db_snapshot_identifier", "snapshot ARN"}},
		{"access log retention", `{"environments": {"dev": {"access_log_retention_days": 0}}}`, []string{"environments.dev.access_log_retention_days: got 0", "1 to 3650"}},
		{"log retention", `{"environments": {"dev": {"log_retention_days": 10}}}`, []string{"environments.dev.log_retention_days: got 10", "CloudWatch Logs accepts"}},
		{"mail from", `{"environments": {"dev": {"mail_from": "wordpress"}}}`, []string{`environments.dev.mail_from: got "wordpress"`, "e-mail address"}},
		{"mail from a mail provider", `{"environments": {"dev": {"mail_from": "blog@gmail.com"}}}`, []string{`environments.dev.mail_from: got "blog@gmail.com"`, "domain the team owns"}},
		{"mail zone without mail", `{"environments": {"dev": {"mail_hosted_zone_id": "Z0123456789EXAMPLE"}}}`, []string{`environments.dev.mail_hosted_zone_id: got "Z0123456789EXAMPLE"`, "mail_from set too"}},
		{"mail zone not a zone ID", `{"environments": {"dev": {"mail_from": "wordpress@blog.example.com", "mail_hosted_zone_id": "example.com"}}}`, []string{`environments.dev.mail_hosted_zone_id: got "example.com"`, "hosted zone ID"}},
		{"alarm email", `{"environments": {"dev": {"alarm_emails": ["ops@example"]}}}`, []string{`environments.dev.alarm_emails: got "ops@example"`, "e-mail address"}},
		{"alarm email twice", `{"environments": {"dev": {"alarm_emails": ["ops@example.com", "OPS@example.com"]}}}`, []string{`environments.dev.alarm_emails: got "OPS@example.com", want each address once`}},
		{"alarm emails not a list", `{"environments": {"dev": {"alarm_emails": "ops@example.com"}}}`, []string{"environments.dev.alarm_emails", "a list of strings"}},
		{"backup retention", `{"environments": {"dev": {"backup_retention_days": 0}}}`, []string{"environments.dev.backup_retention_days: got 0", "1 to 3650"}},
		{"backup copy region format", `{"environments": {"dev": {"backup_copy_region": "west"}}}`, []string{`environments.dev.backup_copy_region: got "west"`, "region name"}},
		{"backup copy to the same region", `{"environments": {"dev": {"backup_copy_region": "us-east-1"}}}`, []string{`environments.dev.backup_copy_region: got "us-east-1"`, "other than"}},
		{"errors of two environments together", `{"environments": {"a": {"min_size": 0}, "b": {"region": "x"}}}`, []string{"environments.a.min_size", `environments.b.region: got "x"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "environments.json")
			if err := os.WriteFile(path, []byte(tt.file), 0o644); err != nil {
				t.Fatal(err)
			}
			cfgs, err := wordpress.LoadConfig(path)
			if err == nil {
				t.Fatalf("LoadConfig succeeded with %d environments, want an error", len(cfgs))
			}
			if !strings.HasPrefix(err.Error(), path+": ") {
				t.Errorf("error does not start with the file's path %s:\n%v", path, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not mention %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestDefaultsWithoutAFile(t *testing.T) {
	cfgs, err := wordpress.LoadConfig(filepath.Join(t.TempDir(), "absent.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := []wordpress.StackConfig{wordpress.DefaultConfig().Resolve()}
	if diff := cmp.Diff(want, cfgs); diff != "" {
		t.Errorf("configuration without a file (-want +got):\n%s", diff)
	}
	c := cfgs[0]
	got := []any{c.Environment, c.Region, c.AvailabilityZones, c.VpcCIDR, c.StateRegion}
	if diff := cmp.Diff([]any{wordpress.DefaultEnvironment, "us-east-1", []string{"us-east-1a", "us-east-1b"}, "10.0.0.0/16", "us-east-1"}, got); diff != "" {
		t.Errorf("environment, region, zones, VPC, state region (-want +got):\n%s", diff)
	}
}

func TestEnvironmentsOverrideDefaults(t *testing.T) {
	cfgs, err := wordpress.ParseConfig([]byte(`{
		"defaults": {"region": "eu-west-1", "min_size": 3, "max_size": 6, "tags": {"team": "web"}},
		"environments": {"prod": {"max_size": 12, "tags": {"team": "ops"}}, "dev": {}}
	}`))
	if err != nil {
		t.Fatal(err)
	}
	type summary struct {
		Env, Region string
		Zones       []string
		Min, Max    int
		Tags        map[string]string
	}
	var got []summary
	for _, c := range cfgs {
		got = append(got, summary{c.Environment, c.Region, c.AvailabilityZones, c.MinSize, c.MaxSize, c.Tags})
	}
	want := []summary{
		{"dev", "eu-west-1", []string{"eu-west-1a", "eu-west-1b"}, 3, 6, map[string]string{"team": "web"}},
		{"prod", "eu-west-1", []string{"eu-west-1a", "eu-west-1b"}, 3, 12, map[string]string{"team": "ops"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("resolved environments (-want +got):\n%s", diff)
	}
}

func TestRelaxedDataProtectionWarns(t *testing.T) {
	for _, tt := range []struct {
		protect bool
		want    int
	}{{true, 0}, {false, 1}} {
		c := wordpress.DefaultConfig()
		c.DataProtection = tt.protect
		got := c.Warnings()
		if len(got) != tt.want {
			t.Errorf("data_protection %v: got warnings %q, want %d", tt.protect, got, tt.want)
		}
		for _, w := range got {
			if !strings.Contains(w, "data_protection is false") {
				t.Errorf("warning %q does not name data_protection", w)
			}
		}
	}
}

// TestEdgeCombinations: the combinations of the optional front that are
// allowed parse, and cdn picks up the region's pinned prefix list.
func TestEdgeCombinations(t *testing.T) {
	tests := []struct {
		name, env  string
		prefixList string
	}{
		{"cdn alone", `{"cdn": true}`, "pl-3b927c52"},
		{"cdn elsewhere", `{"cdn": true, "region": "eu-west-1"}`, "pl-4fa04526"},
		{"cdn with a prefix list of its own", `{"cdn": true, "region": "af-south-1", "cloudfront_prefix_list_id": "pl-0123456789abcdef0"}`, "pl-0123456789abcdef0"},
		{"cdn with a certificate from elsewhere", `{"cdn": true, "domain_name": "www.example.com", "cdn_certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/abc-123"}`, "pl-3b927c52"},
		{"cdn, zone and waf", `{"cdn": true, "waf": true, "domain_name": "www.example.com", "hosted_zone_id": "Z123"}`, "pl-3b927c52"},
		{"load balancer with a zone", `{"domain_name": "www.example.com", "hosted_zone_id": "Z123", "waf": true}`, ""},
		{"load balancer with a certificate from elsewhere", `{"domain_name": "www.example.com", "certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/abc-123"}`, ""},
		{"object cache", `{"object_cache": true, "cache_node_type": "cache.m7g.large"}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfgs, err := wordpress.ParseConfig([]byte(`{"environments": {"dev": ` + tt.env + `}}`))
			if err != nil {
				t.Fatal(err)
			}
			if got := cfgs[0].CloudFrontPrefixListID; got != tt.prefixList {
				t.Errorf("cloudfront_prefix_list_id: got %q, want %q", got, tt.prefixList)
			}
		})
	}
}

func TestSingleNATGatewayWarns(t *testing.T) {
	for _, tt := range []struct {
		mode string
		want []string
	}{
		{"per_zone", nil},
		{"single", []string{`nat_gateways is "single"`, "us-east-1a", "cuts all egress"}},
	} {
		c := wordpress.DefaultConfig()
		c.NatGateways = tt.mode
		c = c.Resolve()
		got := strings.Join(c.Warnings(), "\n")
		if (got != "") != (tt.want != nil) {
			t.Errorf("nat_gateways %s: got warnings %q, want %d", tt.mode, got, len(tt.want))
		}
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("nat_gateways %s: warning %q does not say %q", tt.mode, got, w)
			}
		}
	}
}
