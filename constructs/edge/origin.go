package edge

import (
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
)

// OriginHeader carries the origin secret from CloudFront to the load
// balancer, whose listener forwards only requests that bear it.
const OriginHeader = "X-Origin-Verify"

// NewOriginSecret returns a random value, drawn once when the stack is
// first applied and kept in Terraform state afterwards: Terraform's uuid()
// (122 random bits) fed to a built-in terraform_data resource that ignores
// later changes of its input. It needs no provider beyond Terraform itself
// and no call to AWS, so the stack still plans offline.
//
// The secret proves a request came through this stack's distribution: the
// prefix list alone admits every CloudFront distribution, any account's.
// Replacing the resource (terraform apply
// -replace=terraform_data.origin_secret) rotates the secret; until
// CloudFront has deployed the new value, the load balancer answers 403.
func NewOriginSecret(scope constructs.Construct, id string) *string {
	r := cdktf.NewTerraformResource(scope, jsii.String(id), &cdktf.TerraformResourceConfig{
		TerraformResourceType: jsii.String("terraform_data"),
		Lifecycle:             &cdktf.TerraformResourceLifecycle{IgnoreChanges: jsii.Strings("input")},
	})
	r.AddOverride(jsii.String("input"), jsii.String("${uuid()}"))
	return r.GetStringAttribute(jsii.String("output"))
}
