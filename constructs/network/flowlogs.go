package network

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/cloudwatchloggroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/flowlog"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrole"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrolepolicy"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/vpc"
)

// LogRetentionDays lists the retention periods CloudWatch Logs accepts. The
// rule lives here, in the lowest tier that keeps logs; every tier that keeps
// logs in CloudWatch Logs checks its retention with CheckLogRetention.
var LogRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// CheckLogRetention reports a retention CloudWatch Logs would refuse.
func CheckLogRetention(days int) error {
	if !slices.Contains(LogRetentionDays, days) {
		return fmt.Errorf("got %d, want a retention CloudWatch Logs accepts: %v", days, LogRetentionDays)
	}
	return nil
}

// newFlowLog records every accepted and rejected flow of the VPC in
// CloudWatch Logs: the evidence an incident review needs, and what shows a
// security group rule that blocks something it should not.
func newFlowLog(scope constructs.Construct, v vpc.Vpc, name string, retentionDays int) {
	group := cloudwatchloggroup.NewCloudwatchLogGroup(scope, jsii.String("flow-logs"), &cloudwatchloggroup.CloudwatchLogGroupConfig{
		Name:            jsii.String(fmt.Sprintf("/vpc/%s/flow-logs", name)),
		RetentionInDays: jsii.Number(retentionDays),
	})
	role := iamrole.NewIamRole(scope, jsii.String("flow-logs.role"), &iamrole.IamRoleConfig{
		Name:        jsii.String(name + "-vpc-flow-logs"),
		Description: jsii.String("VPC flow logs deliver to their log group"),
		AssumeRolePolicy: jsii.String(mustJSON(map[string]any{
			"Version": "2012-10-17",
			"Statement": []map[string]any{{
				"Effect": "Allow", "Action": "sts:AssumeRole",
				"Principal": map[string]string{"Service": "vpc-flow-logs.amazonaws.com"},
			}},
		})),
	})
	iamrolepolicy.NewIamRolePolicy(scope, jsii.String("flow-logs.policy"), &iamrolepolicy.IamRolePolicyConfig{
		Name: jsii.String("deliver-to-log-group"),
		Role: role.Id(),
		Policy: jsii.String(mustJSON(map[string]any{
			"Version": "2012-10-17",
			"Statement": []map[string]any{{
				"Effect":   "Allow",
				"Action":   []string{"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups", "logs:DescribeLogStreams"},
				"Resource": []string{*group.Arn(), *group.Arn() + ":*"},
			}},
		})),
	})
	flowlog.NewFlowLog(scope, jsii.String("vpc.flow-logs"), &flowlog.FlowLogConfig{
		VpcId:              v.Id(),
		TrafficType:        jsii.String("ALL"),
		LogDestinationType: jsii.String("cloud-watch-logs"),
		LogDestination:     group.Arn(),
		IamRoleArn:         role.Arn(),
		Tags:               nameTag(name),
	})
}

// mustJSON marshals a policy of plain strings (tokens included), which cannot fail.
func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Errorf("marshal policy: %w", err))
	}
	return string(b)
}
