package security_test

// These tests synthesize the network and security tiers only.

import (
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/wordpress-cdktf/resilient-wordpress/constructs/network"
	"github.com/wordpress-cdktf/resilient-wordpress/constructs/security"
	"github.com/wordpress-cdktf/resilient-wordpress/internal/jsiiboot"
	"github.com/wordpress-cdktf/resilient-wordpress/internal/stacktest"
)

var stacks *stacktest.Set

func TestMain(m *testing.M) {
	build := func(cfg security.SecurityConfig) func(s cdktf.TerraformStack) {
		return func(s cdktf.TerraformStack) {
			cfg.Network = network.NewNetwork(s, "network", network.NetworkConfig{
				Name:              "wordpress-sec",
				AvailabilityZones: []string{"us-east-1a", "us-east-1b"},
			})
			security.NewSecurity(s, "security", cfg)
		}
	}
	stacks = stacktest.Start(
		stacktest.Case{Name: "security", Build: build(security.SecurityConfig{})},
		// Behind CloudFront, with the object cache.
		stacktest.Case{Name: "front", Build: build(security.SecurityConfig{CloudFrontPrefixListID: "pl-3b927c52", ObjectCache: true})},
		// Behind CloudFront connecting over HTTPS.
		stacktest.Case{Name: "front-https", Build: build(security.SecurityConfig{CloudFrontPrefixListID: "pl-3b927c52", CloudFrontHTTPS: true, ObjectCache: true})},
	)
	jsiiboot.Exit(m.Run())
}

func TestSecurityGroups(t *testing.T) {
	stack := stacks.Get(t, "security")
	byName, _ := stack.GroupRefs(t)
	if diff := cmp.Diff([]string{"ExternalWeb", "InternalData", "InternalEFS", "InternalWeb"}, stacktest.SortedNames(byName)); diff != "" {
		t.Errorf("security groups (-want +got):\n%s", diff)
	}
	vpcName, _ := stack.Only(t, "aws_vpc")
	for _, g := range stack.Resources(t, "aws_security_group") {
		n := g["name"]
		if d, _ := g["description"].(string); d == "" {
			t.Errorf("security group %s has no description", n)
		}
		if g["ingress"] != nil || g["egress"] != nil {
			t.Errorf("security group %s has inline rules; want separate rule resources", n)
		}
		if got, want := g["vpc_id"], stacktest.Ref("aws_vpc", vpcName, "id"); got != want {
			t.Errorf("security group %s in VPC %v, want %s", n, got, want)
		}
	}
}

func TestRulesAreLeastPrivilege(t *testing.T) {
	stack := stacks.Get(t, "security")
	want := []string{
		"ExternalWeb in 443 0.0.0.0/0",
		"ExternalWeb in 80 0.0.0.0/0",
		"ExternalWeb out 443 InternalWeb",
		"ExternalWeb out 80 InternalWeb",
		"InternalData in 3306 InternalWeb",
		"InternalEFS in 2049 InternalEFS",
		"InternalWeb in 443 ExternalWeb",
		"InternalWeb in 80 ExternalWeb",
		"InternalWeb out 2049 InternalEFS",
		"InternalWeb out 3306 InternalData",
		"InternalWeb out 443 0.0.0.0/0",
		"InternalWeb out 80 0.0.0.0/0",
	}
	if diff := cmp.Diff(want, stack.Rules(t)); diff != "" {
		t.Errorf("rules (-want +got):\n%s", diff)
	}
	for _, typ := range stacktest.RuleTypes {
		for name, r := range stack.Resources(t, typ) {
			if d, _ := r["description"].(string); d == "" {
				t.Errorf("rule %s has no description", name)
			}
			if r["ip_protocol"] != "tcp" || r["from_port"] != r["to_port"] {
				t.Errorf("rule %s: got protocol %v ports %v-%v, want one tcp port", name, r["ip_protocol"], r["from_port"], r["to_port"])
			}
		}
	}
}

// TestFrontRules: behind CloudFront the load balancer admits CloudFront's
// prefix list on one port only (80, or 443 when CloudFront connects over
// HTTPS), and the object cache admits the web servers only; every other
// rule stays as it is without them. The rule on 443 takes over the one on
// 80 with a moved block, for environments deployed before.
func TestFrontRules(t *testing.T) {
	plain := stacks.Get(t, "security").Rules(t)
	for _, tt := range []struct {
		stack, port string
		moved       []any
	}{
		{"front", "80", nil},
		{"front-https", "443", []any{map[string]any{
			"from": "aws_vpc_security_group_ingress_rule.external_web_http_from_cloudfront",
			"to":   "aws_vpc_security_group_ingress_rule.external_web_https_from_cloudfront",
		}}},
	} {
		t.Run(tt.stack, func(t *testing.T) {
			front := stacks.Get(t, tt.stack)
			byName, _ := front.GroupRefs(t)
			if diff := cmp.Diff([]string{"ExternalWeb", "InternalCache", "InternalData", "InternalEFS", "InternalWeb"}, stacktest.SortedNames(byName)); diff != "" {
				t.Errorf("security groups (-want +got):\n%s", diff)
			}
			var want []string
			for _, r := range plain {
				if r != "ExternalWeb in 443 0.0.0.0/0" && r != "ExternalWeb in 80 0.0.0.0/0" {
					want = append(want, r)
				}
			}
			want = append(want, "ExternalWeb in "+tt.port+" pl-3b927c52", "InternalCache in 6379 InternalWeb", "InternalWeb out 6379 InternalCache")
			sort.Strings(want)
			if diff := cmp.Diff(want, front.Rules(t)); diff != "" {
				t.Errorf("rules (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.moved, stacktest.AsSlice(front.JSON["moved"])); diff != "" {
				t.Errorf("moved blocks (-want +got):\n%s", diff)
			}
		})
	}
}
