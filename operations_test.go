package main

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wordpress-cdktf/resilient-wordpress/constructs/web"
	"github.com/wordpress-cdktf/resilient-wordpress/constructs/wordpress"
	"github.com/wordpress-cdktf/resilient-wordpress/internal/stacktest"
)

// named returns the resource of a type with a Terraform name, failing if
// there is none.
func named(t *testing.T, s *stacktest.Stack, typ, name string) (string, map[string]any) {
	t.Helper()
	r, ok := s.Resources(t, typ)[name]
	if !ok {
		t.Fatalf("stack %s: no %s.%s", s.Name, typ, name)
	}
	return name, r
}

// inConstruct returns the resources of a type that a top-level construct
// ("web", "network") holds, by the construct path cdktf records.
func inConstruct(t *testing.T, s *stacktest.Stack, typ, construct string) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for name, r := range s.Resources(t, typ) {
		path, _ := stacktest.AsMap(stacktest.AsMap(r["//"])["metadata"])["path"].(string)
		if strings.HasPrefix(path, s.Name+"/"+construct+"/") {
			out[name] = r
		}
	}
	return out
}

// alarmDimensions returns every dimension value an alarm watches, through a
// plain metric or through the metrics of its expression.
func alarmDimensions(a map[string]any) []string {
	var out []string
	collect := func(d any) {
		for _, v := range stacktest.AsMap(d) {
			s, _ := v.(string)
			out = append(out, s)
		}
	}
	collect(a["dimensions"])
	for _, q := range stacktest.AsSlice(a["metric_query"]) {
		for _, m := range stacktest.AsSlice(stacktest.AsMap(q)["metric"]) {
			collect(stacktest.AsMap(m)["dimensions"])
		}
		collect(stacktest.AsMap(stacktest.AsMap(q)["metric"])["dimensions"])
	}
	return out
}

// TestEveryFailingResourceIsWatched: each resource that can fail in
// production is the dimension of at least one alarm.
func TestEveryFailingResourceIsWatched(t *testing.T) {
	watchedBy := map[string]string{ // resource type -> the attribute CloudWatch names it by
		"aws_lb":                "arn_suffix",
		"aws_lb_target_group":   "arn_suffix",
		"aws_autoscaling_group": "name",
		"aws_db_instance":       "identifier",
		"aws_efs_file_system":   "id",
	}
	forEachStack(t, func(t *testing.T, c wordpress.StackConfig, s *stacktest.Stack) {
		watched := map[string]bool{}
		for _, a := range s.Resources(t, "aws_cloudwatch_metric_alarm") {
			for _, d := range alarmDimensions(a) {
				watched[d] = true
			}
		}
		for _, typ := range stacktest.SortedNames(watchedBy) {
			rs := s.Resources(t, typ)
			if len(rs) == 0 {
				t.Errorf("no %s in the stack", typ)
			}
			for _, name := range stacktest.SortedNames(rs) {
				if r := stacktest.Ref(typ, name, watchedBy[typ]); !watched[r] {
					t.Errorf("%s.%s: no alarm watches %s", typ, name, r)
				}
			}
		}
	})
}

// TestAlarmsNotifyTheEncryptedTopic: every alarm sends ALARM and OK to the
// one topic, which a rotated customer key encrypts, and says what to check.
func TestAlarmsNotifyTheEncryptedTopic(t *testing.T) {
	forEachStack(t, func(t *testing.T, c wordpress.StackConfig, s *stacktest.Stack) {
		topicName, topic := s.Only(t, "aws_sns_topic")
		keyName, key := named(t, s, "aws_kms_key", "operations")
		aliasName, alias := s.Only(t, "aws_kms_alias")
		if got, want := topic["kms_master_key_id"], stacktest.Ref("aws_kms_alias", aliasName, "name"); got != want {
			t.Errorf("topic key: got %v, want the alias %s", got, want)
		}
		if got, want := alias["target_key_id"], stacktest.Ref("aws_kms_key", keyName, "key_id"); got != want {
			t.Errorf("alias target: got %v, want %s", got, want)
		}
		if key["enable_key_rotation"] != true {
			t.Errorf("key rotation: got %v, want true", key["enable_key_rotation"])
		}
		arn := []any{stacktest.Ref("aws_sns_topic", topicName, "arn")}
		alarms := s.Resources(t, "aws_cloudwatch_metric_alarm")
		for _, name := range stacktest.SortedNames(alarms) {
			a := alarms[name]
			want := map[string]any{"alarm_actions": arn, "ok_actions": arn}
			if diff := cmp.Diff(want, stacktest.Pick(a, want)); diff != "" {
				t.Errorf("alarm %s actions (-want +got):\n%s", name, diff)
			}
			if d, _ := a["alarm_description"].(string); !strings.Contains(d, "First check:") {
				t.Errorf("alarm %s: description %q does not say what to check first", name, d)
			}
		}
		var subscribed []string
		for _, s := range s.Resources(t, "aws_sns_topic_subscription") {
			if s["protocol"] != "email" || s["topic_arn"] != arn[0] {
				t.Errorf("subscription %v: want e-mail to the alarm topic", s)
			}
			e, _ := s["endpoint"].(string)
			subscribed = append(subscribed, e)
		}
		if diff := cmp.Diff(stacktest.SortedNames(stacktest.SetOf(c.AlarmEmails)), stacktest.SortedNames(stacktest.SetOf(subscribed))); diff != "" {
			t.Errorf("subscriptions (-want +got):\n%s", diff)
		}
	})
}

