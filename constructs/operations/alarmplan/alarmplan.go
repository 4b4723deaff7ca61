// Package alarmplan decides what the operations tier watches: the stack's
// CloudWatch alarms (metric, threshold, the first thing to check), the
// thresholds derived from the configured sizes, and the dashboard laid out
// from them. It is plain Go with no provider bindings, so the decisions are
// tested without a jsii runtime and their tests rerun only when they change;
// constructs/operations turns the plan into resources.
//
// It needs only the dimension values of what it watches (Watched) and the
// sizes (Sizing), as plain values or cdktf tokens.
package alarmplan

import (
	"fmt"
	"strconv"
	"strings"
)

// Watched names the CloudWatch dimension values of what the alarms watch.
// Values may be cdktf tokens.
type Watched struct {
	LoadBalancer     string // AWS/ApplicationELB LoadBalancer: the ALB's ARN suffix
	TargetGroup      string // AWS/ApplicationELB TargetGroup: the target group's ARN suffix
	AutoScalingGroup string // AWS/AutoScaling AutoScalingGroupName
	DBInstance       string // AWS/RDS DBInstanceIdentifier
	FileSystem       string // AWS/EFS FileSystemId
	// Mail says SES sends the site's mail (mail_from): the account's
	// sending reputation (AWS/SES, no dimension) is watched too.
	Mail bool
}

// Sizing is what the thresholds derive from.
type Sizing struct {
	DBInstanceClass          string
	DBMaxAllocatedStorageGiB int
	MinSize, MaxSize         int
}

// Metric is one CloudWatch metric with its statistic.
type Metric struct {
	Namespace, Name string
	// Stat is a statistic ("Average", "Sum", "Minimum", "Maximum") or a
	// percentile ("p95").
	Stat       string
	Dimensions map[string]string
}

// Alarm is one CloudWatch alarm. Either Metric is set, or Expression over
// Inputs (metric math, inputs named m1, m2, …).
type Alarm struct {
	// ID is the construct ID and the suffix of the alarm's name.
	ID string
	// Tier groups the alarm on the dashboard and in the README.
	Tier        string
	Description string
	Metric      Metric
	Expression  string
	Inputs      []Metric
	Comparison  string
	Threshold   float64
	// Period in seconds; the alarm fires when DatapointsToAlarm of the last
	// EvaluationPeriods periods breach.
	Period, EvaluationPeriods, DatapointsToAlarm int
	// MissingData is how a period without data counts.
	MissingData string
}

const gib = 1 << 30

// Comparison operators.
const (
	above   = "GreaterThanThreshold"
	atLeast = "GreaterThanOrEqualToThreshold"
	below   = "LessThanThreshold"
)

// instanceMemoryGiB is the memory of an RDS instance class, from its size:
// burstable (t) classes have 2 GiB per vCPU from "small" up, general purpose
// (m) 4 GiB per vCPU, memory optimised (r, x, z) 8 GiB per vCPU. ok is false
// for a class outside those families.
func instanceMemoryGiB(class string) (float64, bool) {
	parts := strings.Split(class, ".")
	if len(parts) != 3 || parts[0] != "db" || parts[1] == "" {
		return 0, false
	}
	family, size := parts[1], parts[2]
	perLarge := map[byte]float64{'t': 8, 'm': 8, 'r': 16, 'x': 32, 'z': 16}[family[0]]
	if perLarge == 0 {
		return 0, false
	}
	switch size {
	case "micro":
		if family[0] == 't' {
			return 1, true
		}
	case "small":
		if family[0] == 't' {
			return 2, true
		}
	case "medium":
		if family[0] == 't' {
			return 4, true
		}
	case "large":
		return perLarge, true
	case "xlarge":
		return 2 * perLarge, true
	}
	if n, err := strconv.Atoi(strings.TrimSuffix(size, "xlarge")); err == nil && strings.HasSuffix(size, "xlarge") && n > 1 {
		return float64(n) * 2 * perLarge, true
	}
	return 0, false
}

// fallbackMemoryGiB stands in for a class instanceMemoryGiB does not know:
// the smallest RDS instance, so the alarms stay on the cautious side.
const fallbackMemoryGiB = 1

