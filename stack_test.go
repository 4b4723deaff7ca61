package main

// Properties of whole stacks, as wordpress.NewStack composes them from the
// configuration. Each tier's own properties are tested in its package under
// constructs/, on stacks of that tier and those it needs.

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wordpress-cdktf/resilient-wordpress/constructs/network"
	"github.com/wordpress-cdktf/resilient-wordpress/constructs/web"
	"github.com/wordpress-cdktf/resilient-wordpress/constructs/web/bootscript"
	"github.com/wordpress-cdktf/resilient-wordpress/constructs/wordpress"
	"github.com/wordpress-cdktf/resilient-wordpress/internal/stacktest"
)

// TestNothingButTheLoadBalancerIsReachableFromTheInternet restates the
// invariants a reviewer checks first, over every rule of the whole stack,
// whichever tier adds it.
func TestNothingButTheLoadBalancerIsReachableFromTheInternet(t *testing.T) {
	forEachStack(t, func(t *testing.T, c wordpress.StackConfig, s *stacktest.Stack) {
		byName, _ := s.GroupRefs(t)
		groups := []string{"ExternalWeb", "InternalData", "InternalEFS", "InternalWeb"}
		if c.ObjectCache {
			groups = []string{"ExternalWeb", "InternalCache", "InternalData", "InternalEFS", "InternalWeb"}
		}
		if diff := cmp.Diff(groups, stacktest.SortedNames(byName)); diff != "" {
			t.Errorf("security groups (-want +got):\n%s", diff)
		}
		for _, r := range s.Rules(t) {
			f := strings.Fields(r)
			group, dir, port, peer := f[0], f[1], f[2], f[3]
			fromAddresses := strings.Contains(peer, "/") || strings.HasPrefix(peer, "pl-")
			if dir == "in" && fromAddresses && group != "ExternalWeb" {
				t.Errorf("%s: only ExternalWeb may admit traffic from an address range", r)
			}
			if dir == "in" && (port == "22" || port == "3389") {
				t.Errorf("%s: SSH and RDP are never admitted", r)
			}
		}
		_, alb := s.Only(t, "aws_lb")
		if diff := cmp.Diff([]any{s.GroupRef(t, "ExternalWeb")}, alb["security_groups"]); diff != "" {
			t.Errorf("load balancer security groups, want ExternalWeb (-want +got):\n%s", diff)
		}
	})
}

func TestProviderTags(t *testing.T) {
	forEachStack(t, func(t *testing.T, c wordpress.StackConfig, s *stacktest.Stack) {
		// The stack's region, and us-east-1 for what CloudFront needs there.
		wantProviders := []string{" " + c.Region}
		if c.CDN {
			wantProviders = append(wantProviders, "us_east_1 us-east-1")
		}
		if c.BackupCopyRegion != "" {
			wantProviders = append(wantProviders, "backup_copy "+c.BackupCopyRegion)
		}
		sort.Strings(wantProviders)
		wantTags := map[string]any{"project": c.Project, "environment": c.Environment, "managed-by": "cdktf"}
		for k, v := range c.Tags {
			wantTags[k] = v
		}
		var gotProviders []string
		for _, p := range stacktest.AsSlice(s.Block("provider")["aws"]) {
			p := stacktest.AsMap(p)
			alias, _ := p["alias"].(string)
			gotProviders = append(gotProviders, fmt.Sprintf("%s %v", alias, p["region"]))
			tags := stacktest.AsMap(stacktest.AsMap(stacktest.AsSlice(p["default_tags"])[0])["tags"])
			if diff := cmp.Diff(wantTags, tags); diff != "" {
				t.Errorf("provider %q default tags (-want +got):\n%s", alias, diff)
			}
		}
		sort.Strings(gotProviders)
		if diff := cmp.Diff(wantProviders, gotProviders); diff != "" {
			t.Errorf("aws providers, as \"alias region\" (-want +got):\n%s", diff)
		}
	})
}

func TestBackendIsExplicitAndRelative(t *testing.T) {
	forEachStack(t, func(t *testing.T, c wordpress.StackConfig, s *stacktest.Stack) {
		backend := stacktest.AsMap(s.Block("terraform")["backend"])
		want := map[string]any{"local": map[string]any{"path": "terraform." + c.Environment + ".tfstate"}}
		if c.StateBucket != "" {
			want = map[string]any{"s3": map[string]any{
				"bucket": c.StateBucket, "key": c.Project + "/" + c.Environment + "/terraform.tfstate",
				"region": c.StateRegion, "encrypt": true, "use_lockfile": true,
			}}
		}
		if diff := cmp.Diff(want, backend); diff != "" {
			t.Errorf("backend (-want +got):\n%s", diff)
		}
	})
}

