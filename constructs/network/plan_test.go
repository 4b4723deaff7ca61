package network_test

// PlanSubnets and ZoneLetter are plain functions: these tests need no
// synthesis.

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wordpress-cdktf/resilient-wordpress/constructs/network"
)

var (
	twoZones   = []string{"us-east-1a", "us-east-1b"}
	threeZones = []string{"us-east-1a", "us-east-1b", "us-east-1c"}
	sixZones   = []string{"us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f"}
)

// defaultPlan is the plan of a /16 VPC with /24 subnets in two zones.
var defaultPlan = []string{
	"public-a 10.0.0.0/24", "public-b 10.0.1.0/24",
	"app-a 10.0.8.0/24", "app-b 10.0.9.0/24",
	"data-a 10.0.16.0/24", "data-b 10.0.17.0/24",
}

// replaced is plan with the range of one key replaced.
func replaced(plan []string, key, cidr string) []string {
	out := make([]string, len(plan))
	for i, line := range plan {
		if k, _, _ := strings.Cut(line, " "); k == key {
			line = key + " " + cidr
		}
		out[i] = line
	}
	return out
}

// rendered is a plan as "key cidr" lines, in plan order.
func rendered(plans []network.SubnetPlan) []string {
	var out []string
	for _, p := range plans {
		out = append(out, p.Key+" "+p.CIDR)
	}
	return out
}

func messages(errs []error) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out
}