// maxConnections is RDS for MySQL's default max_connections:
// {DBInstanceClassMemory/12582880}.
func maxConnections(memoryGiB float64) float64 {
	return float64(int64(memoryGiB * gib / 12582880))
}

// Thresholds are the derived limits, exported for the README and tests.
type Thresholds struct {
	DBMemoryGiB float64
	// DBFreeMemoryBytes: 10% of the class's memory.
	DBFreeMemoryBytes float64
	// DBFreeStorageBytes: 10% of the autoscaling cap (at least 2 GiB), so
	// the alarm fires with a tenth of the cap still free once storage has
	// grown to it.
	DBFreeStorageBytes float64
	// DBConnections: 80% of the class's default max_connections.
	DBConnections float64
}

// ThresholdsFor derives the limits of s.
func ThresholdsFor(s Sizing) Thresholds {
	mem, ok := instanceMemoryGiB(s.DBInstanceClass)
	if !ok {
		mem = fallbackMemoryGiB
	}
	return Thresholds{
		DBMemoryGiB:        mem,
		DBFreeMemoryBytes:  float64(int64(mem * gib / 10)),
		DBFreeStorageBytes: max(2, float64(s.DBMaxAllocatedStorageGiB)/10) * gib,
		DBConnections:      float64(int64(maxConnections(mem) * 8 / 10)),
	}
}

// Tiers of the dashboard, top to bottom.
const (
	tierEdge = "Load balancer"
	tierWeb  = "Web servers"
	tierDB   = "Database"
	tierFS   = "File system"
	tierMail = "Mail"
)

// SES reviews an account whose bounce rate reaches 5% or complaint rate
// 0.1%, and may pause its sending at 10% and 0.5%: the alarms fire at the
// review marks.
const (
	sesBounceReview    = 0.05
	sesComplaintReview = 0.001
)

