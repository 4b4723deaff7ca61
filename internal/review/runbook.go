package review

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// bootScript is what the runbook needs from the servers' boot script (the
// launch template's user data), read from the script itself so the runbook
// follows it when it changes.
type bootScript struct {
	vars  map[string]string // VAR=value assignments at the top level
	units []string          // systemd units it installs
	timer string            // how often the timer fires (OnUnitActiveSec)
}

var (
	scriptVar    = regexp.MustCompile(`(?m)^([A-Z][A-Z0-9_]*)=('[^'\n]*'|[^\s'"$]*)$`)
	scriptUnit   = regexp.MustCompile(`\$SYSTEMD_DIR/([A-Za-z0-9@._-]+\.(?:service|timer))`)
	scriptPeriod = regexp.MustCompile(`(?m)^OnUnitActiveSec=(\S+)$`)
)

func parseBootScript(script string) bootScript {
	b := bootScript{vars: map[string]string{}}
	for _, m := range scriptVar.FindAllStringSubmatch(script, -1) {
		if _, seen := b.vars[m[1]]; !seen {
			b.vars[m[1]] = strings.Trim(m[2], "'")
		}
	}
	for _, m := range scriptUnit.FindAllStringSubmatch(script, -1) {
		if !slices.Contains(b.units, m[1]) {
			b.units = append(b.units, m[1])
		}
	}
	if m := scriptPeriod.FindStringSubmatch(script); m != nil {
		b.timer = m[1]
	}
	return b
}

func (b bootScript) unit(suffix string) string {
	for _, u := range b.units {
		if strings.HasSuffix(u, suffix) {
			return u
		}
	}
	return ""
}