// TestEventsReachTheTopic: auto scaling launch and terminate failures of the
// group, and the database's failover and failure events, go to the topic.
func TestEventsReachTheTopic(t *testing.T) {
	forEachStack(t, func(t *testing.T, c wordpress.StackConfig, s *stacktest.Stack) {
		topicName, _ := s.Only(t, "aws_sns_topic")
		arn := stacktest.Ref("aws_sns_topic", topicName, "arn")
		groupName, _ := s.Only(t, "aws_autoscaling_group")
		rules := s.Resources(t, "aws_cloudwatch_event_rule")
		targets := map[string]string{} // rule name ref -> target
		for _, tg := range s.Resources(t, "aws_cloudwatch_event_target") {
			r, _ := tg["rule"].(string)
			targets[r], _ = tg["arn"].(string)
		}
		found := false
		for name, r := range rules {
			var pattern map[string]any
			if err := json.Unmarshal([]byte(r["event_pattern"].(string)), &pattern); err != nil {
				t.Fatalf("rule %s: %v", name, err)
			}
			if got := targets[stacktest.Ref("aws_cloudwatch_event_rule", name, "name")]; got != arn {
				t.Errorf("rule %s: target %q, want the topic", name, got)
			}
			if cmp.Equal(stacktest.SortedStrings(pattern["source"]), []string{"aws.autoscaling"}) {
				found = true
				want := []string{"EC2 Instance Launch Unsuccessful", "EC2 Instance Terminate Unsuccessful"}
				if diff := cmp.Diff(want, stacktest.SortedStrings(pattern["detail-type"])); diff != "" {
					t.Errorf("detail types (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff([]string{stacktest.Ref("aws_autoscaling_group", groupName, "name")}, stacktest.SortedStrings(stacktest.AsMap(pattern["detail"])["AutoScalingGroupName"])); diff != "" {
					t.Errorf("group (-want +got):\n%s", diff)
				}
			}
		}
		if !found {
			t.Error("no rule for auto scaling failures")
		}
		dbName, _ := s.Only(t, "aws_db_instance")
		_, sub := s.Only(t, "aws_db_event_subscription")
		want := map[string]any{"sns_topic": arn, "source_type": "db-instance", "source_ids": []any{stacktest.Ref("aws_db_instance", dbName, "identifier")}}
		if diff := cmp.Diff(want, stacktest.Pick(sub, want)); diff != "" {
			t.Errorf("RDS event subscription (-want +got):\n%s", diff)
		}
		if cats := stacktest.SortedStrings(sub["event_categories"]); !stacktest.SetOf(cats)["failover"] || !stacktest.SetOf(cats)["failure"] {
			t.Errorf("RDS event categories %v: want failover and failure", cats)
		}
	})
}

// TestAccessLogBucket: the load balancer logs to a private, encrypted,
// TLS-only bucket that its region's log delivery may write to, and that
// expires the logs as configured.
func TestAccessLogBucket(t *testing.T) {
	delivery := map[string]string{"us-east-1": "arn:aws:iam::127311923021:root", "eu-west-1": "arn:aws:iam::156460612806:root", "eu-central-1": "arn:aws:iam::054676820928:root"}
	forEachStack(t, func(t *testing.T, c wordpress.StackConfig, s *stacktest.Stack) {
		bucketName, _ := s.Only(t, "aws_s3_bucket")
		id := stacktest.Ref("aws_s3_bucket", bucketName, "id")
		_, alb := s.Only(t, "aws_lb")
		want := map[string]any{"bucket": stacktest.Ref("aws_s3_bucket", bucketName, "bucket"), "prefix": "alb", "enabled": true}
		if diff := cmp.Diff(want, stacktest.AsMap(alb["access_logs"])); diff != "" {
			t.Errorf("access_logs (-want +got):\n%s", diff)
		}
		_, pab := s.Only(t, "aws_s3_bucket_public_access_block")
		wantPAB := map[string]any{"bucket": id, "block_public_acls": true, "block_public_policy": true, "ignore_public_acls": true, "restrict_public_buckets": true}
		if diff := cmp.Diff(wantPAB, stacktest.Pick(pab, wantPAB)); diff != "" {
			t.Errorf("public access block (-want +got):\n%s", diff)
		}
		_, sse := s.Only(t, "aws_s3_bucket_server_side_encryption_configuration")
		rule := stacktest.AsMap(stacktest.AsSlice(sse["rule"])[0])
		if got := stacktest.AsMap(rule["apply_server_side_encryption_by_default"])["sse_algorithm"]; got != "AES256" || sse["bucket"] != id {
			t.Errorf("encryption: got %v on %v, want AES256 on the bucket", got, sse["bucket"])
		}
		_, lc := s.Only(t, "aws_s3_bucket_lifecycle_configuration")
		exp := stacktest.AsMap(stacktest.AsMap(stacktest.AsSlice(lc["rule"])[0])["expiration"])
		if exp["days"] != float64(c.AccessLogRetentionDays) || lc["bucket"] != id {
			t.Errorf("expiry: got %v days on %v, want %d", exp["days"], lc["bucket"], c.AccessLogRetentionDays)
		}
		_, pol := s.Only(t, "aws_s3_bucket_policy")
		var doc struct{ Statement []map[string]any }
		if err := json.Unmarshal([]byte(pol["policy"].(string)), &doc); err != nil {
			t.Fatal(err)
		}
		got := map[string]any{}
		for _, s := range doc.Statement {
			got[s["Sid"].(string)] = []any{s["Effect"], s["Principal"], s["Action"], s["Condition"]}
		}
		wantPol := map[string]any{
			"LoadBalancerLogDelivery": []any{"Allow", map[string]any{"AWS": delivery[c.Region]}, "s3:PutObject", nil},
			"TLSOnly":                 []any{"Deny", map[string]any{"AWS": "*"}, "s3:*", map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}}},
		}
		if diff := cmp.Diff(wantPol, got); diff != "" {
			t.Errorf("bucket policy (-want +got):\n%s", diff)
		}
	})
}

