package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/wordpress-cdktf/resilient-wordpress/constructs/edge"
	"github.com/wordpress-cdktf/resilient-wordpress/constructs/web"
)

func TestLaunchTemplateIsHardened(t *testing.T) {
	for _, c := range configs {
		t.Run(c.Environment, func(t *testing.T) {
			_, lt := only(t, c.Environment, "aws_launch_template")
			groups, _ := groupRefs(t, c.Environment)
			if got, want := lt["image_id"], "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-"+web.Architecture(c.InstanceType); got != want {
				t.Errorf("image_id: got %v, want %s", got, want)
			}
			if lt["instance_type"] != c.InstanceType {
				t.Errorf("instance_type: got %v, want %s", lt["instance_type"], c.InstanceType)
			}
			if diff := cmp.Diff(map[string]any{"http_endpoint": "enabled", "http_tokens": "required", "http_put_response_hop_limit": 1.0}, lt["metadata_options"]); diff != "" {
				t.Errorf("metadata options: IMDSv2 only, hop limit 1 (-want +got):\n%s", diff)
			}
			if _, ok := lt["key_name"]; ok {
				t.Error("launch template names a key pair; Session Manager replaces SSH")
			}
			nics := lt["network_interfaces"].([]any)
			nic := asMap(nics[0])
			if len(nics) != 1 || nic["associate_public_ip_address"] != "false" {
				t.Errorf("network interfaces: got %v, want one without a public IP", nics)
			}
			if diff := cmp.Diff(sortedNames(setOf([]string{groups["InternalWeb"], groups["InternalEFS"]})), sortedStrings(nic["security_groups"])); diff != "" {
				t.Errorf("server security groups (-want +got):\n%s", diff)
			}
			ebs := asMap(asMap(lt["block_device_mappings"].([]any)[0])["ebs"])
			if ebs["encrypted"] != "true" || ebs["volume_type"] != "gp3" {
				t.Errorf("root volume: got %v, want encrypted gp3", ebs)
			}
			// Gzipped: the script outgrew EC2's 16 KB of plain user data.
			if lt["user_data"] != "${base64gzip(local.boot_script)}" {
				t.Errorf("user_data: got %v, want the gzipped boot script local, ${base64gzip(local.boot_script)}", lt["user_data"])
			}
		})
	}
}

// TestInstanceRoleMayOnlyUseItsSecrets: the servers read the database
// secret, store (and read back) the admin secret and write to their own log
// groups; nothing else.
func TestInstanceRoleMayOnlyUseItsSecrets(t *testing.T) {
	for _, c := range configs {
		t.Run(c.Environment, func(t *testing.T) {
			dbName, _ := only(t, c.Environment, "aws_db_instance")
			adminName, admin := only(t, c.Environment, "aws_secretsmanager_secret")
			_, attachment := ofConstruct(t, c.Environment, "aws_iam_role_policy_attachment", "web")
			roleName, role := ofConstruct(t, c.Environment, "aws_iam_role", "web")
			if got := attachment["policy_arn"]; got != "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" {
				t.Errorf("managed policy: got %v, want AmazonSSMManagedInstanceCore only", got)
			}
			got := map[string][]map[string]any{} // inline policy name -> statements
			for _, p := range resources(t, c.Environment, "aws_iam_role_policy") {
				if p["role"] != ref("aws_iam_role", roleName, "id") {
					continue
				}
				var doc struct{ Statement []map[string]any }
				if err := json.Unmarshal([]byte(p["policy"].(string)), &doc); err != nil {
					t.Fatal(err)
				}
				got[p["name"].(string)] = doc.Statement
			}
			var logGroups []any
			for name := range inConstruct(t, c.Environment, "aws_cloudwatch_log_group", "web") {
				logGroups = append(logGroups, ref("aws_cloudwatch_log_group", name, "arn")+":*")
			}
			want := map[string][]map[string]any{
				"read-database-secret": {{
					"Effect":   "Allow",
					"Action":   []any{"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"},
					"Resource": ref("aws_db_instance", dbName, "master_user_secret[0].secret_arn"),
				}},
				"store-admin-secret": {{
					"Effect":   "Allow",
					"Action":   []any{"secretsmanager:PutSecretValue", "secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"},
					"Resource": ref("aws_secretsmanager_secret", adminName, "arn"),
				}},
				"write-server-logs": {{
					"Effect":   "Allow",
					"Action":   []any{"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"},
					"Resource": logGroups,
				}},
			}
			if c.MailFrom != "" {
				identity, _ := only(t, c.Environment, "aws_sesv2_email_identity")
				want["send-mail"] = []map[string]any{{
					"Effect":    "Allow",
					"Action":    []any{"ses:SendEmail", "ses:SendRawEmail"},
					"Resource":  ref("aws_sesv2_email_identity", identity, "arn"),
					"Condition": map[string]any{"StringEquals": map[string]any{"ses:FromAddress": c.MailFrom}},
				}}
			}
			byText := cmpopts.SortSlices(func(a, b any) bool { return fmt.Sprint(a) < fmt.Sprint(b) })
			if diff := cmp.Diff(want, got, byText); diff != "" {
				t.Errorf("inline policies of the web role (-want +got):\n%s", diff)
			}
			if len(logGroups) != 4 {
				t.Errorf("got %d server log groups, want 4 (Apache access and error, PHP-FPM errors, boot)", len(logGroups))
			}
			if !strings.Contains(role["assume_role_policy"].(string), `"Service":"ec2.amazonaws.com"`) {
				t.Errorf("role trust: got %v, want EC2 only", role["assume_role_policy"])
			}
			// Created empty: the password is made on the server, so it is in
			// no Terraform file and no state.
			if _, ok := resources(t, c.Environment, "aws_secretsmanager_secret_version")[adminName]; ok {
				t.Errorf("the admin secret has a version in Terraform; it must be created empty")
			}
			if admin["name"] != nil || !strings.HasPrefix(admin["name_prefix"].(string), c.Name()+"-") {
				t.Errorf("admin secret: name %v, name_prefix %v, want a name prefix %s-…", admin["name"], admin["name_prefix"], c.Name())
			}
		})
	}
}

