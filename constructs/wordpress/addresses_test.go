package wordpress

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/provider"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/vpc"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
)

// TestNamedStackRefusesClashes: two constructs whose IDs give one address
// (here aws_vpc.main, from two scopes) must fail synthesis, naming both.
func TestNamedStackRefusesClashes(t *testing.T) {
	tests := []struct {
		name string
		ids  [2]string
		want []string // in the panic; nil: no panic
	}{
		{"distinct", [2]string{"main", "other"}, nil},
		{"same name from two scopes", [2]string{"main", "main"}, []string{"address aws_vpc.main", "s/one/main", "s/two/main"}},
		{"same name once disambiguated", [2]string{"main", "main.second"}, []string{"address aws_vpc.main"}},
		{"an index", [2]string{"main", "vpc-2"}, []string{`construct ID "vpc-2"`, "no index"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := recovered(func() {
				app := cdktf.NewApp(&cdktf.AppConfig{Outdir: jsii.String(t.TempDir())})
				stack := newNamedStack(app, "s")
				provider.NewAwsProvider(stack, jsii.String("aws"), &provider.AwsProviderConfig{Region: jsii.String("us-east-1")})
				for i, scope := range []string{"one", "two"} {
					c := constructs.NewConstruct(stack, jsii.String(scope))
					vpc.NewVpc(c, jsii.String(tt.ids[i]), &vpc.VpcConfig{CidrBlock: jsii.String("10.0.0.0/16")})
				}
				app.Synth()
				if err := stack.err(); err != nil {
					panic(err)
				}
			})
			if tt.want == nil {
				if got != "" {
					t.Fatalf("synth panicked: %s", got)
				}
				return
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("panic %q does not mention %q", got, w)
				}
			}
		})
	}
}

func recovered(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	f()
	return ""
}
