package web_test

// These tests synthesize every tier, each built directly with its own
// constructor, and check what the web tier adds. The boot script itself is
// tested as a script in package bootscript.

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/wordpress-cdktf/resilient-wordpress/constructs/data"
	"github.com/wordpress-cdktf/resilient-wordpress/constructs/edge"
	"github.com/wordpress-cdktf/resilient-wordpress/constructs/network"
	"github.com/wordpress-cdktf/resilient-wordpress/constructs/security"
	"github.com/wordpress-cdktf/resilient-wordpress/constructs/web"
	"github.com/wordpress-cdktf/resilient-wordpress/constructs/web/bootscript"
	"github.com/wordpress-cdktf/resilient-wordpress/internal/jsiiboot"
	"github.com/wordpress-cdktf/resilient-wordpress/internal/stacktest"
)

// webCase is one web tier under test: its configuration, and that
// configuration with defaults applied, which the tests expect to find.
type webCase struct {
	name  string
	zones []string
	cfg   web.WebConfig // the other tiers are filled in
	want  web.WebConfig
	// wantSSMPolicy is the managed policy of the servers' role, in the
	// region's partition.
	wantSSMPolicy string
	// front puts the site behind CloudFront at frontURL, with an object cache.
	front bool
}

const frontURL = "https://www.example.com"

var cases = []webCase{
	{
		// Every optional field left out.
		name:  "arm",
		zones: []string{"us-east-1a", "us-east-1b"},
		cfg:   web.WebConfig{Name: "wordpress-arm", Region: "us-east-1"},
		want: web.WebConfig{
			Name: "wordpress-arm", Region: "us-east-1", InstanceType: web.DefaultInstanceType,
			MinSize: web.DefaultMinSize, MaxSize: web.DefaultMaxSize, CPUTargetPercent: web.DefaultCPUTargetPercent,
			WordPressVersion: bootscript.DefaultWordPressVersion, RootVolumeGiB: web.DefaultRootVolumeGiB,
			SiteTitle: web.DefaultSiteTitle, AdminEmail: web.DefaultAdminEmail, LogRetentionDays: web.DefaultLogRetentionDays,
		},
		wantSSMPolicy: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
	},
	{
		// Every optional field set, x86 servers, in another partition, and
		// a site title that needs quoting in the script and in Terraform.
		name:  "x86",
		zones: []string{"cn-north-1a", "cn-north-1b", "cn-north-1c"},
		cfg: web.WebConfig{
			Name: "wordpress-x86", Region: "cn-north-1", InstanceType: "t3.small",
			MinSize: 3, MaxSize: 9, CPUTargetPercent: 65, WordPressVersion: "6.7.2", RootVolumeGiB: 24,
			SiteTitle: `Ann's "Resilient" Blog & $5 Tips`, AdminEmail: "web-team+wordpress@example.org",
			LogRetentionDays: 365, MailFrom: "wordpress@blog.example.org",
		},
		want: web.WebConfig{
			Name: "wordpress-x86", Region: "cn-north-1", InstanceType: "t3.small",
			MinSize: 3, MaxSize: 9, CPUTargetPercent: 65, WordPressVersion: "6.7.2", RootVolumeGiB: 24,
			SiteTitle: `Ann's "Resilient" Blog & $5 Tips`, AdminEmail: "web-team+wordpress@example.org",
			LogRetentionDays: 365, MailFrom: "wordpress@blog.example.org",
		},
		wantSSMPolicy: "arn:aws-cn:iam::aws:policy/AmazonSSMManagedInstanceCore",
	},
	{
		// Behind CloudFront with a domain, and an object cache.
		name:  "front",
		zones: []string{"us-east-1a", "us-east-1b"},
		cfg:   web.WebConfig{Name: "wordpress-front", Region: "us-east-1", BehindCDN: true},
		want: web.WebConfig{
			Name: "wordpress-front", Region: "us-east-1", InstanceType: web.DefaultInstanceType,
			MinSize: web.DefaultMinSize, MaxSize: web.DefaultMaxSize, CPUTargetPercent: web.DefaultCPUTargetPercent,
			WordPressVersion: bootscript.DefaultWordPressVersion, RootVolumeGiB: web.DefaultRootVolumeGiB,
			SiteTitle: web.DefaultSiteTitle, AdminEmail: web.DefaultAdminEmail, BehindCDN: true,
			LogRetentionDays: web.DefaultLogRetentionDays,
		},
		wantSSMPolicy: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
		front:         true,
	},
}

