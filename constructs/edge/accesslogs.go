package edge

import (
	"encoding/json"
	"fmt"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/s3bucket"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/s3bucketlifecycleconfiguration"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/s3bucketownershipcontrols"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/s3bucketpolicy"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/s3bucketpublicaccessblock"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/s3bucketserversideencryptionconfiguration"

	"github.com/wordpress-cdktf/resilient-wordpress/constructs/network"
)

// DefaultAccessLogRetentionDays is how long access logs are kept by default.
const DefaultAccessLogRetentionDays = 90

// CheckAccessLogRetention reports an expiry S3 would refuse or that keeps
// logs for over ten years.
func CheckAccessLogRetention(days int) error {
	if days < 1 || days > 3650 {
		return fmt.Errorf("got %d, want 1 to 3650 days", days)
	}
	return nil
}

// AccessLogPrefix is the key prefix of the load balancer's access logs in
// their bucket; the load balancer appends AWSLogs/<account>/elasticloadbalancing/….
const AccessLogPrefix = "alb"

// elbLogAccounts are the accounts that deliver load balancer access logs in
// the regions opened before August 2022. Newer regions deliver as the log
// delivery service principal instead.
var elbLogAccounts = map[string]string{
	"us-east-1": "127311923021", "us-east-2": "033677994240", "us-west-1": "027434742980", "us-west-2": "797873946194",
	"af-south-1": "098369216593", "ap-east-1": "754344448648", "ap-southeast-3": "589379963580", "ap-south-1": "718504428378",
	"ap-northeast-3": "383597477331", "ap-northeast-2": "600734575887", "ap-southeast-1": "114774131450",
	"ap-southeast-2": "783225319266", "ap-northeast-1": "582318560864", "ca-central-1": "985666609251",
	"eu-central-1": "054676820928", "eu-west-1": "156460612806", "eu-west-2": "652711504416", "eu-south-1": "635631232127",
	"eu-west-3": "009996457667", "eu-north-1": "897822967062", "me-south-1": "076674570225", "sa-east-1": "507241528517",
	"us-gov-west-1": "048591011584", "us-gov-east-1": "190560391635", "cn-north-1": "638102146993", "cn-northwest-1": "037604701340",
}

// logDeliveryPrincipal is who writes a region's access logs: the region's
// ELB account, or the log delivery service in newer regions.
func logDeliveryPrincipal(region string) map[string]string {
	if acct, ok := elbLogAccounts[region]; ok {
		return map[string]string{"AWS": fmt.Sprintf("arn:%s:iam::%s:root", network.Partition(region), acct)}
	}
	return map[string]string{"Service": "logdelivery.elasticloadbalancing.amazonaws.com"}
}

type statement struct {
	Sid       string            `json:"Sid"`
	Effect    string            `json:"Effect"`
	Principal map[string]string `json:"Principal"`
	Action    string            `json:"Action"`
	Resource  []string          `json:"Resource"`
	Condition map[string]any    `json:"Condition,omitempty"`
}

// accessLogBucketPolicy lets the region's log delivery write under prefix,
// and refuses every request without TLS.
func accessLogBucketPolicy(region, bucketARN string) string {
	doc := map[string]any{"Version": "2012-10-17", "Statement": []statement{
		{
			Sid: "LoadBalancerLogDelivery", Effect: "Allow", Principal: logDeliveryPrincipal(region),
			Action: "s3:PutObject", Resource: []string{bucketARN + "/" + AccessLogPrefix + "/AWSLogs/*"},
		},
		{
			Sid: "TLSOnly", Effect: "Deny", Principal: map[string]string{"AWS": "*"},
			Action: "s3:*", Resource: []string{bucketARN, bucketARN + "/*"},
			Condition: map[string]any{"Bool": map[string]string{"aws:SecureTransport": "false"}},
		},
	}}
	b, err := json.Marshal(doc)
	if err != nil {
		panic(fmt.Errorf("edge: access log bucket policy: %w", err)) // plain strings always marshal
	}
	return string(b)
}

