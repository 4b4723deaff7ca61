package web

import (
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/cloudwatchloggroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrole"

	"github.com/wordpress-cdktf/resilient-wordpress/constructs/web/bootscript"
)

// DefaultLogRetentionDays is how long the servers' logs are kept by default.
const DefaultLogRetentionDays = 30

// LogGroupPrefix is what the names of the stack's server log groups start
// with, before "/<role>".
func LogGroupPrefix(name string) string { return "/wordpress/" + name }

// LogGroupName is the name of the log group of role for the stack name.
func LogGroupName(name, role string) string { return LogGroupPrefix(name) + "/" + role }

// logGroupRoles lists the distinct groups of bootscript.LogFiles, in order.
func logGroupRoles() []string {
	var roles []string
	seen := map[string]bool{}
	for _, f := range bootscript.LogFiles {
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