// inConstruct returns the resources of a type that a top-level construct
// ("web", "network") holds, by name.
func inConstruct(t *testing.T, stack, typ, construct string) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for name, r := range resources(t, stack, typ) {
		path, _ := asMap(asMap(r["//"])["metadata"])["path"].(string)
		if strings.HasPrefix(path, stack+"/"+construct+"/") {
			out[name] = r
		}
	}
	return out
}

// ofConstruct returns the single resource of a type that a top-level
// construct ("web", "network") holds, by the construct path cdktf records
// in each resource's metadata.
func ofConstruct(t *testing.T, stack, typ, construct string) (string, map[string]any) {
	t.Helper()
	var names []string
	for name, r := range resources(t, stack, typ) {
		path, _ := asMap(asMap(r["//"])["metadata"])["path"].(string)
		if strings.HasPrefix(path, stack+"/"+construct+"/") {
			names = append(names, name)
		}
	}
	if len(names) != 1 {
		t.Fatalf("stack %s: got %d %s in %s, want 1", stack, len(names), typ, construct)
	}
	return names[0], resources(t, stack, typ)[names[0]]
}

func TestAutoScalingGroupSpansEveryAppSubnet(t *testing.T) {
	for _, c := range configs {
		t.Run(c.Environment, func(t *testing.T) {
			_, asg := only(t, c.Environment, "aws_autoscaling_group")
			ltName, _ := only(t, c.Environment, "aws_launch_template")
			tgName, _ := only(t, c.Environment, "aws_lb_target_group")
			if diff := cmp.Diff(subnetRefs(t, c.Environment, "App"), sortedStrings(asg["vpc_zone_identifier"])); diff != "" {
				t.Errorf("group subnets: every app subnet and nothing else (-want +got):\n%s", diff)
			}
			want := map[string]any{
				"min_size": float64(c.MinSize), "max_size": float64(c.MaxSize),
				"health_check_type": "ELB", "capacity_rebalance": true,
				"target_group_arns": []any{ref("aws_lb_target_group", tgName, "arn")},
				"launch_template": map[string]any{
					"id":      ref("aws_launch_template", ltName, "id"),
					"version": ref("aws_launch_template", ltName, "latest_version"),
				},
				"desired_capacity": nil,
			}
			got := pick(asg, want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("group (-want +got):\n%s", diff)
			}
			var wantDeps []string
			for name := range resources(t, c.Environment, "aws_efs_mount_target") {
				wantDeps = append(wantDeps, "aws_efs_mount_target."+name)
			}
			for name, r := range resources(t, c.Environment, "aws_route") {
				if r["nat_gateway_id"] != nil {
					wantDeps = append(wantDeps, "aws_route."+name)
				}
			}
			if diff := cmp.Diff(sortedNames(setOf(wantDeps)), sortedStrings(asg["depends_on"])); diff != "" {
				t.Errorf("group depends_on: servers boot only once EFS mount targets and NAT routes exist (-want +got):\n%s", diff)
			}
			if g, _ := asg["health_check_grace_period"].(float64); g < 300 {
				t.Errorf("health_check_grace_period: got %v, want at least 300 s for the first boot", g)
			}
			if r := asMap(asg["instance_refresh"]); r["strategy"] != "Rolling" {
				t.Errorf("instance_refresh: got %v, want a rolling refresh on template change", r)
			}
			_, p := only(t, c.Environment, "aws_autoscaling_policy")
			tt := asMap(p["target_tracking_configuration"])
			if p["policy_type"] != "TargetTrackingScaling" || tt["target_value"] != float64(c.CPUTargetPercent) ||
				asMap(tt["predefined_metric_specification"])["predefined_metric_type"] != "ASGAverageCPUUtilization" {
				t.Errorf("scaling policy: got %v, want CPU target tracking at %d%%", p, c.CPUTargetPercent)
			}
		})
	}
}

