package web

import (
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/cloudwatchloggroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrole"
)

// LogFile is a server log file the CloudWatch agent ships to a log group.
type LogFile struct {
	// Group is the log group's role, the last part of its name
	// ("/wordpress/<name>/<Group>") and its construct ID before "-log".
	Group string
	// Path is the file on the server.
	Path string
}

// LogFiles are the files shipped, grouped by what a reader looks for: one
// group per kind of log, one stream per server (its instance ID).
var LogFiles = []LogFile{
	{"apache-access", "/var/log/httpd/access_log"},
	{"apache-error", "/var/log/httpd/error_log"},
	{"php-fpm-error", "/var/log/php-fpm/error.log"},
	{"php-fpm-error", "/var/log/php-fpm/www-error.log"},
	{"boot", BootLogPath},
}

// BootLogPath is where the boot script writes its log.
const BootLogPath = "/var/log/wordpress-boot.log"

// DefaultLogRetentionDays is how long the servers' logs are kept by default.
const DefaultLogRetentionDays = 30

// LogGroupPrefix is what the names of the stack's server log groups start
// with, before "/<role>".
func LogGroupPrefix(name string) string { return "/wordpress/" + name }

// LogGroupName is the name of the log group of role for the stack name.
func LogGroupName(name, role string) string { return LogGroupPrefix(name) + "/" + role }

// logGroupRoles lists the distinct groups of LogFiles, in order.
func logGroupRoles() []string {
	var roles []string
	seen := map[string]bool{}
	for _, f := range LogFiles {
		if !seen[f.Group] {
			roles = append(roles, f.Group)
			seen[f.Group] = true
		}
	}
	return roles
}

// newLogGroups builds the servers' log groups and lets role write to them,
// and to nothing else.
func newLogGroups(c constructs.Construct, name string, retentionDays int, role iamrole.IamRole) []cloudwatchloggroup.CloudwatchLogGroup {
	var groups []cloudwatchloggroup.CloudwatchLogGroup
	var arns []string
	for _, r := range logGroupRoles() {
		g := cloudwatchloggroup.NewCloudwatchLogGroup(c, jsii.String(r+"-log"), &cloudwatchloggroup.CloudwatchLogGroupConfig{
			Name:            jsii.String(LogGroupName(name, r)),
			RetentionInDays: jsii.Number(retentionDays),
		})
		groups = append(groups, g)
		arns = append(arns, *g.Arn()+":*")
	}
	allow(c, "server-logs", "write-server-logs", role, statement{
		Effect: "Allow",
		// The agent creates one stream per server and appends to it; the
		// groups exist, so it needs no logs:CreateLogGroup.
		Action:   []string{"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"},
		Resource: arns,
	})
	return groups
}