// Runbook renders the operator's runbook of a stack, with its real names.
func Runbook(s *Stack) []byte {
	a := Analyze(s)
	var alb, web, db, efs *Component
	for _, c := range a.Components {
		switch {
		case c.Kind == "alb" && alb == nil:
			alb = c
		case c.Kind == "web" && web == nil:
			web = c
		case c.Main.Type == "aws_db_instance" && db == nil:
			db = c
		case c.Kind == "efs" && efs == nil:
			efs = c
		}
	}
	region := orUnknown(s.Region)
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	code := func(lines ...string) { w("```sh\n%s\n```\n\n", strings.Join(lines, "\n")) }

	w("# Runbook: %s\n\n", s.Name)
	w("Generated at synthesis from this stack's Terraform (`cdk.tf.json` beside this file), so the names below are the\n")
	w("real ones. Values that exist only after `cdktf deploy %s` (IDs, ARNs) come from `cdktf output %s`.\n", s.Name, s.Name)
	w("Every command runs with credentials for the account and region %s (`export AWS_REGION=%s`).\n\n", region, region)

	w("## At a glance\n\n| What | Name |\n|---|---|\n")
	row := func(what, name string) {
		if name != "" {
			w("| %s | %s |\n", what, name)
		}
	}
	row("Region", "`"+region+"`")
	if zones := a.Zones; len(zones) > 0 {
		row("Zones", "`"+strings.Join(zones, "`, `")+"`")
	}
	if alb != nil {
		row("Load balancer", "`"+alb.Main.Str("name")+"`"+outputNote(s, alb.Main, "dns_name"))
	}
	var lt Resource
	if web != nil {
		lt, _ = launchTemplate(web)
		row("Auto Scaling group", fmt.Sprintf("`%s` (%g to %g × `%s`)", web.Main.Str("name"), web.Main.Num("min_size"), web.Main.Num("max_size"), lt.Str("instance_type")))
		row("Launch template", "`"+lt.Str("name")+"`")
	}
	if db != nil {
		row("Database", fmt.Sprintf("`%s` (%s %s, %s)", db.Main.Str("identifier"), db.Main.Str("engine"), db.Main.Str("engine_version"), db.Main.Str("instance_class")))
		row("Database credentials", "Secrets Manager secret"+outputNote(s, db.Main, "master_user_secret"))
	}
	for _, sec := range s.OfType("aws_secretsmanager_secret") {
		row(firstNonEmpty(sec.Str("description"), "Secret"), "Secrets Manager secret `"+firstNonEmpty(sec.Str("name"), sec.Str("name_prefix")+"…")+"`"+outputNote(s, sec, "arn"))
	}
	if efs != nil {
		row("Web root file system", "EFS `"+efs.Main.Str("creation_token")+"`"+outputNote(s, efs.Main, "id"))
	}
	for _, lg := range s.OfType("aws_cloudwatch_log_group") {
		row("Log group", fmt.Sprintf("`%s` (%s)", lg.Str("name"), logGroupTerms(s, lg)))
	}
	if s.Backend == "s3" {
		row("Terraform state", fmt.Sprintf("`s3://%v/%v` (%v)", s.BackendSettings["bucket"], s.BackendSettings["key"], s.BackendSettings["region"]))
	} else {
		row("Terraform state", "local file in `cdktf.out/stacks/"+s.Name+"` (keep it safe, or set `state_bucket`)")
	}
	w("\n")

	script := parseBootScript(s.Text(lt.Attrs["user_data"]))
	asg := "<group>"
	if web != nil {
		asg = web.Main.Str("name")
	}
	w("## Shell access (Session Manager)\n\n")
	w("The servers have no SSH key and no open SSH port; shell access is through Session Manager (the instance role\n")
	w("carries `AmazonSSMManagedInstanceCore`). Pick a server of the group and open a session:\n\n")
	code(
		fmt.Sprintf("aws autoscaling describe-auto-scaling-groups --auto-scaling-group-names %s \\", asg),
		"  --query 'AutoScalingGroups[0].Instances[].[InstanceId,AvailabilityZone,LifecycleState,HealthStatus]' --output table",
		"aws ssm start-session --target i-0123456789abcdef0   # an InstanceId from above",
	)

	w("## Logs\n\n| Log | Where |\n|---|---|\n")
	if f := script.vars["LOG_FILE"]; f != "" {
		w("| Boot script (each server, first boot) | `%s` on the server; `journalctl -t %s`; `/var/log/cloud-init-output.log` |\n", f, script.vars["LOG_TAG"])
	}
	if svc := script.unit(".service"); svc != "" {
		w("| Database-credentials refresh | `journalctl -u %s` on the server |\n", svc)
	}
	w("| Apache, PHP-FPM | `/var/log/httpd/`, `/var/log/php-fpm/` on the server (Amazon Linux 2023 defaults) |\n")
	if db != nil {
		for _, l := range asSlice(db.Main.Attrs["enabled_cloudwatch_logs_exports"]) {
			w("| Database %s log | CloudWatch Logs `/aws/rds/instance/%s/%v` |\n", l, db.Main.Str("identifier"), l)
		}
	}
	for _, fl := range s.OfType("aws_flow_log") {
		if lg, ok := s.Ref(fl.Attrs["log_destination"]); ok {
			w("| VPC flow logs (%s traffic) | CloudWatch Logs `%s` |\n", strings.ToLower(fl.Str("traffic_type")), lg.Str("name"))
		}
	}
	if alb != nil {
		if al := asMap(alb.Main.Attrs["access_logs"]); boolean(al["enabled"]) {
			bucket := fmt.Sprint(al["bucket"])
			if b, ok := s.Ref(al["bucket"]); ok {
				bucket = firstNonEmpty(b.Str("bucket"), b.Str("bucket_prefix")+"…")
			}
			if prefix, _ := al["prefix"].(string); prefix != "" {
				bucket += "/" + prefix
			}
			w("| Load balancer access logs | S3 `%s` |\n", bucket)
		} else {
			w("| Load balancer requests | not logged; CloudWatch metrics of `%s` only |\n", alb.Main.Str("name"))
		}
	}
	if web != nil {
		w("| Scaling activity | `aws autoscaling describe-scaling-activities --auto-scaling-group-name %s` |\n", asg)
	}
	w("\n")

	if svc, timer := script.unit(".service"), script.unit(".timer"); svc != "" {
		w("## Force a database-credentials refresh\n\n")
		w("Each server copies the database credentials from Secrets Manager into `%s`", orUnknown(script.vars["CREDS_FILE"]))
		if timer != "" {
			w(" and `%s` repeats that every %s", timer, orUnknown(script.timer))
		}
		w(". After rotating the secret by hand, or to check a server at once:\n\n")
		code(
			"# on one server (Session Manager)",
			"sudo systemctl start "+svc+" && journalctl -u "+svc+" -n 20",
			"# on every server of the group",
			"aws ssm send-command --document-name AWS-RunShellScript \\",
			"  --targets Key=tag:aws:autoscaling:groupName,Values="+asg+" \\",
			"  --parameters 'commands=[\"systemctl start "+svc+"\"]'",
		)
		if db != nil {
			w("To rotate the credentials now: `aws secretsmanager rotate-secret --secret-id <ARN>` with the ARN of the `%s`\n", orUnknown(outputName(s, "${"+db.Main.Addr()+".master_user_secret")))
			w("output; the servers pick the new password up within one timer period.\n\n")
		}
	}

	w("## Loss of a zone\n\n")
	if len(a.Zones) > 0 {
		w("The stack spans %d zones (%s). When one fails:\n\n", len(a.Zones), strings.Join(a.Zones, ", "))
	}
	if alb != nil {
		w("- The load balancer stops sending requests to servers in that zone as soon as their health checks fail.\n")
	}
	if web != nil {
		w("- The Auto Scaling group replaces the lost servers in the remaining zones (ELB health checks")
		if boolean(web.Main.Attrs["capacity_rebalance"]) {
			w(", capacity rebalancing")
		}
		w("); it keeps at least %g servers, and rebalances across all zones once the zone is back.\n", web.Main.Num("min_size"))
	}
	if len(a.NATs) >= len(a.Zones) && len(a.NATs) > 0 {
		w("- Each zone's app subnet routes to the internet through its own NAT gateway, so the other zones keep their outbound access (packages, Secrets Manager, Session Manager).\n")
	} else if len(a.NATs) > 0 {
		w("- **%d NAT gateway(s) for %d zones**: app subnets routed through a NAT gateway in the failed zone lose outbound access.\n", len(a.NATs), len(a.Zones))
	}
	if db != nil && boolean(db.Main.Attrs["multi_az"]) {
		w("- If the database's primary was in that zone, RDS fails over to the standby (below).\n")
	}
	if efs != nil {
		w("- EFS is regional: the mount targets in the other zones keep serving the web root.\n")
	}
	w("- Nothing needs doing by hand. Watch the group's servers and target health:\n\n")
	if alb != nil {
		code(fmt.Sprintf("aws elbv2 describe-target-health --target-group-arn \"$(aws elbv2 describe-target-groups --names %s --query 'TargetGroups[0].TargetGroupArn' --output text)\"", targetGroupName(s, alb.Main)))
	}

	if db != nil {
		id := db.Main.Str("identifier")
		w("## Database failover\n\n")
		if boolean(db.Main.Attrs["multi_az"]) {
			w("`%s` is Multi-AZ: RDS keeps a synchronous standby in another zone and, when the primary or its zone fails (or\n", id)
			w("during maintenance), points the endpoint's DNS name at the standby, typically within one to two minutes. Open\n")
			w("connections drop and WordPress reconnects on the next request. The servers' health check does not touch the\n")
			w("database, so a failover does not take the servers out of service. To rehearse one, and to see what happened:\n\n")
			code(
				"aws rds reboot-db-instance --db-instance-identifier "+id+" --force-failover",
				"aws rds describe-events --source-type db-instance --source-identifier "+id+" --duration 60",
			)
		} else {
			w("`%s` is Single-AZ: losing its zone means restoring (below).\n\n", id)
		}
	}

	w("## Restore\n\n")
	if db != nil {
		id := db.Main.Str("identifier")
		w("### Database\n\n")
		w("Automated backups are kept %g days (window %s UTC)", db.Main.Num("backup_retention_period"), orUnknown(db.Main.Str("backup_window")))
		if boolean(db.Main.Attrs["skip_final_snapshot"]) {
			w("; deleting the instance takes **no** final snapshot")
		} else if f := db.Main.Str("final_snapshot_identifier"); f != "" {
			w("; deleting the instance leaves a final snapshot `%s`", f)
		}
		w(". Restore into a **new** instance beside the live one, then copy the data back, so Terraform keeps managing\n")
		w("`%s`:\n\n", id)
		group, params := "<subnet group>", "<parameter group>"
		if sg, ok := s.Ref(db.Main.Attrs["db_subnet_group_name"]); ok {
			group = sg.Str("name")
		}
		if pg, ok := s.Ref(db.Main.Attrs["parameter_group_name"]); ok {
			params = pg.Str("name")
		}
		code(
			"# the live instance's security groups ("+strings.Join(groupNames(s, db.Groups), ", ")+"), for the restored one; if the",
			"# instance is gone, look them up by name and VPC: aws ec2 describe-security-groups --filters …",
			"SG_IDS=$(aws rds describe-db-instances --db-instance-identifier "+id+" \\",
			"  --query 'DBInstances[0].VpcSecurityGroups[].VpcSecurityGroupId' --output text)",
			"# to a point in time (or: restore-db-instance-from-db-snapshot --db-snapshot-identifier …)",
			"aws rds restore-db-instance-to-point-in-time --source-db-instance-identifier "+id+" \\",
			"  --target-db-instance-identifier "+id+"-restore --restore-time 2030-01-01T00:00:00Z \\",
			"  --db-subnet-group-name "+group+" --db-parameter-group-name "+params+" \\",
			"  --vpc-security-group-ids $SG_IDS --no-publicly-accessible --manage-master-user-password",
			"aws rds wait db-instance-available --db-instance-identifier "+id+"-restore",
		)
		w("The restored instance gets its own managed secret (`aws rds describe-db-instances --db-instance-identifier\n")
		w("%s-restore --query 'DBInstances[0].MasterUserSecret.SecretArn'`). From a server (Session Manager), dump it over\n", id)
		w("TLS, load the dump into the live database with the credentials in `%s`, then delete `%s-restore`.\n\n", orUnknown(script.vars["CREDS_FILE"]), id)
	}
	if efs != nil {
		w("### Web root (EFS)\n\n")
		backups := false
		for _, bp := range s.OfType("aws_efs_backup_policy") {
			if f, ok := s.Ref(bp.Attrs["file_system_id"]); ok && f.Addr() == efs.Main.Addr() && asMap(bp.Attrs["backup_policy"])["status"] == "ENABLED" {
				backups = true
			}
		}
		if !backups {
			w("**Automatic backups are off** for this file system: there is nothing to restore from.\n\n")
		} else {
			w("AWS Backup takes daily backups of the file system into the vault `aws/efs/automatic-backup-vault` (kept 35 days).\n")
			w("A restore into the same file system writes a new directory `aws-backup-restore_<timestamp>` at its root, next to\n")
			w("the web root; nothing live is overwritten:\n\n")
			code(
				"EFS_ID=fs-…   # the "+outputName(s, "${"+efs.Main.Addr()+".id}")+" output",
				"aws backup list-recovery-points-by-backup-vault --backup-vault-name aws/efs/automatic-backup-vault \\",
				"  --by-resource-arn \"arn:aws:elasticfilesystem:"+region+":<account>:file-system/$EFS_ID\"",
				"aws backup start-restore-job --recovery-point-arn <arn from above> --iam-role-arn <a role AWS Backup may assume> \\",
				"  --metadata file-system-id=$EFS_ID,newFileSystem=false,Encrypted=true,PerformanceMode=generalPurpose",
			)
			w("Then, on a server, mount the file system's root (without the access point) and copy back what is needed as the\n")
			w("web server's user: the file-system policy grants no root access.\n\n")
		}
	}
	return []byte(strings.TrimRight(b.String(), "\n") + "\n")
}