var stacks *stacktest.Table[webCase]

func TestMain(m *testing.M) {
	stacks = stacktest.StartTable(cases, func(c webCase) stacktest.Case {
		return stacktest.Case{Name: c.name, Region: c.cfg.Region, Build: func(s cdktf.TerraformStack) {
			name := c.cfg.Name
			n := network.NewNetwork(s, "network", network.NetworkConfig{Name: name, AvailabilityZones: c.zones})
			sec := security.NewSecurity(s, "security", security.SecurityConfig{Network: n, ObjectCache: c.front})
			db := data.NewDatabase(s, "database", data.DatabaseConfig{Name: name, Network: n, Security: sec})
			fs := data.NewFileSystem(s, "file-system", data.FileSystemConfig{Name: name, Network: n, Security: sec})
			lb := edge.NewLoadBalancer(s, "edge", edge.LoadBalancerConfig{
				Name: name, Network: n, Security: sec, HealthCheckPath: bootscript.HealthCheckPath,
			})
			cfg := c.cfg
			cfg.Network, cfg.Security, cfg.Database, cfg.FileSystem, cfg.LoadBalancer = n, sec, db, fs, lb
			if c.front {
				cfg.PublicURL = jsii.String(frontURL)
				cfg.Cache = data.NewCache(s, "cache", data.CacheConfig{Name: name, Network: n, Security: sec})
			}
			web.NewWeb(s, "web", cfg)
		}}
	})
	jsiiboot.Exit(m.Run())
}

func TestLaunchTemplateIsHardened(t *testing.T) {
	stacks.Run(t, func(t *testing.T, c webCase, s *stacktest.Stack) {
		_, lt := s.Only(t, "aws_launch_template")
		if got, want := lt["image_id"], "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-"+web.Architecture(c.want.InstanceType); got != want {
			t.Errorf("image_id: got %v, want %s", got, want)
		}
		if lt["instance_type"] != c.want.InstanceType {
			t.Errorf("instance_type: got %v, want %s", lt["instance_type"], c.want.InstanceType)
		}
		if diff := cmp.Diff(map[string]any{"http_endpoint": "enabled", "http_tokens": "required", "http_put_response_hop_limit": 1.0}, lt["metadata_options"]); diff != "" {
			t.Errorf("metadata options: IMDSv2 only, hop limit 1 (-want +got):\n%s", diff)
		}
		if _, ok := lt["key_name"]; ok {
			t.Error("launch template names a key pair; Session Manager replaces SSH")
		}
		nics := stacktest.AsSlice(lt["network_interfaces"])
		if len(nics) != 1 || stacktest.AsMap(nics[0])["associate_public_ip_address"] != "false" {
			t.Fatalf("network interfaces: got %v, want one without a public IP", nics)
		}
		nic := stacktest.AsMap(nics[0])
		want := stacktest.SortedNames(stacktest.SetOf([]string{s.GroupRef(t, "InternalWeb"), s.GroupRef(t, "InternalEFS")}))
		if diff := cmp.Diff(want, stacktest.SortedStrings(nic["security_groups"])); diff != "" {
			t.Errorf("server security groups (-want +got):\n%s", diff)
		}
		ebs := stacktest.AsMap(stacktest.AsMap(stacktest.AsSlice(lt["block_device_mappings"])[0])["ebs"])
		if ebs["encrypted"] != "true" || ebs["volume_type"] != "gp3" || ebs["volume_size"] != float64(c.want.RootVolumeGiB) {
			t.Errorf("root volume: got %v, want encrypted gp3 of %d GiB", ebs, c.want.RootVolumeGiB)
		}
		// Gzipped: the script outgrew EC2's 16 KB of plain user data.
		locals := stacktest.SortedNames(s.Block("locals"))
		if len(locals) != 1 || lt["user_data"] != "${base64gzip(local."+locals[0]+")}" {
			t.Errorf("user_data: got %v, want the gzipped boot script local, ${base64gzip(local.<boot script>)} (locals %v)", lt["user_data"], locals)
		}
	})
}

