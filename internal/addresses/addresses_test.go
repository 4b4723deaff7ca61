package addresses_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/provider"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/vpc"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/wordpress-cdktf/resilient-wordpress/internal/addresses"
	"github.com/wordpress-cdktf/resilient-wordpress/internal/jsiiboot"
)

func TestMain(m *testing.M) {
	jsiiboot.Enable() // before the first jsii call, as in main
	jsiiboot.Exit(m.Run())
}

// TestStackRefusesClashes: two constructs whose IDs give one address
// (here aws_vpc.main, from two scopes) must fail synthesis, naming both.
func TestStackRefusesClashes(t *testing.T) {
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
				stack := addresses.NewStack(app, "s")
				provider.NewAwsProvider(stack, jsii.String("aws"), &provider.AwsProviderConfig{Region: jsii.String("us-east-1")})
				for i, scope := range []string{"one", "two"} {
					c := constructs.NewConstruct(stack, jsii.String(scope))
					vpc.NewVpc(c, jsii.String(tt.ids[i]), &vpc.VpcConfig{CidrBlock: jsii.String("10.0.0.0/16")})
				}
				app.Synth()
				if err := stack.Err(); err != nil {
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

func TestName(t *testing.T) {
	tests := []struct {
		id, want string
		ok       bool
	}{
		{"app-a", "app_a", true},
		{"database", "database", true},
		{"database.subnet-group", "database", true},
		{"web-root.access-point", "web_root", true},
		{"internal-web-mysql-to-internal-data", "internal_web_mysql_to_internal_data", true},
		{"nat-0", "nat_0", false},
		{"m7g", "m7g", true}, // a word may hold digits
		{"web_2", "web_2", false},
		{"network_app-a_A0424B3D", "network_app_a_A0424B3D", false},
		{"App-A", "App_A", false},
		{"a--b", "a__b", false},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			got := addresses.Name(tt.id)
			if got != tt.want {
				t.Errorf("Name(%q) = %q, want %q", tt.id, got, tt.want)
			}
			if err := addresses.CheckName(got); (err == nil) != tt.ok {
				t.Errorf("CheckName(%q) = %v, want ok %v", got, err, tt.ok)
			}
		})
	}
}