// outputNote names the stack output that holds an attribute of r, if any.
func outputNote(s *Stack, r Resource, attr string) string {
	if name := outputName(s, "${"+r.Addr()+"."+attr); name != "" {
		return fmt.Sprintf(" (output `%s`)", name)
	}
	return ""
}

// outputName is the first output whose value starts with, or holds, expr.
func outputName(s *Stack, expr string) string {
	for _, name := range slices.Sorted(maps.Keys(s.Outputs)) {
		if v, _ := asMap(s.Outputs[name])["value"].(string); strings.HasPrefix(v, expr) {
			return name
		}
	}
	for _, name := range slices.Sorted(maps.Keys(s.Outputs)) {
		if v, _ := asMap(s.Outputs[name])["value"].(string); strings.Contains(v, expr) {
			return name
		}
	}
	return ""
}

func groupNames(s *Stack, addrs []string) []string {
	var out []string
	for _, a := range addrs {
		out = append(out, groupName(s.Resources[a]))
	}
	return out
}

// targetGroupName is the target group a load balancer's listeners forward to.
func targetGroupName(s *Stack, lb Resource) string {
	for _, l := range s.OfType("aws_lb_listener") {
		if ref, ok := s.Ref(l.Attrs["load_balancer_arn"]); !ok || ref.Addr() != lb.Addr() {
			continue
		}
		for _, addr := range s.RefsIn(l.Attrs["default_action"]) {
			if tg := s.Resources[addr]; tg.Type == "aws_lb_target_group" {
				return tg.Str("name")
			}
		}
	}
	return "<target group>"
}
