package edge

// CloudFrontPrefixLists is the ID, per region, of the AWS-managed prefix list
// com.amazonaws.global.cloudfront.origin-facing: the addresses CloudFront
// connects to origins from. The IDs are fixed per region and published by
// AWS ("Limit access to your origins using the AWS-managed prefix list for
// Amazon CloudFront", AWS Networking & Content Delivery blog, 2022). They
// are pinned here instead of looked up with the aws_ec2_managed_prefix_list
// data source, which would call AWS at plan time: the stacks plan offline.
// A region missing here takes its ID from the cloudfront_prefix_list_id
// configuration key (aws ec2 describe-managed-prefix-lists --filters
// Name=prefix-list-name,Values=com.amazonaws.global.cloudfront.origin-facing).
var CloudFrontPrefixLists = map[string]string{
	"ap-northeast-1": "pl-58a04531",
	"ap-northeast-2": "pl-22a6434b",
	"ap-northeast-3": "pl-31a14458",
	"ap-south-1":     "pl-9aa247f3",
	"ap-southeast-1": "pl-31a34658",
	"ap-southeast-2": "pl-b8a742d1",
	"ca-central-1":   "pl-38a64351",
	"eu-central-1":   "pl-a3a144ca",
	"eu-north-1":     "pl-fab65393",
	"eu-west-1":      "pl-4fa04526",
	"eu-west-2":      "pl-93a247fa",
	"eu-west-3":      "pl-75b1541c",
	"sa-east-1":      "pl-5da64334",
	"us-east-1":      "pl-3b927c52",
	"us-east-2":      "pl-b6a144df",
	"us-west-1":      "pl-4ea04527",
	"us-west-2":      "pl-82a045eb",
}
