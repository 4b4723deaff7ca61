// Package operations makes the stack operable from its first day: one
// encrypted SNS topic per environment that every signal goes to (with
// optional e-mail subscriptions), CloudWatch alarms on the load balancer,
// the web servers, the database and the file system, EventBridge rules for
// auto scaling launch and terminate failures and for failed backups, an RDS
// event subscription, a dashboard laid out by tier, and an AWS Backup plan
// for the database and the file system.
//
// It needs the typed results of the other tiers: the load balancer and
// target group (edge), the auto scaling group (web), the database instance
// and the file system (data). No tier needs it.
package operations

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/cloudwatchdashboard"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/cloudwatcheventrule"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/cloudwatcheventtarget"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/cloudwatchmetricalarm"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dbeventsubscription"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/kmsalias"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/kmskey"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/kmskeypolicy"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/snstopic"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/snstopicpolicy"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/snstopicsubscription"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/wordpress-cdktf/resilient-wordpress/constructs/data"
	"github.com/wordpress-cdktf/resilient-wordpress/constructs/edge"
	"github.com/wordpress-cdktf/resilient-wordpress/constructs/network"
	"github.com/wordpress-cdktf/resilient-wordpress/constructs/operations/alarmplan"
	"github.com/wordpress-cdktf/resilient-wordpress/constructs/web"
	"github.com/wordpress-cdktf/resilient-wordpress/constructs/web/bootscript"
)

// OperationsConfig describes what to watch and where to send what is seen.
type OperationsConfig struct {
	// Name is "<project>-<environment>", the prefix of every name. Required.
	Name string
	// Region is the stack's region, for the dashboard's console URL. Required.
	Region string
	// LoadBalancer, Web, Database and FileSystem are watched. Required.
	LoadBalancer *edge.LoadBalancer
	Web          *web.Web
	Database     *data.Database
	FileSystem   *data.FileSystem
	// AlarmEmails are subscribed to the topic; each address confirms by mail.
	// Default: none
	AlarmEmails []string
	// Backup configures the AWS Backup plan.
	// Default: see BackupConfig
	Backup BackupConfig
}

// Operations is the built day-2 tooling.
type Operations struct {
	constructs.Construct
	// Topic receives every alarm, event and backup failure.
	Topic snstopic.SnsTopic
	// Key encrypts the topic and the backup vault.
	Key kmskey.KmsKey
	// Alarms by construct ID.
	Alarms    map[string]cloudwatchmetricalarm.CloudwatchMetricAlarm
	Dashboard cloudwatchdashboard.CloudwatchDashboard
	// DashboardURL opens the dashboard in the console.
	DashboardURL string
	Backup       *Backup
}

// CheckAlarmEmails reports each entry that is not an e-mail address (the
// web tier's rule), and each address listed twice.
func CheckAlarmEmails(emails []string) []error {
	var errs []error
	seen := map[string]bool{}
	for _, e := range emails {
		if err := bootscript.CheckEmail(e); err != nil {
			errs = append(errs, err)
		} else if seen[strings.ToLower(e)] {
			errs = append(errs, fmt.Errorf("got %q, want each address once", e))
		}
		seen[strings.ToLower(e)] = true
	}
	return errs
}