func TestOutputs(t *testing.T) {
	forEachStack(t, func(t *testing.T, c wordpress.StackConfig, s *stacktest.Stack) {
		outputs := s.Block("output")
		names := []string{"admin_secret_arn", "alb_dns_name", "db_endpoint", "db_secret_arn", "efs_id", "site_url",
			"alarm_topic_arn", "asg_name", "dashboard_url", "log_group_names", "nat_public_ips"}
		if c.CDN {
			names = append(names, "cdn_domain_name")
		}
		if c.MailFrom != "" {
			names = append(names, "mail_dkim_tokens")
		}
		sort.Strings(names)
		if diff := cmp.Diff(names, stacktest.SortedNames(outputs)); diff != "" {
			t.Errorf("outputs (-want +got):\n%s", diff)
		}
		lbName, _ := s.Only(t, "aws_lb")
		want := "http://" + stacktest.Ref("aws_lb", lbName, "dns_name")
		switch {
		case c.DomainName != "":
			want = "https://" + c.DomainName
		case c.CDN:
			cdnName, _ := s.Only(t, "aws_cloudfront_distribution")
			want = "https://" + stacktest.Ref("aws_cloudfront_distribution", cdnName, "domain_name")
		case c.CertificateARN != "":
			want = "https://" + stacktest.Ref("aws_lb", lbName, "dns_name")
		}
		if got := stacktest.AsMap(outputs["site_url"])["value"]; got != want {
			t.Errorf("site_url: got %v, want %s", got, want)
		}

		// The day-2 outputs name what operators and third parties need.
		topicName, _ := s.Only(t, "aws_sns_topic")
		groupName, _ := s.Only(t, "aws_autoscaling_group")
		var eips, logGroups []string
		for name := range s.Resources(t, "aws_eip") {
			eips = append(eips, stacktest.Ref("aws_eip", name, "public_ip"))
		}
		for name, g := range s.Resources(t, "aws_cloudwatch_log_group") {
			if strings.HasPrefix(g["name"].(string), web.LogGroupPrefix(c.Name())+"/") {
				logGroups = append(logGroups, stacktest.Ref("aws_cloudwatch_log_group", name, "name"))
			}
		}
		values := map[string]any{}
		for _, k := range []string{"alarm_topic_arn", "asg_name", "dashboard_url"} {
			values[k] = stacktest.AsMap(outputs[k])["value"]
		}
		for _, k := range []string{"nat_public_ips", "log_group_names"} {
			values[k] = stacktest.SortedStrings(stacktest.AsMap(outputs[k])["value"])
		}
		wantValues := map[string]any{
			"alarm_topic_arn": stacktest.Ref("aws_sns_topic", topicName, "arn"),
			"asg_name":        stacktest.Ref("aws_autoscaling_group", groupName, "name"),
			"dashboard_url":   "https://" + c.Region + ".console.aws.amazon.com/cloudwatch/home?region=" + c.Region + "#dashboards:name=" + c.Name(),
			"nat_public_ips":  stacktest.SortedNames(stacktest.SetOf(eips)),
			"log_group_names": stacktest.SortedNames(stacktest.SetOf(logGroups)),
		}
		if diff := cmp.Diff(wantValues, values); diff != "" {
			t.Errorf("output values (-want +got):\n%s", diff)
		}
	})
}