func TestLoadBalancer(t *testing.T) {
	for _, c := range configs {
		t.Run(c.Environment, func(t *testing.T) {
			lbName, alb := only(t, c.Environment, "aws_lb")
			groups, _ := groupRefs(t, c.Environment)
			if diff := cmp.Diff(subnetRefs(t, c.Environment, "Public"), sortedStrings(alb["subnets"])); diff != "" {
				t.Errorf("load balancer subnets: exactly the public ones (-want +got):\n%s", diff)
			}
			want := map[string]any{
				"internal": false, "load_balancer_type": "application", "drop_invalid_header_fields": true,
				"enable_http2": true, "enable_deletion_protection": c.LoadBalancerDeletionProtection,
				"security_groups": []any{groups["ExternalWeb"]},
			}
			got := pick(alb, want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("load balancer (-want +got):\n%s", diff)
			}

			tgName, tg := only(t, c.Environment, "aws_lb_target_group")
			hc := asMap(tg["health_check"])
			if tg["port"] != 80.0 || tg["protocol"] != "HTTP" || hc["path"] != web.HealthCheckPath || hc["matcher"] != "200-399" {
				t.Errorf("target group: got port %v %v, health check %v; want HTTP:80 checking %s for 200-399", tg["port"], tg["protocol"], hc, web.HealthCheckPath)
			}
			if tg["deregistration_delay"] != "30" {
				t.Errorf("deregistration_delay: got %v, want 30", tg["deregistration_delay"])
			}
			if got := asMap(tg["stickiness"])["enabled"]; got != c.Stickiness {
				t.Errorf("stickiness: got %v, want %v", got, c.Stickiness)
			}

			listeners := map[float64]map[string]any{}
			for _, l := range resources(t, c.Environment, "aws_lb_listener") {
				if l["load_balancer_arn"] != ref("aws_lb", lbName, "arn") {
					t.Errorf("listener on %v, want the load balancer", l["load_balancer_arn"])
				}
				listeners[l["port"].(float64)] = l
			}
			forward := []any{map[string]any{"type": "forward", "target_group_arn": ref("aws_lb_target_group", tgName, "arn")}}
			if c.CertificateARN == "" {
				if len(listeners) != 1 {
					t.Errorf("got %d listeners, want port 80 only", len(listeners))
				}
				if diff := cmp.Diff(forward, listeners[80]["default_action"]); diff != "" {
					t.Errorf("port 80 forwards to the web servers (-want +got):\n%s", diff)
				}
				return
			}
			https := listeners[443]
			if https["protocol"] != "HTTPS" || https["ssl_policy"] != edge.TLSPolicy || https["certificate_arn"] != c.CertificateARN {
				t.Errorf("port 443: got %v, want HTTPS with %s and the configured certificate", https, edge.TLSPolicy)
			}
			if diff := cmp.Diff(forward, https["default_action"]); diff != "" {
				t.Errorf("port 443 forwards to the web servers (-want +got):\n%s", diff)
			}
			redirect := []any{map[string]any{"type": "redirect", "redirect": map[string]any{"port": "443", "protocol": "HTTPS", "status_code": "HTTP_301"}}}
			if diff := cmp.Diff(redirect, listeners[80]["default_action"]); diff != "" {
				t.Errorf("port 80 redirects to HTTPS (-want +got):\n%s", diff)
			}
		})
	}
}