// TestInstanceRoleMayOnlyUseItsSecrets: the servers read the database
// secret, store (and read back) the admin secret, write to their own log
// groups and, with a sender, send mail from it; nothing else.
func TestInstanceRoleMayOnlyUseItsSecrets(t *testing.T) {
	stacks.Run(t, func(t *testing.T, c webCase, s *stacktest.Stack) {
		dbName, _ := s.Only(t, "aws_db_instance")
		adminName, admin := s.Only(t, "aws_secretsmanager_secret")
		_, attachment := s.Only(t, "aws_iam_role_policy_attachment")
		// The network tier has a role and an inline policy too, for its
		// flow logs: pick the servers' role by name, their policies by role.
		roleName, role := s.Where(t, "aws_iam_role", "name", c.want.Name+"-web")
		if got := attachment["policy_arn"]; got != c.wantSSMPolicy {
			t.Errorf("managed policy: got %v, want %s only", got, c.wantSSMPolicy)
		}
		if got, want := attachment["role"], stacktest.Ref("aws_iam_role", roleName, "name"); got != want {
			t.Errorf("managed policy attached to %v, want the servers' role %s", got, want)
		}
		var got []map[string]any
		for _, inline := range s.Resources(t, "aws_iam_role_policy") {
			if inline["role"] != stacktest.Ref("aws_iam_role", roleName, "id") {
				continue // another role's (the flow logs')
			}
			var doc struct{ Statement []map[string]any }
			policy, _ := inline["policy"].(string)
			if err := json.Unmarshal([]byte(policy), &doc); err != nil {
				t.Fatal(err)
			}
			got = append(got, doc.Statement...)
		}
		var logGroups []any
		for name, g := range s.Resources(t, "aws_cloudwatch_log_group") {
			if strings.HasPrefix(g["name"].(string), web.LogGroupPrefix(c.want.Name)+"/") {
				logGroups = append(logGroups, stacktest.Ref("aws_cloudwatch_log_group", name, "arn")+":*")
			}
		}
		sort.Slice(logGroups, func(i, j int) bool { return fmt.Sprint(logGroups[i]) < fmt.Sprint(logGroups[j]) })
		for _, st := range got {
			if r, ok := st["Resource"].([]any); ok {
				sort.Slice(r, func(i, j int) bool { return fmt.Sprint(r[i]) < fmt.Sprint(r[j]) })
			}
		}
		sort.Slice(got, func(i, j int) bool { return fmt.Sprint(got[i]["Resource"]) < fmt.Sprint(got[j]["Resource"]) })
		want := []map[string]any{{
			"Effect":   "Allow",
			"Action":   []any{"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"},
			"Resource": stacktest.Ref("aws_db_instance", dbName, "master_user_secret[0].secret_arn"),
		}, {
			"Effect":   "Allow",
			"Action":   []any{"secretsmanager:PutSecretValue", "secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"},
			"Resource": stacktest.Ref("aws_secretsmanager_secret", adminName, "arn"),
		}, {
			// Its own log groups, to write to and nothing else.
			"Effect":   "Allow",
			"Action":   []any{"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"},
			"Resource": logGroups,
		}}
		if c.want.MailFrom != "" {
			identity, _ := s.Only(t, "aws_sesv2_email_identity")
			want = append(want, map[string]any{
				"Effect":    "Allow",
				"Action":    []any{"ses:SendEmail", "ses:SendRawEmail"},
				"Resource":  stacktest.Ref("aws_sesv2_email_identity", identity, "arn"),
				"Condition": map[string]any{"StringEquals": map[string]any{"ses:FromAddress": c.want.MailFrom}},
			})
		}
		sort.Slice(want, func(i, j int) bool { return fmt.Sprint(want[i]["Resource"]) < fmt.Sprint(want[j]["Resource"]) })
		if len(logGroups) != 4 {
			t.Errorf("got %d server log groups, want 4 (Apache access and error, PHP-FPM errors, boot)", len(logGroups))
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("inline policies (-want +got):\n%s", diff)
		}
		if trust, _ := role["assume_role_policy"].(string); !strings.Contains(trust, `"Service":"ec2.amazonaws.com"`) {
			t.Errorf("role trust: got %v, want EC2 only", role["assume_role_policy"])
		}
		// Created empty: the password is made on the server, so it is in
		// no Terraform file and no state.
		if versions := s.Resources(t, "aws_secretsmanager_secret_version"); len(versions) > 0 {
			t.Errorf("got %d secret versions in Terraform; the admin secret must be created empty", len(versions))
		}
		if prefix, _ := admin["name_prefix"].(string); admin["name"] != nil || !strings.HasPrefix(prefix, c.want.Name+"-") {
			t.Errorf("admin secret: name %v, name_prefix %v, want a name prefix %s-…", admin["name"], admin["name_prefix"], c.want.Name)
		}
	})
}