func TestPlanSubnets(t *testing.T) {
	tests := []struct {
		name      string
		cidr      string
		zones     []string
		prefix    int
		overrides map[string]string
		want      []string // "key cidr" in plan order; nil: not checked
		wantErrs  []string
	}{
		{
			name: "defaults", cidr: "10.0.0.0/16", zones: twoZones, prefix: 24,
			want: defaultPlan,
		},
		{
			name: "six zones fill each tier's first six slots", cidr: "10.0.0.0/16", zones: sixZones, prefix: 24,
			want: []string{
				"public-a 10.0.0.0/24", "public-b 10.0.1.0/24", "public-c 10.0.2.0/24", "public-d 10.0.3.0/24", "public-e 10.0.4.0/24", "public-f 10.0.5.0/24",
				"app-a 10.0.8.0/24", "app-b 10.0.9.0/24", "app-c 10.0.10.0/24", "app-d 10.0.11.0/24", "app-e 10.0.12.0/24", "app-f 10.0.13.0/24",
				"data-a 10.0.16.0/24", "data-b 10.0.17.0/24", "data-c 10.0.18.0/24", "data-d 10.0.19.0/24", "data-e 10.0.20.0/24", "data-f 10.0.21.0/24",
			},
		},
		{
			name: "/16 VPC, largest subnets", cidr: "10.0.0.0/16", zones: twoZones, prefix: 21,
			want: []string{
				"public-a 10.0.0.0/21", "public-b 10.0.8.0/21",
				"app-a 10.0.64.0/21", "app-b 10.0.72.0/21",
				"data-a 10.0.128.0/21", "data-b 10.0.136.0/21",
			},
		},
		{
			name: "/16 VPC, /28 subnets", cidr: "172.16.0.0/16", zones: twoZones, prefix: 28,
			want: []string{
				"public-a 172.16.0.0/28", "public-b 172.16.0.16/28",
				"app-a 172.16.0.128/28", "app-b 172.16.0.144/28",
				"data-a 172.16.1.0/28", "data-b 172.16.1.16/28",
			},
		},
		{
			name: "/23 VPC, the smallest that derives subnets", cidr: "192.168.2.0/23", zones: twoZones, prefix: 28,
			want: []string{
				"public-a 192.168.2.0/28", "public-b 192.168.2.16/28",
				"app-a 192.168.2.128/28", "app-b 192.168.2.144/28",
				"data-a 192.168.3.0/28", "data-b 192.168.3.16/28",
			},
		},
		{
			// Three tiers of eight slots in a /24 would need /29 subnets,
			// below the /28 AWS minimum.
			name: "/24 VPC leaves no subnet size", cidr: "10.0.0.0/24", zones: twoZones, prefix: 26,
			wantErrs: []string{`vpc_cidr: got "10.0.0.0/24", want a prefix length from /16 to /23 (AWS allows /16 at the largest; three tiers of 8 subnets of /28 or larger must fit)`},
		},
		{
			name: "subnet prefix too small", cidr: "10.0.0.0/16", zones: twoZones, prefix: 20,
			wantErrs: []string{"subnet_prefix_length: got 20, want 21 to 28 for vpc_cidr 10.0.0.0/16 (three tiers of 8 subnets must fit)"},
		},
		{
			name: "subnet prefix too large", cidr: "10.0.0.0/16", zones: twoZones, prefix: 29,
			wantErrs: []string{"subnet_prefix_length: got 29, want 21 to 28 for vpc_cidr 10.0.0.0/16 (three tiers of 8 subnets must fit)"},
		},
		{
			name: "VPC larger than /16", cidr: "10.0.0.0/8", zones: twoZones, prefix: 24,
			wantErrs: []string{`vpc_cidr: got "10.0.0.0/8", want a prefix length from /16 to /23 (AWS allows /16 at the largest; three tiers of 8 subnets of /28 or larger must fit)`},
		},
		{
			name: "VPC smaller than /23", cidr: "10.0.0.0/25", zones: twoZones, prefix: 28,
			wantErrs: []string{
				`vpc_cidr: got "10.0.0.0/25", want a prefix length from /16 to /23 (AWS allows /16 at the largest; three tiers of 8 subnets of /28 or larger must fit)`,
			},
		},
		{
			name: "VPC not a network address", cidr: "10.0.0.1/16", zones: twoZones, prefix: 24,
			wantErrs: []string{`vpc_cidr: got "10.0.0.1/16", want an IPv4 network address in CIDR form such as 10.0.0.0/16`},
		},
		{
			name: "VPC without a prefix", cidr: "10.0.0.0", zones: twoZones, prefix: 24,
			wantErrs: []string{`vpc_cidr: got "10.0.0.0", want an IPv4 network address in CIDR form such as 10.0.0.0/16`},
		},
		{
			name: "VPC IPv6", cidr: "fd00::/48", zones: twoZones, prefix: 24,
			wantErrs: []string{`vpc_cidr: got "fd00::/48", want an IPv4 network address in CIDR form such as 10.0.0.0/16`},
		},
		{
			name: "override", cidr: "10.0.0.0/16", zones: twoZones, prefix: 24,
			overrides: map[string]string{"app-a": "10.0.64.0/20"},
			want:      replaced(defaultPlan, "app-a", "10.0.64.0/20"),
		},
		{
			// Overrides need no derivable prefix: every subnet named, a
			// bad prefix is still reported, and the named ranges kept.
			name: "every subnet overridden, prefix still checked", cidr: "10.0.0.0/16", zones: twoZones, prefix: 16,
			overrides: map[string]string{
				"public-a": "10.0.0.0/24", "public-b": "10.0.1.0/24",
				"app-a": "10.0.2.0/24", "app-b": "10.0.3.0/24",
				"data-a": "10.0.4.0/24", "data-b": "10.0.5.0/24",
			},
			want: []string{
				"public-a 10.0.0.0/24", "public-b 10.0.1.0/24",
				"app-a 10.0.2.0/24", "app-b 10.0.3.0/24",
				"data-a 10.0.4.0/24", "data-b 10.0.5.0/24",
			},
			wantErrs: []string{"subnet_prefix_length: got 16, want 21 to 28 for vpc_cidr 10.0.0.0/16 (three tiers of 8 subnets must fit)"},
		},
		{
			name: "override outside the VPC", cidr: "10.0.0.0/16", zones: twoZones, prefix: 24,
			overrides: map[string]string{"app-a": "10.1.0.0/24"},
			wantErrs:  []string{`subnet_cidrs.app-a: got "10.1.0.0/24", want a range inside vpc_cidr 10.0.0.0/16`},
		},
		{
			name: "override larger than the VPC", cidr: "10.0.0.0/16", zones: twoZones, prefix: 24,
			overrides: map[string]string{"data-b": "10.0.0.0/15"},
			wantErrs: []string{
				`subnet_cidrs.data-b: got "10.0.0.0/15", want a range inside vpc_cidr 10.0.0.0/16`,
				"subnet_cidrs.data-b: 10.0.0.0/15 overlaps public-a (10.0.0.0/24), want disjoint subnets",
				"subnet_cidrs.data-b: 10.0.0.0/15 overlaps public-b (10.0.1.0/24), want disjoint subnets",
				"subnet_cidrs.data-b: 10.0.0.0/15 overlaps app-a (10.0.8.0/24), want disjoint subnets",
				"subnet_cidrs.data-b: 10.0.0.0/15 overlaps app-b (10.0.9.0/24), want disjoint subnets",
				"subnet_cidrs.data-b: 10.0.0.0/15 overlaps data-a (10.0.16.0/24), want disjoint subnets",
			},
		},
		{
			name: "override overlaps derived subnets", cidr: "10.0.0.0/16", zones: twoZones, prefix: 24,
			overrides: map[string]string{"app-a": "10.0.0.0/23"},
			wantErrs: []string{
				"subnet_cidrs.app-a: 10.0.0.0/23 overlaps public-a (10.0.0.0/24), want disjoint subnets",
				"subnet_cidrs.app-a: 10.0.0.0/23 overlaps public-b (10.0.1.0/24), want disjoint subnets",
			},
		},
		{
			name: "overrides overlap each other", cidr: "10.0.0.0/16", zones: twoZones, prefix: 24,
			overrides: map[string]string{"app-a": "10.0.100.0/24", "data-b": "10.0.100.0/25"},
			wantErrs:  []string{"subnet_cidrs.data-b: 10.0.100.0/25 overlaps app-a (10.0.100.0/24), want disjoint subnets"},
		},
		{
			name: "override not a network address", cidr: "10.0.0.0/16", zones: twoZones, prefix: 24,
			overrides: map[string]string{"app-a": "10.0.64.1/20"},
			wantErrs:  []string{`subnet_cidrs.app-a: got "10.0.64.1/20", want an IPv4 network address in CIDR form such as 10.0.0.0/24`},
		},
		{
			name: "override malformed", cidr: "10.0.0.0/16", zones: twoZones, prefix: 24,
			overrides: map[string]string{"public-b": "ten.zero/24"},
			wantErrs:  []string{`subnet_cidrs.public-b: got "ten.zero/24", want an IPv4 network address in CIDR form such as 10.0.0.0/24`},
		},
		{
			name: "override IPv6", cidr: "10.0.0.0/16", zones: twoZones, prefix: 24,
			overrides: map[string]string{"public-b": "fd00::/64"},
			wantErrs:  []string{`subnet_cidrs.public-b: got "fd00::/64", want an IPv4 network address in CIDR form such as 10.0.0.0/24`},
		},
		{
			name: "override too small", cidr: "10.0.0.0/16", zones: twoZones, prefix: 24,
			overrides: map[string]string{"app-a": "10.0.64.0/29"},
			wantErrs:  []string{`subnet_cidrs.app-a: got "10.0.64.0/29", want a prefix of /28 or larger`},
		},
		{
			name: "override /28", cidr: "10.0.0.0/16", zones: twoZones, prefix: 24,
			overrides: map[string]string{"app-b": "10.0.64.0/28"},
			want:      replaced(defaultPlan, "app-b", "10.0.64.0/28"),
		},
		{
			name: "unknown keys, sorted", cidr: "10.0.0.0/16", zones: twoZones, prefix: 24,
			overrides: map[string]string{"web-a": "10.0.200.0/24", "app-c": "10.0.201.0/24"},
			wantErrs: []string{
				`subnet_cidrs: unknown key "app-c", want one of app-a, app-b, data-a, data-b, public-a, public-b`,
				`subnet_cidrs: unknown key "web-a", want one of app-a, app-b, data-a, data-b, public-a, public-b`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plans, errs := network.PlanSubnets(tt.cidr, tt.zones, tt.prefix, tt.overrides)
			if diff := cmp.Diff(tt.wantErrs, messages(errs)); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			if tt.want == nil {
				return
			}
			if diff := cmp.Diff(tt.want, rendered(plans)); diff != "" {
				t.Errorf("plan (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPlanSubnetsFields checks the rest of a plan entry: its tier and zone.
func TestPlanSubnetsFields(t *testing.T) {
	plans, errs := network.PlanSubnets("10.0.0.0/16", []string{"eu-west-1c", "eu-west-1a"}, 24, nil)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	want := []network.SubnetPlan{
		{Tier: network.Public, Zone: "eu-west-1c", Key: "public-c", CIDR: "10.0.0.0/24"},
		{Tier: network.Public, Zone: "eu-west-1a", Key: "public-a", CIDR: "10.0.1.0/24"},
		{Tier: network.App, Zone: "eu-west-1c", Key: "app-c", CIDR: "10.0.8.0/24"},
		{Tier: network.App, Zone: "eu-west-1a", Key: "app-a", CIDR: "10.0.9.0/24"},
		{Tier: network.Data, Zone: "eu-west-1c", Key: "data-c", CIDR: "10.0.16.0/24"},
		{Tier: network.Data, Zone: "eu-west-1a", Key: "data-a", CIDR: "10.0.17.0/24"},
	}
	if diff := cmp.Diff(want, plans); diff != "" {
		t.Errorf("plan (-want +got):\n%s", diff)
	}
}

// TestPlanSubnetsAddingAZoneRenumbersNothing: each tier reserves eight
// slots, so the subnets of the first zones keep their ranges (and so are
// not replaced) when a zone is added, up to the six zones a region has.
func TestPlanSubnetsAddingAZoneRenumbersNothing(t *testing.T) {
	for _, prefix := range []int{21, 24, 28} {
		for n := network.MinZones; n < network.MaxZones; n++ {
			t.Run(fmt.Sprintf("/%d, %d to %d zones", prefix, n, n+1), func(t *testing.T) {
				before, errs := network.PlanSubnets("10.0.0.0/16", sixZones[:n], prefix, nil)
				if len(errs) > 0 {
					t.Fatal(errs)
				}
				after, errs := network.PlanSubnets("10.0.0.0/16", sixZones[:n+1], prefix, nil)
				if len(errs) > 0 {
					t.Fatal(errs)
				}
				got := map[string]string{}
				for _, p := range after {
					got[p.Key] = p.CIDR
				}
				for _, p := range before {
					if got[p.Key] != p.CIDR {
						t.Errorf("%s: %s with %d zones, %s with %d", p.Key, p.CIDR, n, got[p.Key], n+1)
					}
				}
				if len(after)-len(before) != len(network.Tiers) {
					t.Errorf("got %d new subnets, want one per tier (%d)", len(after)-len(before), len(network.Tiers))
				}
			})
		}
	}
}

// TestPlanSubnetsOverridesStayPut: an override keeps its key's range
// whatever the other zones, and does not shift the derived ones.
func TestPlanSubnetsOverridesStayPut(t *testing.T) {
	overrides := map[string]string{"app-c": "10.0.64.0/20"}
	plans, errs := network.PlanSubnets("10.0.0.0/16", threeZones, 24, overrides)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	want := []string{
		"public-a 10.0.0.0/24", "public-b 10.0.1.0/24", "public-c 10.0.2.0/24",
		"app-a 10.0.8.0/24", "app-b 10.0.9.0/24", "app-c 10.0.64.0/20",
		"data-a 10.0.16.0/24", "data-b 10.0.17.0/24", "data-c 10.0.18.0/24",
	}
	if diff := cmp.Diff(want, rendered(plans)); diff != "" {
		t.Errorf("plan (-want +got):\n%s", diff)
	}
}

func TestZoneLetter(t *testing.T) {
	for _, tt := range []struct{ zone, want string }{
		{"us-east-1a", "a"},
		{"eu-west-1c", "c"},
		{"ap-northeast-3d", "d"},
		{"us-gov-west-1b", "b"},
		{"cn-north-1a", "a"},
		// Local Zones carry digits in their names too: the letter is
		// what follows the last digit.
		{"us-east-1-bos-1a", "a"},
		{"eu-west-1", ""},
	} {
		if got := network.ZoneLetter(tt.zone); got != tt.want {
			t.Errorf("ZoneLetter(%q) = %q, want %q", tt.zone, got, tt.want)
		}
	}
}

// TestLogRetention: the CloudWatch Logs rule every tier that keeps logs uses.
func TestLogRetention(t *testing.T) {
	for _, tt := range []struct {
		days int
		want string // in the error; "" when valid
	}{
		{1, ""}, {90, ""}, {3653, ""},
		{0, "CloudWatch Logs accepts"}, {45, "got 45"}, {3654, "CloudWatch Logs accepts"},
	} {
		err := network.CheckLogRetention(tt.days)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("CheckLogRetention(%d): got %v, want no error", tt.days, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("CheckLogRetention(%d): got %v, want an error mentioning %q", tt.days, err, tt.want)
		}
	}
}