func TestOutputs(t *testing.T) {
	for _, c := range configs {
		t.Run(c.Environment, func(t *testing.T) {
			outputs := asMap(stacks[c.Environment]["output"])
			want := []string{"admin_secret_arn", "alarm_topic_arn", "alb_dns_name", "asg_name", "dashboard_url", "db_endpoint", "db_secret_arn", "efs_id", "log_group_names", "nat_public_ips", "site_url"}
			if c.MailFrom != "" {
				want = append(want, "mail_dkim_tokens")
				slices.Sort(want)
			}
			if diff := cmp.Diff(want, sortedNames(outputs)); diff != "" {
				t.Errorf("outputs (-want +got):\n%s", diff)
			}
			lbName, _ := only(t, c.Environment, "aws_lb")
			scheme := "http://"
			if c.CertificateARN != "" {
				scheme = "https://"
			}
			if got, want := asMap(outputs["site_url"])["value"], scheme+ref("aws_lb", lbName, "dns_name"); got != want {
				t.Errorf("site_url: got %v, want %s", got, want)
			}
			topicName, _ := only(t, c.Environment, "aws_sns_topic")
			groupName, _ := only(t, c.Environment, "aws_autoscaling_group")
			var eips, logGroups []string
			for name := range resources(t, c.Environment, "aws_eip") {
				eips = append(eips, ref("aws_eip", name, "public_ip"))
			}
			for name := range inConstruct(t, c.Environment, "aws_cloudwatch_log_group", "web") {
				logGroups = append(logGroups, ref("aws_cloudwatch_log_group", name, "name"))
			}
			values := map[string]any{}
			for _, k := range []string{"alarm_topic_arn", "asg_name", "dashboard_url"} {
				values[k] = asMap(outputs[k])["value"]
			}
			for _, k := range []string{"nat_public_ips", "log_group_names"} {
				values[k] = sortedStrings(asMap(outputs[k])["value"])
			}
			wantValues := map[string]any{
				"alarm_topic_arn": ref("aws_sns_topic", topicName, "arn"),
				"asg_name":        ref("aws_autoscaling_group", groupName, "name"),
				"dashboard_url":   "https://" + c.Region + ".console.aws.amazon.com/cloudwatch/home?region=" + c.Region + "#dashboards:name=" + c.Name(),
				"nat_public_ips":  sortedNames(setOf(eips)),
				"log_group_names": sortedNames(setOf(logGroups)),
			}
			if diff := cmp.Diff(wantValues, values); diff != "" {
				t.Errorf("output values (-want +got):\n%s", diff)
			}
		})
	}
}

// TestBootScriptIsTheRenderedTemplate checks the user data end to end: the
// synthesized local, with Terraform's interpolations filled in and its
// escapes undone, is exactly the script RenderUserData produces (which the
// web package tests as a script).
func TestBootScriptIsTheRenderedTemplate(t *testing.T) {
	values := map[string]string{
		"aws_efs_file_system":       "fs-0123456789abcdef0",
		"aws_efs_access_point":      "fsap-0123456789abcdef0",
		"aws_db_instance.address":   "wordpress.abcdefghijkl.us-east-1.rds.amazonaws.com",
		"aws_db_instance.secret":    "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-0123",
		"aws_lb":                    "wordpress-default-web-123456789.us-east-1.elb.amazonaws.com",
		"aws_secretsmanager_secret": "arn:aws:secretsmanager:us-east-1:123456789012:secret:wordpress-default-wordpress-admin-0123",
	}
	interpolation := regexp.MustCompile(`\$\{(aws_[a-z_]+)\.[A-Za-z0-9_-]+\.([a-z_\[\]0-9.]+)\}`)
	for _, c := range configs {
		t.Run(c.Environment, func(t *testing.T) {
			locals := asMap(stacks[c.Environment]["locals"])
			if len(locals) != 1 {
				t.Fatalf("got %d locals, want the boot script only", len(locals))
			}
			var script string
			for _, v := range locals {
				script = v.(string)
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
			scheme := "http"
			if c.CertificateARN != "" {
				scheme = "https"
			}
			want, err := web.RenderUserData(web.UserDataConfig{
				Region: c.Region, FileSystemID: values["aws_efs_file_system"], AccessPointID: values["aws_efs_access_point"],
				DBHost: values["aws_db_instance.address"], DBPort: 3306, DBName: "wordpress",
				DBSecretARN: values["aws_db_instance.secret"], WordPressVersion: c.WordPressVersion,
				VpcCIDR: c.VpcCIDR, SiteURL: scheme + "://" + values["aws_lb"], SiteTitle: c.SiteTitle,
				AdminEmail: c.AdminEmail, AdminSecretARN: values["aws_secretsmanager_secret"],
				LogGroupPrefix: "/wordpress/" + c.Name(), MailFrom: c.MailFrom,
			})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("boot script differs from the rendered template (-want +got):\n%s", diff)
			}
			efsName, _ := only(t, c.Environment, "aws_efs_file_system")
			if !strings.Contains(script, "FILE_SYSTEM_ID='"+ref("aws_efs_file_system", efsName, "id")+"'") {
				t.Error("the boot script does not name the real EFS file system")
			}
		})
	}
}