func TestAutoScalingGroupSpansEveryAppSubnet(t *testing.T) {
	stacks.Run(t, func(t *testing.T, c webCase, s *stacktest.Stack) {
		_, asg := s.Only(t, "aws_autoscaling_group")
		ltName, _ := s.Only(t, "aws_launch_template")
		tgName, _ := s.Only(t, "aws_lb_target_group")
		if diff := cmp.Diff(s.SubnetRefs(t, string(network.App)), stacktest.SortedStrings(asg["vpc_zone_identifier"])); diff != "" {
			t.Errorf("group subnets: every app subnet and nothing else (-want +got):\n%s", diff)
		}
		want := map[string]any{
			"min_size": float64(c.want.MinSize), "max_size": float64(c.want.MaxSize),
			"health_check_type": "ELB", "capacity_rebalance": true,
			"target_group_arns": []any{stacktest.Ref("aws_lb_target_group", tgName, "arn")},
			"launch_template": map[string]any{
				"id":      stacktest.Ref("aws_launch_template", ltName, "id"),
				"version": stacktest.Ref("aws_launch_template", ltName, "latest_version"),
			},
			"desired_capacity": nil,
		}
		if diff := cmp.Diff(want, stacktest.Pick(asg, want)); diff != "" {
			t.Errorf("group (-want +got):\n%s", diff)
		}
		var wantDeps []string
		for name := range s.Resources(t, "aws_efs_mount_target") {
			wantDeps = append(wantDeps, "aws_efs_mount_target."+name)
		}
		for name, r := range s.Resources(t, "aws_route") {
			if r["nat_gateway_id"] != nil {
				wantDeps = append(wantDeps, "aws_route."+name)
			}
		}
		if diff := cmp.Diff(stacktest.SortedNames(stacktest.SetOf(wantDeps)), stacktest.SortedStrings(asg["depends_on"])); diff != "" {
			t.Errorf("group depends_on: servers boot only once EFS mount targets and NAT routes exist (-want +got):\n%s", diff)
		}
		if g, _ := asg["health_check_grace_period"].(float64); g < 300 {
			t.Errorf("health_check_grace_period: got %v, want at least 300 s for the first boot", g)
		}
		if r := stacktest.AsMap(asg["instance_refresh"]); r["strategy"] != "Rolling" {
			t.Errorf("instance_refresh: got %v, want a rolling refresh on template change", r)
		}
		_, p := s.Only(t, "aws_autoscaling_policy")
		tt := stacktest.AsMap(p["target_tracking_configuration"])
		if p["policy_type"] != "TargetTrackingScaling" || tt["target_value"] != float64(c.want.CPUTargetPercent) ||
			stacktest.AsMap(tt["predefined_metric_specification"])["predefined_metric_type"] != "ASGAverageCPUUtilization" {
			t.Errorf("scaling policy: got %v, want CPU target tracking at %d%%", p, c.want.CPUTargetPercent)
		}
	})
}