// TestConfigurationReachesTheStack follows each configuration value to the
// attribute it sets: the tiers' tests take their configuration as given,
// this checks that NewStack gives it.
func TestConfigurationReachesTheStack(t *testing.T) {
	forEachStack(t, func(t *testing.T, c wordpress.StackConfig, s *stacktest.Stack) {
		attr := func(typ, name string) any {
			t.Helper()
			_, r := s.Only(t, typ)
			return r[name]
		}
		var preventDestroy any
		if c.DataProtection {
			preventDestroy = map[string]any{"prevent_destroy": true}
		}
		_, tg := s.Only(t, "aws_lb_target_group")
		_, flowLogs := s.Where(t, "aws_cloudwatch_log_group", "name", "/vpc/"+c.Name()+"/flow-logs")
		// The boot script as Terraform will hand it to the servers, and as
		// the web tier renders this configuration's values: the lines
		// holding them must match.
		var script string
		for _, v := range s.Block("locals") {
			script, _ = v.(string)
		}
		script = strings.NewReplacer("$${", "${", "%%{", "%{").Replace(script)
		plain, err := bootscript.Render(bootscript.Config{
			Region: c.Region, VpcCIDR: c.VpcCIDR, WordPressVersion: c.WordPressVersion,
			SiteTitle: c.SiteTitle, AdminEmail: c.AdminEmail,
			// Values the stack only knows once deployed.
			FileSystemID: "fs-0", AccessPointID: "fsap-0", DBHost: "db", DBPort: 3306, DBName: "wordpress",
			DBSecretARN:    "arn:aws:secretsmanager:us-east-1:123456789012:secret:db",
			AdminSecretARN: "arn:aws:secretsmanager:us-east-1:123456789012:secret:admin",
			SiteURL:        "http://example.com",
			LogGroupPrefix: web.LogGroupPrefix(c.Name()), MailFrom: c.MailFrom,
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			key       string
			got, want any
		}{
			{"vpc_cidr", attr("aws_vpc", "cidr_block"), c.VpcCIDR},
			{"flow_log_retention_days", flowLogs["retention_in_days"], float64(c.FlowLogRetentionDays)},
			{"db_engine_version", attr("aws_db_instance", "engine_version"), c.DBEngineVersion},
			{"db_instance_class", attr("aws_db_instance", "instance_class"), c.DBInstanceClass},
			{"db_allocated_storage", attr("aws_db_instance", "allocated_storage"), float64(c.DBAllocatedStorage)},
			{"db_max_allocated_storage", attr("aws_db_instance", "max_allocated_storage"), float64(c.DBMaxAllocatedStorage)},
			{"db_backup_retention_days", attr("aws_db_instance", "backup_retention_period"), float64(c.DBBackupRetentionDays)},
			{"project and environment", attr("aws_db_instance", "identifier"), c.Name() + "-mysql"},
			{"data_protection (database)", attr("aws_db_instance", "deletion_protection"), c.DataProtection},
			{"data_protection (database lifecycle)", attr("aws_db_instance", "lifecycle"), preventDestroy},
			{"data_protection (file system)", attr("aws_efs_file_system", "lifecycle"), preventDestroy},
			{"instance_type", attr("aws_launch_template", "instance_type"), c.InstanceType},
			{"instance_type (architecture)", attr("aws_launch_template", "image_id"), web.ImageID(c.InstanceType)},
			{"min_size", attr("aws_autoscaling_group", "min_size"), float64(c.MinSize)},
			{"max_size", attr("aws_autoscaling_group", "max_size"), float64(c.MaxSize)},
			{"cpu_target_percent", stacktest.AsMap(attr("aws_autoscaling_policy", "target_tracking_configuration"))["target_value"], float64(c.CPUTargetPercent)},
			{"wordpress_version", scriptLine(t, script, "WP_VERSION="), scriptLine(t, plain, "WP_VERSION=")},
			{"region (boot script)", scriptLine(t, script, "REGION="), scriptLine(t, plain, "REGION=")},
			{"vpc_cidr (boot script)", scriptLine(t, script, "VPC_CIDR="), scriptLine(t, plain, "VPC_CIDR=")},
			{"site_title", scriptLine(t, script, "SITE_TITLE="), scriptLine(t, plain, "SITE_TITLE=")},
			{"admin_email", scriptLine(t, script, "ADMIN_EMAIL="), scriptLine(t, plain, "ADMIN_EMAIL=")},
			{"load_balancer_deletion_protection", attr("aws_lb", "enable_deletion_protection"), c.LoadBalancerDeletionProtection},
			{"stickiness", stacktest.AsMap(tg["stickiness"])["enabled"], c.Stickiness},
			{"health check: the web tier's", stacktest.AsMap(tg["health_check"])["path"], bootscript.HealthCheckPath},
			{"certificate_arn", certificates(t, s), certificateList(c.CertificateARN)},
			{"nat_gateways", len(s.Resources(t, "aws_nat_gateway")), map[string]int{network.NatPerZone: len(c.AvailabilityZones), network.NatSingle: 1}[c.NatGateways]},
			{"db_snapshot_identifier", attr("aws_db_instance", "snapshot_identifier"), map[bool]any{true: c.DBSnapshotIdentifier, false: nil}[c.DBSnapshotIdentifier != ""]},
			{"access_log_retention_days", stacktest.AsMap(stacktest.AsSlice(attr("aws_s3_bucket_lifecycle_configuration", "rule"))[0])["expiration"], map[string]any{"days": float64(c.AccessLogRetentionDays)}},
			{"log_retention_days", serverLogRetention(t, s, c), []float64{float64(c.LogRetentionDays)}},
			{"backup_retention_days", stacktest.AsMap(stacktest.AsMap(stacktest.AsSlice(attr("aws_backup_plan", "rule"))[0])["lifecycle"])["delete_after"], float64(c.BackupRetentionDays)},
			{"alarm_emails", len(s.Resources(t, "aws_sns_topic_subscription")), len(c.AlarmEmails)},
			{"mail_from (boot script)", strings.Contains(script, "\nMAIL_FROM='"+c.MailFrom+"'\n"), c.MailFrom != ""},
		} {
			if diff := cmp.Diff(tt.want, tt.got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.key, diff)
			}
		}

		// The zones, subnet size, overrides and public IP setting decide
		// every subnet: the ranges are exactly the planner's.
		plans, errs := network.PlanSubnets(c.VpcCIDR, c.AvailabilityZones, c.SubnetPrefixLength, c.SubnetCIDRs)
		if len(errs) > 0 {
			t.Fatalf("PlanSubnets: %v", errs)
		}
		want := map[string]string{}
		for _, p := range plans {
			want[fmt.Sprintf("%s %s", p.Zone, p.CIDR)] = string(p.Tier)
		}
		got := map[string]string{}
		for name, r := range s.Resources(t, "aws_subnet") {
			got[fmt.Sprintf("%v %v", r["availability_zone"], r["cidr_block"])], _ = stacktest.AsMap(r["tags"])["Tier"].(string)
			if public := stacktest.AsMap(r["tags"])["Tier"] == string(network.Public); public && r["map_public_ip_on_launch"] != c.MapPublicIPOnLaunch {
				t.Errorf("subnet %s: map_public_ip_on_launch %v, want map_public_ip_on_launch %v", name, r["map_public_ip_on_launch"], c.MapPublicIPOnLaunch)
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("availability_zones, subnet_prefix_length, subnet_cidrs: subnets by zone and range (-want +got):\n%s", diff)
		}
	})
}

// serverLogRetention lists the distinct retentions of the web servers' log groups.
func serverLogRetention(t *testing.T, s *stacktest.Stack, c wordpress.StackConfig) []float64 {
	t.Helper()
	seen := map[float64]bool{}
	for _, g := range s.Resources(t, "aws_cloudwatch_log_group") {
		if strings.HasPrefix(g["name"].(string), web.LogGroupPrefix(c.Name())+"/") {
			seen[g["retention_in_days"].(float64)] = true
		}
	}
	var out []float64
	for d := range seen {
		out = append(out, d)
	}
	return out
}

// scriptLine returns the line of a boot script that starts with prefix.
func scriptLine(t *testing.T, script, prefix string) string {
	t.Helper()
	for _, line := range strings.Split(script, "\n") {
		if strings.HasPrefix(line, prefix) {
			return line
		}
	}
	t.Errorf("boot script has no line %s…", prefix)
	return ""
}

// certificates lists the configured certificates of the stack's listeners;
// those the stack issues (references to their validation) are TestDNS's.
func certificates(t *testing.T, s *stacktest.Stack) []string {
	t.Helper()
	var out []string
	for _, l := range s.Resources(t, "aws_lb_listener") {
		if arn, ok := l["certificate_arn"].(string); ok && !strings.HasPrefix(arn, "${") {
			out = append(out, arn)
		}
	}
	return out
}

func certificateList(arn string) []string {
	if arn == "" {
		return nil
	}
	return []string{arn}
}

// TestNoPassword checks that no password reaches the configuration of any
// tier: no attribute names one (but manage_master_user_password), no
// expression interpolates one, and no value mentions one, save user data
// and boot scripts, which read the RDS-managed secret at boot and so speak
// of it.
var reInterpolatedPassword = regexp.MustCompile(`\$\{[^}]*password[^}]*\}`)

func TestNoPassword(t *testing.T) {
	allowedKeys := map[string]bool{"manage_master_user_password": true}
	mayMention := map[string]bool{"user_data": true, "user_data_base64": true}
	forEachStack(t, func(t *testing.T, c wordpress.StackConfig, s *stacktest.Stack) {
		for _, typ := range []string{"random_password", "aws_secretsmanager_secret_version"} {
			if rs := s.Resources(t, typ); len(rs) > 0 {
				t.Errorf("got %d %s, want none: the database password is RDS-managed", len(rs), typ)
			}
		}
		var walk func(path, key string, v any)
		walk = func(path, key string, v any) {
			switch v := v.(type) {
			case map[string]any:
				for k, e := range v {
					if strings.Contains(strings.ToLower(k), "password") && !allowedKeys[k] {
						t.Errorf("%s.%s: a password attribute", path, k)
					}
					walk(path+"."+k, k, e)
				}
			case []any:
				for i, e := range v {
					walk(fmt.Sprintf("%s[%d]", path, i), key, e)
				}
			case string:
				lower := strings.ToLower(v)
				switch {
				case reInterpolatedPassword.MatchString(lower):
					t.Errorf("%s: value interpolates a password: %q", path, reInterpolatedPassword.FindString(lower))
				case strings.Contains(lower, "password") && !mayMention[key] && !strings.HasPrefix(v, "#!"):
					t.Errorf("%s: value mentions a password: %.80q", path, v)
				}
			}
		}
		walk("", "", s.JSON)
	})
}