// newAccessLogBucket builds the private, encrypted, TLS-only bucket the load
// balancer writes its access logs to, expiring them after retentionDays. It
// returns the bucket and its policy, which the load balancer must wait for:
// enabling access logs fails while the bucket refuses the writes.
func newAccessLogBucket(c constructs.Construct, cfg LoadBalancerConfig) (s3bucket.S3Bucket, s3bucketpolicy.S3BucketPolicy) {
	bucket := s3bucket.NewS3Bucket(c, jsii.String("access-logs"), &s3bucket.S3BucketConfig{
		// Bucket names are global: AWS appends a unique suffix.
		BucketPrefix: jsii.String(cfg.Name + "-alb-logs-"),
		ForceDestroy: jsii.Bool(cfg.AllowDestroyLogs),
		Tags:         &map[string]*string{"Name": jsii.String(cfg.Name + "-alb-logs")},
	})
	s3bucketpublicaccessblock.NewS3BucketPublicAccessBlock(c, jsii.String("access-logs.public-access-block"), &s3bucketpublicaccessblock.S3BucketPublicAccessBlockConfig{
		Bucket:                bucket.Id(),
		BlockPublicAcls:       jsii.Bool(true),
		BlockPublicPolicy:     jsii.Bool(true),
		IgnorePublicAcls:      jsii.Bool(true),
		RestrictPublicBuckets: jsii.Bool(true),
	})
	s3bucketownershipcontrols.NewS3BucketOwnershipControls(c, jsii.String("access-logs.ownership"), &s3bucketownershipcontrols.S3BucketOwnershipControlsConfig{
		Bucket: bucket.Id(),
		Rule:   &s3bucketownershipcontrols.S3BucketOwnershipControlsRule{ObjectOwnership: jsii.String("BucketOwnerEnforced")},
	})
	// Load balancer log delivery supports S3-managed keys only.
	s3bucketserversideencryptionconfiguration.NewS3BucketServerSideEncryptionConfigurationA(c, jsii.String("access-logs.encryption"), &s3bucketserversideencryptionconfiguration.S3BucketServerSideEncryptionConfigurationAConfig{
		Bucket: bucket.Id(),
		Rule: &[]*s3bucketserversideencryptionconfiguration.S3BucketServerSideEncryptionConfigurationRuleA{{
			ApplyServerSideEncryptionByDefault: &s3bucketserversideencryptionconfiguration.S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA{
				SseAlgorithm: jsii.String("AES256"),
			},
		}},
	})
	s3bucketlifecycleconfiguration.NewS3BucketLifecycleConfiguration(c, jsii.String("access-logs.expiry"), &s3bucketlifecycleconfiguration.S3BucketLifecycleConfigurationConfig{
		Bucket: bucket.Id(),
		Rule: &[]*s3bucketlifecycleconfiguration.S3BucketLifecycleConfigurationRule{{
			Id:     jsii.String("expire-access-logs"),
			Status: jsii.String("Enabled"),
			Filter: &s3bucketlifecycleconfiguration.S3BucketLifecycleConfigurationRuleFilter{Prefix: jsii.String(AccessLogPrefix + "/")},
			Expiration: &s3bucketlifecycleconfiguration.S3BucketLifecycleConfigurationRuleExpiration{
				Days: jsii.Number(cfg.AccessLogRetentionDays),
			},
			AbortIncompleteMultipartUpload: &s3bucketlifecycleconfiguration.S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload{
				DaysAfterInitiation: jsii.Number(1),
			},
		}},
	})
	policy := s3bucketpolicy.NewS3BucketPolicy(c, jsii.String("access-logs.policy"), &s3bucketpolicy.S3BucketPolicyConfig{
		Bucket: bucket.Id(),
		// The network's region is the load balancer's.
		Policy: jsii.String(accessLogBucketPolicy(cfg.Network.Region(), *bucket.Arn())),
	})
	return bucket, policy
}