// TestServerLogGroups: the servers' log groups keep logs as configured.
func TestServerLogGroups(t *testing.T) {
	forEachStack(t, func(t *testing.T, c wordpress.StackConfig, s *stacktest.Stack) {
		var got []string
		for _, g := range inConstruct(t, s, "aws_cloudwatch_log_group", "web") {
			got = append(got, g["name"].(string))
			if g["retention_in_days"] != float64(c.LogRetentionDays) {
				t.Errorf("%s: retention %v, want %d", g["name"], g["retention_in_days"], c.LogRetentionDays)
			}
		}
		p := "/wordpress/" + c.Name() + "/"
		want := []string{p + "apache-access", p + "apache-error", p + "boot", p + "php-fpm-error"}
		if diff := cmp.Diff(want, stacktest.SortedNames(stacktest.SetOf(got))); diff != "" {
			t.Errorf("log groups (-want +got):\n%s", diff)
		}
	})
}

// TestBackups: the database and the file system are backed up daily to an
// encrypted vault, kept as configured, copied to the second region when one
// is configured, and failures reach the topic.
func TestBackups(t *testing.T) {
	forEachStack(t, func(t *testing.T, c wordpress.StackConfig, s *stacktest.Stack) {
		keyName, _ := named(t, s, "aws_kms_key", "operations")
		vaults := s.Resources(t, "aws_backup_vault")
		vaultName, vault := named(t, s, "aws_backup_vault", "backups")
		if got, want := vault["kms_key_arn"], stacktest.Ref("aws_kms_key", keyName, "arn"); got != want {
			t.Errorf("vault key: got %v, want %s", got, want)
		}
		planName, plan := s.Only(t, "aws_backup_plan")
		rules := stacktest.AsSlice(plan["rule"])
		if len(rules) != 1 {
			t.Fatalf("got %d plan rules, want 1", len(rules))
		}
		rule := stacktest.AsMap(rules[0])
		want := map[string]any{
			"target_vault_name": stacktest.Ref("aws_backup_vault", vaultName, "name"),
			"schedule":          "cron(0 6 * * ? *)",
			"lifecycle":         map[string]any{"delete_after": float64(c.BackupRetentionDays)},
		}
		if diff := cmp.Diff(want, stacktest.Pick(rule, want)); diff != "" {
			t.Errorf("plan rule (-want +got):\n%s", diff)
		}
		copies := stacktest.AsSlice(rule["copy_action"])
		if c.BackupCopyRegion == "" {
			if len(copies) != 0 || len(vaults) != 1 {
				t.Errorf("no copy region: got %d copy actions and %d vaults, want none and 1", len(copies), len(vaults))
			}
		} else {
			copyName, copyVault := named(t, s, "aws_backup_vault", "backup_copies")
			wantCopy := []any{map[string]any{
				"destination_vault_arn": stacktest.Ref("aws_backup_vault", copyName, "arn"),
				"lifecycle":             map[string]any{"delete_after": float64(c.BackupRetentionDays)},
			}}
			if diff := cmp.Diff(wantCopy, copies); diff != "" {
				t.Errorf("copy action (-want +got):\n%s", diff)
			}
			if copyVault["provider"] != "aws.backup_copy" {
				t.Errorf("copy vault provider: got %v, want aws.backup_copy (region %s)", copyVault["provider"], c.BackupCopyRegion)
			}
		}
		dbName, _ := s.Only(t, "aws_db_instance")
		fsName, _ := s.Only(t, "aws_efs_file_system")
		_, sel := s.Only(t, "aws_backup_selection")
		wantSel := map[string]any{"plan_id": stacktest.Ref("aws_backup_plan", planName, "id")}
		if diff := cmp.Diff(wantSel, stacktest.Pick(sel, wantSel)); diff != "" {
			t.Errorf("selection (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{stacktest.Ref("aws_db_instance", dbName, "arn"), stacktest.Ref("aws_efs_file_system", fsName, "arn")}, stacktest.SortedStrings(sel["resources"])); diff != "" {
			t.Errorf("backed-up resources (-want +got):\n%s", diff)
		}
		backupRules := 0
		for _, r := range s.Resources(t, "aws_cloudwatch_event_rule") {
			if strings.Contains(r["event_pattern"].(string), `"aws.backup"`) && strings.Contains(r["event_pattern"].(string), `"FAILED"`) {
				backupRules++
			}
		}
		if want := map[bool]int{false: 1, true: 2}[c.BackupCopyRegion != ""]; backupRules != want {
			t.Errorf("got %d rules for failed backup or copy jobs, want %d", backupRules, want)
		}
	})
}

// readmeSection returns the README's text from the heading to the next
// heading of the same or a higher level.
func readmeSection(t *testing.T, heading string) string {
	t.Helper()
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	i := strings.Index(text, "\n"+heading+"\n")
	if i < 0 {
		t.Fatalf("README.md: no %q section", heading)
	}
	// The section ends at the next heading of its level or above.
	rest := text[i+len(heading)+2:]
	end := len(rest)
	for l := 1; l <= strings.Index(heading, " "); l++ {
		if j := strings.Index(rest, "\n"+strings.Repeat("#", l)+" "); j >= 0 && j < end {
			end = j
		}
	}
	return rest[:end]
}

// TestAlarmsAreDocumented: the README's alarm table has a row for every
// alarm of every stack, and no row for an alarm that does not exist.
func TestAlarmsAreDocumented(t *testing.T) {
	section := readmeSection(t, "### Alarms and notifications")
	documented := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z0-9-]+)` \\|").FindAllStringSubmatch(section, -1) {
		documented[m[1]] = true
	}
	built := map[string]bool{}
	for _, c := range configs {
		for _, a := range stacks[c.Environment].Resources(t, "aws_cloudwatch_metric_alarm") {
			built[strings.TrimPrefix(a["alarm_name"].(string), c.Name()+"-")] = true
		}
	}
	if diff := cmp.Diff(stacktest.SortedNames(built), stacktest.SortedNames(documented)); diff != "" {
		t.Errorf("alarms in the README's table (-built +documented):\n%s", diff)
	}
}

// TestRestoreRunbookNames: every Terraform address the restore section
// mentions exists, and every name of the prod stack it mentions is in the
// synthesized prod stack, so the runbook cannot drift from what is deployed.
func TestRestoreRunbookNames(t *testing.T) {
	section := readmeSection(t, "### Backups and restore")
	raw, err := os.ReadFile(stacktest.File(synthOut, "prod"))
	if err != nil {
		t.Fatal(err)
	}
	stack := string(raw)
	checked := 0
	for _, a := range regexp.MustCompile(`\baws_[a-z0-9_]+\.[a-z0-9_]+\b`).FindAllString(section, -1) {
		typ, name, _ := strings.Cut(a, ".")
		found := false
		for _, c := range configs { // the copy vault exists only with backup_copy_region
			_, ok := stacks[c.Environment].Resources(t, typ)[name]
			found = found || ok
		}
		if !found {
			t.Errorf("README restore section names %s, which no stack has", a)
		}
		checked++
	}
	for _, n := range regexp.MustCompile(`\bwordpress-prod[a-z0-9-]*[a-z0-9]`).FindAllString(section, -1) {
		if !strings.Contains(stack, `"`+n+`"`) && !strings.Contains(stack, n) {
			t.Errorf("README restore section names %q, which prod's Terraform does not contain", n)
		}
		checked++
	}
	if checked < 10 {
		t.Errorf("checked %d names in the restore section, want the runbook's addresses and names", checked)
	}
}

// TestMailIdentity: with mail_from, the sender's domain is an SES identity
// signed with 2048-bit Easy DKIM, whose tokens are an output; without it,
// there is no identity.
func TestMailIdentity(t *testing.T) {
	forEachStack(t, func(t *testing.T, c wordpress.StackConfig, s *stacktest.Stack) {
		identities := s.Resources(t, "aws_sesv2_email_identity")
		if c.MailFrom == "" {
			if len(identities) != 0 {
				t.Errorf("got %d SES identities without mail_from, want none", len(identities))
			}
			return
		}
		name, identity := s.Only(t, "aws_sesv2_email_identity")
		want := map[string]any{
			"email_identity":          c.MailFrom[strings.Index(c.MailFrom, "@")+1:],
			"dkim_signing_attributes": map[string]any{"next_signing_key_length": "RSA_2048_BIT"},
		}
		if diff := cmp.Diff(want, stacktest.Pick(identity, want)); diff != "" {
			t.Errorf("SES identity (-want +got):\n%s", diff)
		}
		tokens := stacktest.Ref("aws_sesv2_email_identity", name, "dkim_signing_attributes[0].tokens")
		out := stacktest.AsMap(s.Block("output")["mail_dkim_tokens"])
		if got := out["value"]; got != tokens {
			t.Errorf("mail_dkim_tokens: got %v, want %s", got, tokens)
		}
		records := map[string]map[string]any{}
		for n, r := range s.Resources(t, "aws_route53_record") {
			if strings.Contains(fmt.Sprint(r["name"]), "._domainkey.") {
				records[n] = r
			}
		}
		if c.MailHostedZoneID == "" {
			if len(records) != 0 {
				t.Errorf("DKIM records without mail_hosted_zone_id: %v", stacktest.SortedNames(records))
			}
			return
		}
		// One record per token, counted: the tokens exist only after apply.
		token := fmt.Sprintf("${element(aws_sesv2_email_identity.%s.dkim_signing_attributes[0].tokens, count.index)}", name)
		want = map[string]any{
			"count": float64(web.DKIMTokens), "zone_id": c.MailHostedZoneID, "type": "CNAME",
			"name":    token + "._domainkey." + web.MailDomain(c.MailFrom),
			"records": []any{token + ".dkim.amazonses.com"},
		}
		if len(records) != 1 {
			t.Fatalf("DKIM records: %v, want one counted resource", stacktest.SortedNames(records))
		}
		for _, r := range records {
			if diff := cmp.Diff(want, stacktest.Pick(r, want)); diff != "" {
				t.Errorf("DKIM records (-want +got):\n%s", diff)
			}
		}
	})
}