// TestBootScriptIsTheRenderedTemplate checks the user data end to end: the
// synthesized local, with Terraform's interpolations filled in and its
// escapes undone, is exactly the script bootscript.Render produces.
func TestBootScriptIsTheRenderedTemplate(t *testing.T) {
	values := map[string]string{
		"aws_efs_file_system":     "fs-0123456789abcdef0",
		"aws_efs_access_point":    "fsap-0123456789abcdef0",
		"aws_db_instance.address": "wordpress.abcdefghijkl.us-east-1.rds.amazonaws.com",
		"aws_db_instance.secret":  "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-0123",
		// The load balancer's DNS name and the admin secret's ARN.
		"aws_lb":                    "wordpress-web-123456789.us-east-1.elb.amazonaws.com",
		"aws_secretsmanager_secret": "arn:aws:secretsmanager:us-east-1:123456789012:secret:wordpress-admin-0123",
		// The object cache's primary endpoint.
		"aws_elasticache_replication_group": "master.wordpress-front-cache.abcdef.use1.cache.amazonaws.com",
	}
	interpolation := regexp.MustCompile(`\$\{(aws_[a-z_]+)\.[A-Za-z0-9_-]+\.([a-z_\[\]0-9.]+)\}`)
	stacks.Run(t, func(t *testing.T, c webCase, s *stacktest.Stack) {
		locals := s.Block("locals")
		if len(locals) != 1 {
			t.Fatalf("got %d locals, want the boot script only", len(locals))
		}
		var script string
		for _, v := range locals {
			script, _ = v.(string)
		}
		filled := interpolation.ReplaceAllStringFunc(script, func(m string) string {
			sub := interpolation.FindStringSubmatch(m)
			switch {
			case sub[1] == "aws_db_instance" && sub[2] == "address":
				return values["aws_db_instance.address"]
			case sub[1] == "aws_db_instance":
				return values["aws_db_instance.secret"]
			}
			return values[sub[1]]
		})
		if strings.Contains(filled, "${aws_") {
			t.Fatalf("unexpected interpolation left in the boot script")
		}
		got := strings.NewReplacer("$${", "${", "%%{", "%{").Replace(filled)
		ud := bootscript.Config{
			Region: c.want.Region, FileSystemID: values["aws_efs_file_system"], AccessPointID: values["aws_efs_access_point"],
			DBHost: values["aws_db_instance.address"], DBPort: security.MySQL, DBName: data.DefaultDatabaseName,
			DBSecretARN: values["aws_db_instance.secret"], WordPressVersion: c.want.WordPressVersion,
			// No certificate: the load balancer serves HTTP.
			VpcCIDR: network.DefaultCIDR, SiteURL: "http://" + values["aws_lb"], SiteTitle: c.want.SiteTitle,
			AdminEmail: c.want.AdminEmail, AdminSecretARN: values["aws_secretsmanager_secret"],
			LogGroupPrefix: web.LogGroupPrefix(c.want.Name), MailFrom: c.want.MailFrom,
		}
		if c.front {
			// The address the stack fixes, pinned; HTTPS; the cache over TLS.
			ud.SiteURL, ud.PinSiteURL, ud.BehindCDN = frontURL, true, true
			ud.CacheHost, ud.CachePort = values["aws_elasticache_replication_group"], security.Valkey
		}
		want, err := bootscript.Render(ud)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("boot script differs from the rendered template (-want +got):\n%s", diff)
		}
		efsName, _ := s.Only(t, "aws_efs_file_system")
		if !strings.Contains(script, "FILE_SYSTEM_ID='"+stacktest.Ref("aws_efs_file_system", efsName, "id")+"'") {
			t.Error("the boot script does not name the real EFS file system")
		}
	})
}

func TestArchitectureFollowsInstanceType(t *testing.T) {
	for _, tt := range []struct{ instanceType, want string }{
		{"t4g.small", "arm64"}, {"m7g.large", "arm64"}, {"c6gn.xlarge", "arm64"}, {"r8g.medium", "arm64"},
		{"t3.small", "x86_64"}, {"m7i.large", "x86_64"}, {"g5.xlarge", "x86_64"}, {"g5g.xlarge", "arm64"}, {"m5dn.large", "x86_64"},
	} {
		if got := web.Architecture(tt.instanceType); got != tt.want {
			t.Errorf("Architecture(%q): got %s, want %s", tt.instanceType, got, tt.want)
		}
	}
}