// validate checks a configuration after withDefaults and returns every
// problem at once.
func (cfg OperationsConfig) validate() error {
	var errs []error
	for _, r := range []struct {
		field string
		set   bool
	}{
		{"name", cfg.Name != ""}, {"load balancer", cfg.LoadBalancer != nil}, {"web", cfg.Web != nil},
		{"database", cfg.Database != nil}, {"file system", cfg.FileSystem != nil},
	} {
		if !r.set {
			errs = append(errs, fmt.Errorf("%s: required", r.field))
		}
	}
	if err := network.CheckRegion(cfg.Region); err != nil {
		errs = append(errs, fmt.Errorf("region: %w", err))
	}
	for _, err := range CheckAlarmEmails(cfg.AlarmEmails) {
		errs = append(errs, fmt.Errorf("alarm emails: %w", err))
	}
	if err := cfg.Backup.validate(cfg.Region); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// NewOperations builds the topic, alarms, event rules, dashboard and
// backups. It panics on an invalid configuration.
func NewOperations(scope constructs.Construct, id string, cfg OperationsConfig) *Operations {
	cfg.Backup = cfg.Backup.withDefaults()
	if err := cfg.validate(); err != nil {
		panic(fmt.Errorf("operations %q: invalid configuration: %w", id, err))
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	o := &Operations{Construct: c, Alarms: map[string]cloudwatchmetricalarm.CloudwatchMetricAlarm{}}

	o.newTopic(c, cfg)
	topic := []*string{o.Topic.Arn()}

	watched := alarmplan.Watched{
		LoadBalancer:     *cfg.LoadBalancer.ARNSuffix(),
		TargetGroup:      *cfg.LoadBalancer.TargetGroupARNSuffix(),
		AutoScalingGroup: *cfg.Web.GroupName(),
		DBInstance:       *cfg.Database.Identifier(),
		FileSystem:       *cfg.FileSystem.ID(),
		Mail:             cfg.Web.SendsMail(),
	}
	db := cfg.Database.Sizing()
	sizing := alarmplan.Sizing{DBInstanceClass: db.InstanceClass, DBMaxAllocatedStorageGiB: db.MaxAllocatedStorageGiB}
	sizing.MinSize, sizing.MaxSize = cfg.Web.Size()
	specs := alarmplan.Alarms(watched, sizing)
	for _, a := range specs {
		if err := a.Check(); err != nil {
			panic(fmt.Errorf("operations %q: %w", id, err))
		}
		o.Alarms[a.ID] = newAlarm(c, cfg.Name, a, topic)
	}

	// Launch and terminate failures are events, not metrics: a group that
	// cycles failing launches keeps its in-service count and trips no alarm.
	newEventRule(c, "asg-failures", cfg.Name+"-asg-failures", "Auto scaling launch or terminate failures of the web server group", map[string]any{
		"source":      []string{"aws.autoscaling"},
		"detail-type": []string{"EC2 Instance Launch Unsuccessful", "EC2 Instance Terminate Unsuccessful"},
		"detail":      map[string]any{"AutoScalingGroupName": []string{watched.AutoScalingGroup}},
	}, o.Topic)

	dbeventsubscription.NewDbEventSubscription(c, jsii.String("database-events"), &dbeventsubscription.DbEventSubscriptionConfig{
		Name:            jsii.String(cfg.Name + "-db-events"),
		SnsTopic:        o.Topic.Arn(),
		SourceType:      jsii.String("db-instance"),
		SourceIds:       &[]*string{cfg.Database.Identifier()},
		EventCategories: jsii.Strings(dbEventCategories...),
	})

	o.Backup = newBackup(c, cfg, o)

	o.Dashboard = cloudwatchdashboard.NewCloudwatchDashboard(c, jsii.String("overview"), &cloudwatchdashboard.CloudwatchDashboardConfig{
		DashboardName: jsii.String(cfg.Name),
		DashboardBody: jsii.String(mustJSON(alarmplan.Dashboard(cfg.Region, specs, o.alarmARNs(specs)))),
	})
	o.DashboardURL = DashboardURL(cfg.Region, cfg.Name)
	return o
}

// DashboardURL is the console address of the dashboard called name.
func DashboardURL(region, name string) string {
	return fmt.Sprintf("https://%s.console.aws.amazon.com/cloudwatch/home?region=%s#dashboards:name=%s", region, region, name)
}

// dbEventCategories are the RDS events worth a message: the instance
// failing, failing over to its standby, running out of storage, or being
// taken down for maintenance.
var dbEventCategories = []string{"availability", "failover", "failure", "low storage", "maintenance", "recovery"}

// arnPart extracts part i of an ARN known only after apply (1: partition,
// 4: account), so that policies need no data source that would call AWS.
func arnPart(arn *string, i int) string {
	return *cdktf.Token_AsString(cdktf.Fn_Element(cdktf.Fn_Split(jsii.String(":"), arn), jsii.Number(i)), nil)
}

// newTopic builds the customer managed key, the topic and its policy, and
// the e-mail subscriptions. The AWS managed SNS key will not do: its key
// policy cannot grant CloudWatch, EventBridge or RDS the right to encrypt
// messages, so alarms would silently fail to publish.
func (o *Operations) newTopic(c constructs.Construct, cfg OperationsConfig) {
	o.Key = kmskey.NewKmsKey(c, jsii.String("operations"), &kmskey.KmsKeyConfig{
		Description:          jsii.String("Alarm topic and backup vault of " + cfg.Name),
		EnableKeyRotation:    jsii.Bool(true),
		DeletionWindowInDays: jsii.Number(30),
		Tags:                 nameTag(cfg.Name + "-operations"),
	})
	alias := kmsalias.NewKmsAlias(c, jsii.String("operations.alias"), &kmsalias.KmsAliasConfig{
		Name:        jsii.String("alias/" + cfg.Name + "-operations"),
		TargetKeyId: o.Key.KeyId(),
	})
	partition, account := arnPart(o.Key.Arn(), 1), arnPart(o.Key.Arn(), 4)
	root := fmt.Sprintf("arn:%s:iam::%s:root", partition, account)
	// The key's policy is its own resource: it names the key's account,
	// which the key's ARN gives only once the key exists.
	kmskeypolicy.NewKmsKeyPolicy(c, jsii.String("operations.policy"), &kmskeypolicy.KmsKeyPolicyConfig{
		KeyId: o.Key.KeyId(),
		Policy: jsii.String(mustJSON(policy(
			// The account administers the key through IAM, as with a default key policy.
			statement{Sid: "AccountAdministers", Effect: "Allow", Principal: map[string]any{"AWS": root}, Action: []string{"kms:*"}, Resource: "*"},
			statement{
				Sid: "ServicesEncryptTopicMessages", Effect: "Allow",
				Principal: map[string]any{"Service": publishers},
				Action:    []string{"kms:GenerateDataKey*", "kms:Decrypt"},
				Resource:  "*",
				Condition: map[string]any{"StringEquals": map[string]string{"aws:SourceAccount": account}},
			},
		))),
	})

	o.Topic = snstopic.NewSnsTopic(c, jsii.String("alarms"), &snstopic.SnsTopicConfig{
		Name:        jsii.String(cfg.Name + "-alarms"),
		DisplayName: jsii.String("WordPress " + cfg.Name),
		// By alias: its name is known at plan time, so a plan review (and
		// trivy's plan scan) sees the topic's key; the reference orders the
		// alias first.
		KmsMasterKeyId: alias.Name(),
		Tags:           nameTag(cfg.Name + "-alarms"),
	})
	snstopicpolicy.NewSnsTopicPolicy(c, jsii.String("alarms.policy"), &snstopicpolicy.SnsTopicPolicyConfig{
		Arn: o.Topic.Arn(),
		Policy: jsii.String(mustJSON(policy(
			statement{
				Sid: "AccountManages", Effect: "Allow", Principal: map[string]any{"AWS": root},
				Action:   []string{"sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:Subscribe", "sns:ListSubscriptionsByTopic", "sns:Publish"},
				Resource: *o.Topic.Arn(),
			},
			statement{
				Sid: "ServicesPublish", Effect: "Allow", Principal: map[string]any{"Service": publishers},
				Action: []string{"sns:Publish"}, Resource: *o.Topic.Arn(),
				Condition: map[string]any{"StringEquals": map[string]string{"aws:SourceAccount": account}},
			},
			statement{
				Sid: "TLSOnly", Effect: "Deny", Principal: map[string]any{"AWS": "*"},
				Action: []string{"sns:Publish"}, Resource: *o.Topic.Arn(),
				Condition: map[string]any{"Bool": map[string]string{"aws:SecureTransport": "false"}},
			},
		))),
	})

	emails := slices.Sorted(slices.Values(cfg.AlarmEmails))
	for _, e := range slices.Compact(emails) {
		snstopicsubscription.NewSnsTopicSubscription(c, jsii.String("email-"+idOf(e)), &snstopicsubscription.SnsTopicSubscriptionConfig{
			TopicArn: o.Topic.Arn(),
			Protocol: jsii.String("email"),
			Endpoint: jsii.String(e),
		})
	}
}

// publishers are the services that send to the topic: alarms, EventBridge
// rules, RDS event subscriptions and AWS Backup.
var publishers = []string{"cloudwatch.amazonaws.com", "events.amazonaws.com", "events.rds.amazonaws.com", "backup.amazonaws.com"}

// idOf turns an address into a construct ID: letters, digits and hyphens.
func idOf(s string) string {
	return strings.Trim(regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(strings.ToLower(s), "-"), "-")
}

func newAlarm(c constructs.Construct, name string, a alarmplan.Alarm, topic []*string) cloudwatchmetricalarm.CloudwatchMetricAlarm {
	cfg := &cloudwatchmetricalarm.CloudwatchMetricAlarmConfig{
		AlarmName:          jsii.String(name + "-" + a.ID),
		AlarmDescription:   jsii.String(a.Description),
		ComparisonOperator: jsii.String(a.Comparison),
		Threshold:          jsii.Number(a.Threshold),
		EvaluationPeriods:  jsii.Number(a.EvaluationPeriods),
		DatapointsToAlarm:  jsii.Number(a.DatapointsToAlarm),
		TreatMissingData:   jsii.String(a.MissingData),
		AlarmActions:       &topic,
		OkActions:          &topic,
		Tags:               nameTag(name + "-" + a.ID),
	}
	if a.Expression == "" {
		cfg.Namespace = jsii.String(a.Metric.Namespace)
		cfg.MetricName = jsii.String(a.Metric.Name)
		cfg.Period = jsii.Number(a.Period)
		cfg.Dimensions = dimensions(a.Metric.Dimensions)
		if strings.HasPrefix(a.Metric.Stat, "p") {
			cfg.ExtendedStatistic = jsii.String(a.Metric.Stat)
		} else {
			cfg.Statistic = jsii.String(a.Metric.Stat)
		}
	} else {
		queries := []*cloudwatchmetricalarm.CloudwatchMetricAlarmMetricQuery{{
			Id: jsii.String("e1"), Expression: jsii.String(a.Expression), Label: jsii.String(a.ID), ReturnData: jsii.Bool(true),
		}}
		for i, m := range a.Inputs {
			queries = append(queries, &cloudwatchmetricalarm.CloudwatchMetricAlarmMetricQuery{
				Id: jsii.String(fmt.Sprintf("m%d", i+1)),
				Metric: &cloudwatchmetricalarm.CloudwatchMetricAlarmMetricQueryMetric{
					Namespace: jsii.String(m.Namespace), MetricName: jsii.String(m.Name), Stat: jsii.String(m.Stat),
					Period: jsii.Number(a.Period), Dimensions: dimensions(m.Dimensions),
				},
			})
		}
		cfg.MetricQuery = &queries
	}
	return cloudwatchmetricalarm.NewCloudwatchMetricAlarm(c, jsii.String(a.ID), cfg)
}

func dimensions(d map[string]string) *map[string]*string {
	if len(d) == 0 {
		return nil // an account-wide metric (SES reputation)
	}
	out := map[string]*string{}
	for k, v := range d {
		out[k] = jsii.String(v)
	}
	return &out
}

// newEventRule sends the events matching pattern to the topic.
func newEventRule(c constructs.Construct, id, name, description string, pattern map[string]any, topic snstopic.SnsTopic) {
	rule := cloudwatcheventrule.NewCloudwatchEventRule(c, jsii.String(id), &cloudwatcheventrule.CloudwatchEventRuleConfig{
		Name:         jsii.String(name),
		Description:  jsii.String(description),
		EventPattern: jsii.String(mustJSON(pattern)),
	})
	cloudwatcheventtarget.NewCloudwatchEventTarget(c, jsii.String(id+".target"), &cloudwatcheventtarget.CloudwatchEventTargetConfig{
		Rule: rule.Name(),
		Arn:  topic.Arn(),
	})
}

func (o *Operations) alarmARNs(specs []alarmplan.Alarm) []string {
	var out []string
	for _, a := range specs {
		out = append(out, *o.Alarms[a.ID].Arn())
	}
	return out
}

type statement struct {
	Sid       string         `json:"Sid"`
	Effect    string         `json:"Effect"`
	Principal map[string]any `json:"Principal,omitempty"`
	Action    []string       `json:"Action"`
	Resource  any            `json:"Resource"`
	Condition map[string]any `json:"Condition,omitempty"`
}

func policy(s ...statement) map[string]any {
	return map[string]any{"Version": "2012-10-17", "Statement": s}
}

// mustJSON marshals plain values (tokens included), which cannot fail.
// HTML escaping is off so that expressions read as written (">", not "\u003e").
func mustJSON(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(fmt.Errorf("operations: marshal: %w", err))
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func nameTag(name string) *map[string]*string {
	return &map[string]*string{"Name": jsii.String(name)}
}