// Alarms returns every alarm of the stack, in dashboard order.
func Alarms(w Watched, s Sizing) []Alarm {
	t := ThresholdsFor(s)
	alb := map[string]string{"LoadBalancer": w.LoadBalancer}
	tg := map[string]string{"LoadBalancer": w.LoadBalancer, "TargetGroup": w.TargetGroup}
	asg := map[string]string{"AutoScalingGroupName": w.AutoScalingGroup}
	db := map[string]string{"DBInstanceIdentifier": w.DBInstance}
	fs := map[string]string{"FileSystemId": w.FileSystem}
	const elb, rds, efs = "AWS/ApplicationELB", "AWS/RDS", "AWS/EFS"
	alarms := []Alarm{
		{
			ID: "target-5xx-rate", Tier: tierEdge,
			Description: "More than 5% of requests answered 5xx by WordPress for 5 minutes. First check: the Apache and PHP-FPM error log groups for the failing requests; then the database alarms (a database WordPress cannot reach answers 500).",
			Expression:  "IF(m2 > 0, 100 * FILL(m1, 0) / m2, 0)",
			Inputs: []Metric{
				{elb, "HTTPCode_Target_5XX_Count", "Sum", alb},
				{elb, "RequestCount", "Sum", alb},
			},
			Comparison: above, Threshold: 5, Period: 60, EvaluationPeriods: 5, DatapointsToAlarm: 5, MissingData: "notBreaching",
		},
		{
			ID: "alb-5xx", Tier: tierEdge,
			Description: "The load balancer itself answered more than 10 errors (5xx) in 5 minutes: usually no healthy server (503) or servers timing out (504). First check: the healthy-hosts alarm and the target group's targets, then the web servers' boot log group.",
			Metric:      Metric{elb, "HTTPCode_ELB_5XX_Count", "Sum", alb},
			Comparison:  above, Threshold: 10, Period: 300, EvaluationPeriods: 1, DatapointsToAlarm: 1, MissingData: "notBreaching",
		},
		{
			ID: "unhealthy-hosts", Tier: tierEdge,
			Description: "A server has failed the /healthz.php check for 15 minutes and the group has not replaced it. First check: the server's boot log group (EFS mount, package install) and the auto scaling group's activity history.",
			Metric:      Metric{elb, "UnHealthyHostCount", "Maximum", tg},
			Comparison:  above, Threshold: 0, Period: 60, EvaluationPeriods: 15, DatapointsToAlarm: 15, MissingData: "notBreaching",
		},
		{
			ID: "healthy-hosts-low", Tier: tierEdge,
			Description: fmt.Sprintf("Fewer healthy servers than min_size (%d) for 10 minutes: the site runs without its zone redundancy. First check: the auto scaling group's activity history (launch failures) and the boot log group.", s.MinSize),
			Metric:      Metric{elb, "HealthyHostCount", "Minimum", tg},
			Comparison:  below, Threshold: float64(s.MinSize), Period: 60, EvaluationPeriods: 10, DatapointsToAlarm: 10, MissingData: "breaching",
		},
		{
			ID: "response-time-p95", Tier: tierEdge,
			Description: "The slowest 5% of requests took over 2 seconds for 15 minutes. First check: the database CPU and connections, then the web servers' CPU (is the group at max_size?) and the file system's throughput.",
			Metric:      Metric{elb, "TargetResponseTime", "p95", tg},
			Comparison:  above, Threshold: 2, Period: 300, EvaluationPeriods: 3, DatapointsToAlarm: 3, MissingData: "notBreaching",
		},
		{
			ID: "asg-at-max", Tier: tierWeb,
			Description: fmt.Sprintf("The web server group has run at max_size (%d) for 30 minutes: it cannot scale further. First check: whether the load is real (request count) or a slow dependency (response time, database CPU); then raise max_size or the instance type.", s.MaxSize),
			Metric:      Metric{"AWS/AutoScaling", "GroupInServiceInstances", "Minimum", asg},
			Comparison:  atLeast, Threshold: float64(s.MaxSize), Period: 300, EvaluationPeriods: 6, DatapointsToAlarm: 6, MissingData: "notBreaching",
		},
		{
			ID: "db-cpu", Tier: tierDB,
			Description: "Database CPU above 80% for 15 minutes. First check: the slow query log group (/aws/rds/instance/…/slowquery) for the queries behind it, then a plugin or bot driving uncached pages.",
			Metric:      Metric{rds, "CPUUtilization", "Average", db},
			Comparison:  above, Threshold: 80, Period: 300, EvaluationPeriods: 3, DatapointsToAlarm: 3, MissingData: "notBreaching",
		},
		{
			ID: "db-memory", Tier: tierDB,
			Description: fmt.Sprintf("Freeable database memory below 10%% of the %s's %g GiB for 15 minutes: the server is close to swapping. First check: the connections alarm and slow queries; then a larger db_instance_class.", s.DBInstanceClass, t.DBMemoryGiB),
			Metric:      Metric{rds, "FreeableMemory", "Minimum", db},
			Comparison:  below, Threshold: t.DBFreeMemoryBytes, Period: 300, EvaluationPeriods: 3, DatapointsToAlarm: 3, MissingData: "notBreaching",
		},
		{
			ID: "db-storage", Tier: tierDB,
			Description: fmt.Sprintf("Free database storage below %g GiB, a tenth of the %d GiB autoscaling cap (db_max_allocated_storage). Storage grows by itself up to the cap; at the cap this is the warning before the database stops accepting writes. First check: the instance's allocated storage against the cap, then what grew (tables, binary logs); raise db_max_allocated_storage.", t.DBFreeStorageBytes/gib, s.DBMaxAllocatedStorageGiB),
			Metric:      Metric{rds, "FreeStorageSpace", "Minimum", db},
			Comparison:  below, Threshold: t.DBFreeStorageBytes, Period: 300, EvaluationPeriods: 1, DatapointsToAlarm: 1, MissingData: "notBreaching",
		},
		{
			ID: "db-connections", Tier: tierDB,
			Description: fmt.Sprintf("Over %g database connections (80%% of the %s's default max_connections) for 10 minutes. First check: PHP-FPM's error log group (workers stuck on slow queries hold connections) and the slow query log.", t.DBConnections, s.DBInstanceClass),
			Metric:      Metric{rds, "DatabaseConnections", "Maximum", db},
			Comparison:  above, Threshold: t.DBConnections, Period: 300, EvaluationPeriods: 2, DatapointsToAlarm: 2, MissingData: "notBreaching",
		},
		{
			ID: "efs-io-limit", Tier: tierFS,
			Description: "The file system has been above 90% of its I/O limit for 15 minutes: every page load waits on it. First check: OPcache (it should serve PHP files from memory), then a plugin writing many small files (caches, logs) to the web root.",
			Metric:      Metric{efs, "PercentIOLimit", "Maximum", fs},
			Comparison:  above, Threshold: 90, Period: 300, EvaluationPeriods: 3, DatapointsToAlarm: 3, MissingData: "notBreaching",
		},
		{
			ID: "efs-throughput", Tier: tierFS,
			Description: "The file system has used over 80% of its permitted throughput (elastic throughput's limit) for 15 minutes. First check: what reads or writes in bulk (backups, media uploads, a cache plugin on the web root).",
			Expression:  "IF(m2 > 0, 100 * (m1 / PERIOD(m1)) / m2, 0)",
			Inputs: []Metric{
				{efs, "MeteredIOBytes", "Sum", fs},
				{efs, "PermittedThroughput", "Average", fs},
			},
			Comparison: above, Threshold: 80, Period: 300, EvaluationPeriods: 3, DatapointsToAlarm: 3, MissingData: "notBreaching",
		},
		{
			ID: "efs-clients", Tier: tierFS,
			Description: fmt.Sprintf("Fewer than min_size (%d) clients have mounted the file system for 15 minutes: servers run without the web root. First check: the boot log group for mount errors, the InternalEFS security group and the mount targets.", s.MinSize),
			// One connection per mounting server, reported each minute.
			Metric:     Metric{efs, "ClientConnections", "Sum", fs},
			Comparison: below, Threshold: float64(s.MinSize), Period: 60, EvaluationPeriods: 15, DatapointsToAlarm: 15, MissingData: "breaching",
		},
	}
	if w.Mail {
		const ses = "AWS/SES"
		alarms = append(alarms, Alarm{
			ID: "ses-bounce-rate", Tier: tierMail,
			Description: fmt.Sprintf("The account's SES bounce rate reached %g%%, where SES puts sending under review (it may pause it at 10%%). First check: the addresses WordPress mails (registrations, comment notifications, the admin e-mail) and the SES console's reputation page.", sesBounceReview*100),
			Metric:      Metric{ses, "Reputation.BounceRate", "Maximum", nil},
			Comparison:  atLeast, Threshold: sesBounceReview, Period: 3600, EvaluationPeriods: 1, DatapointsToAlarm: 1, MissingData: "notBreaching",
		}, Alarm{
			ID: "ses-complaint-rate", Tier: tierMail,
			Description: fmt.Sprintf("The account's SES complaint rate reached %g%%, where SES puts sending under review (it may pause it at 0.5%%). First check: what the site mails unasked (notifications, newsletters of a plugin) and the SES console's reputation page.", sesComplaintReview*100),
			Metric:      Metric{ses, "Reputation.ComplaintRate", "Maximum", nil},
			Comparison:  atLeast, Threshold: sesComplaintReview, Period: 3600, EvaluationPeriods: 1, DatapointsToAlarm: 1, MissingData: "notBreaching",
		})
	}
	return alarms
}

// Check reports an alarm that CloudWatch would reject or that would leave
// its reader without a first step.
func (a Alarm) Check() error {
	switch {
	case (a.Expression == "") != (len(a.Inputs) == 0):
		return fmt.Errorf("alarm %s: want an expression with inputs, or neither", a.ID)
	case a.Expression == "" && a.Metric.Name == "":
		return fmt.Errorf("alarm %s: no metric", a.ID)
	case a.Period < 60 || a.Period%60 != 0:
		return fmt.Errorf("alarm %s: period %d, want a multiple of 60 seconds", a.ID, a.Period)
	case a.DatapointsToAlarm < 1 || a.DatapointsToAlarm > a.EvaluationPeriods:
		return fmt.Errorf("alarm %s: %d of %d datapoints, want 1 to the evaluation periods", a.ID, a.DatapointsToAlarm, a.EvaluationPeriods)
	case !strings.Contains(a.Description, "First check:"):
		return fmt.Errorf("alarm %s: description does not say what to check first", a.ID)
	case len(a.Description) > 1024:
		return fmt.Errorf("alarm %s: description of %d characters, want at most 1024", a.ID, len(a.Description))
	}
	return nil
}
