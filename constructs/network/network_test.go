package network_test

// These tests synthesize network-only stacks: the tier as NewNetwork builds
// it, with nothing of the other tiers around it.

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/wordpress-cdktf/resilient-wordpress/constructs/network"
	"github.com/wordpress-cdktf/resilient-wordpress/internal/stacktest"
)

// netCase is one network under test and what its configuration means once
// defaults apply.
type netCase struct {
	name, region string
	cfg          network.NetworkConfig
	// wantCIDR, wantPrefix and wantRetention are the configured values, or
	// the defaults where cfg leaves them out.
	wantCIDR      string
	wantPrefix    int
	wantRetention int
}

var cases = []netCase{
	{
		// Every optional field left out.
		name: "two-zones", region: "us-east-1",
		cfg: network.NetworkConfig{
			Name:              "wordpress-two",
			AvailabilityZones: []string{"us-east-1a", "us-east-1b"},
		},
		wantCIDR:      network.DefaultCIDR,
		wantPrefix:    network.DefaultSubnetPrefixLength,
		wantRetention: network.DefaultFlowLogRetentionDays,
	},
	{
		// Every optional field set: three zones, another range, smaller
		// subnets, an overridden subnet, public IPs on launch.
		name: "three-zones", region: "eu-west-1",
		cfg: network.NetworkConfig{
			Name:                 "wordpress-three",
			CidrBlock:            "10.20.0.0/16",
			AvailabilityZones:    []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"},
			SubnetPrefixLength:   22,
			SubnetCIDRs:          map[string]string{"app-c": "10.20.192.0/20"},
			MapPublicIPOnLaunch:  true,
			FlowLogRetentionDays: 30,
		},
		wantCIDR: "10.20.0.0/16", wantPrefix: 22, wantRetention: 30,
	},
}

var stacks *stacktest.Table[netCase]

func TestMain(m *testing.M) {
	stacks = stacktest.StartTable(cases, func(c netCase) stacktest.Case {
		return stacktest.Case{Name: c.name, Region: c.region, Build: func(s cdktf.TerraformStack) {
			network.NewNetwork(s, "network", c.cfg)
		}}
	})
	os.Exit(m.Run())
}

// letters are the upper-case zone letters of c, in configuration order.
func letters(c netCase) []string {
	var out []string
	for _, z := range c.cfg.AvailabilityZones {
		out = append(out, strings.ToUpper(network.ZoneLetter(z)))
	}
	return out
}

// zoneSubnets maps "App-AZ-A"-style Name tags to subnet resource names.
func zoneSubnets(t *testing.T, s *stacktest.Stack) map[string]string {
	t.Helper()
	return stacktest.ByTag(s.Resources(t, "aws_subnet"), "Name")
}

func TestEveryZoneHasOneSubnetPerTier(t *testing.T) {
	stacks.Run(t, func(t *testing.T, c netCase, s *stacktest.Stack) {
		subnets := s.Resources(t, "aws_subnet")
		var want, got []string
		for _, l := range letters(c) {
			for _, tier := range []string{"Public", "App", "Data"} {
				want = append(want, fmt.Sprintf("%s-AZ-%s", tier, l))
			}
		}
		for _, name := range stacktest.SortedNames(subnets) {
			r := subnets[name]
			tag, _ := stacktest.AsMap(r["tags"])["Name"].(string)
			got = append(got, tag)
			zone, _ := r["availability_zone"].(string)
			if l := strings.ToUpper(zone[len(zone)-1:]); !strings.HasSuffix(tag, "-AZ-"+l) {
				t.Errorf("subnet %s tagged %s lies in zone %s", name, tag, zone)
			}
			tier, _, _ := strings.Cut(tag, "-")
			if got, want := stacktest.AsMap(r["tags"])["Tier"], strings.ToLower(tier); got != want {
				t.Errorf("subnet %s: Tier tag %v, want %s", tag, got, want)
			}
			public := tier == "Public"
			if !public && r["map_public_ip_on_launch"] == true {
				t.Errorf("subnet %s maps public IPs on launch; only public subnets may", tag)
			}
			if public && r["map_public_ip_on_launch"] != c.cfg.MapPublicIPOnLaunch {
				t.Errorf("subnet %s: map_public_ip_on_launch %v, want %v as configured", tag, r["map_public_ip_on_launch"], c.cfg.MapPublicIPOnLaunch)
			}
		}
		if diff := cmp.Diff(stacktest.SortedNames(stacktest.SetOf(want)), stacktest.SortedNames(stacktest.SetOf(got))); diff != "" {
			t.Errorf("subnet Name tags (-want +got):\n%s", diff)
		}
		if len(got) != 3*len(c.cfg.AvailabilityZones) {
			t.Errorf("got %d subnets, want %d", len(got), 3*len(c.cfg.AvailabilityZones))
		}
	})
}

// TestSubnetsFollowThePlan checks that the synthesized ranges are the ones
// PlanSubnets lays out (tested on its own in plan_test.go), overrides
// included.
func TestSubnetsFollowThePlan(t *testing.T) {
	stacks.Run(t, func(t *testing.T, c netCase, s *stacktest.Stack) {
		plans, errs := network.PlanSubnets(c.wantCIDR, c.cfg.AvailabilityZones, c.wantPrefix, c.cfg.SubnetCIDRs)
		if len(errs) > 0 {
			t.Fatalf("PlanSubnets: %v", errs)
		}
		want := map[string]string{}
		for _, p := range plans {
			want[p.Key] = p.CIDR
		}
		got := map[string]string{}
		for _, r := range s.Resources(t, "aws_subnet") {
			tags := stacktest.AsMap(r["tags"])
			zone, _ := r["availability_zone"].(string)
			key := fmt.Sprintf("%v-%s", tags["Tier"], network.ZoneLetter(zone))
			got[key], _ = r["cidr_block"].(string)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("subnet ranges by tier and zone (-want +got):\n%s", diff)
		}
	})
}

// defaultRoutes maps each route table to the target of its 0.0.0.0/0 route.
func defaultRoutes(t *testing.T, s *stacktest.Stack) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name, r := range s.Resources(t, "aws_route") {
		if r["destination_cidr_block"] != "0.0.0.0/0" {
			continue
		}
		target := r["nat_gateway_id"]
		if target == nil {
			target = r["gateway_id"]
		}
		rt, _ := r["route_table_id"].(string)
		if _, dup := out[rt]; dup {
			t.Errorf("route table %s has two default routes (second: %s)", rt, name)
		}
		out[rt], _ = target.(string)
	}
	return out
}

// routeTableOf maps subnet refs to the route table ref associated with them.
func routeTableOf(t *testing.T, s *stacktest.Stack) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, a := range s.Resources(t, "aws_route_table_association") {
		sub, _ := a["subnet_id"].(string)
		if _, dup := out[sub]; dup {
			t.Errorf("subnet %s has two route tables", sub)
		}
		out[sub], _ = a["route_table_id"].(string)
	}
	return out
}

func TestRoutes(t *testing.T) {
	stacks.Run(t, func(t *testing.T, c netCase, s *stacktest.Stack) {
		subnets := zoneSubnets(t, s)
		routes := defaultRoutes(t, s)
		tables := routeTableOf(t, s)
		igwName, _ := s.Only(t, "aws_internet_gateway")
		natInSubnet := map[string]string{} // public subnet ref -> NAT ref
		for name, n := range s.Resources(t, "aws_nat_gateway") {
			sub, _ := n["subnet_id"].(string)
			natInSubnet[sub] = stacktest.Ref("aws_nat_gateway", name, "id")
		}

		for _, l := range letters(c) {
			public := stacktest.Ref("aws_subnet", subnets["Public-AZ-"+l], "id")
			app := stacktest.Ref("aws_subnet", subnets["App-AZ-"+l], "id")
			data := stacktest.Ref("aws_subnet", subnets["Data-AZ-"+l], "id")
			if got, want := routes[tables[public]], stacktest.Ref("aws_internet_gateway", igwName, "id"); got != want {
				t.Errorf("Public-AZ-%s default route: got %q, want the internet gateway %q", l, got, want)
			}
			nat, ok := natInSubnet[public]
			if !ok {
				t.Errorf("no NAT gateway in Public-AZ-%s", l)
			}
			if got := routes[tables[app]]; got != nat {
				t.Errorf("App-AZ-%s default route: got %q, want the NAT of its own zone %q", l, got, nat)
			}
			if got, ok := routes[tables[data]]; ok || tables[data] == "" {
				t.Errorf("Data-AZ-%s: got default route %q (table %q), want an associated table with no default route", l, got, tables[data])
			}
		}
	})
}

func TestNATGatewaysHaveTheirOwnElasticIPs(t *testing.T) {
	stacks.Run(t, func(t *testing.T, c netCase, s *stacktest.Stack) {
		eips := s.Resources(t, "aws_eip")
		publicSubnets := stacktest.SetOf(s.SubnetRefs(t, string(network.Public)))
		used := map[string]string{}
		nats := s.Resources(t, "aws_nat_gateway")
		if len(nats) != len(c.cfg.AvailabilityZones) {
			t.Errorf("got %d NAT gateways, want one per zone (%d)", len(nats), len(c.cfg.AvailabilityZones))
		}
		for name, n := range nats {
			alloc, _ := n["allocation_id"].(string)
			if prev, dup := used[alloc]; dup {
				t.Errorf("NAT gateways %s and %s share Elastic IP %s", prev, name, alloc)
			}
			used[alloc] = name
			eipName := strings.TrimSuffix(strings.TrimPrefix(alloc, "${aws_eip."), ".allocation_id}")
			if eip, ok := eips[eipName]; !ok || eip["domain"] != "vpc" {
				t.Errorf("NAT %s: allocation %s is not an aws_eip with domain = vpc", name, alloc)
			}
			if sub, _ := n["subnet_id"].(string); !publicSubnets[sub] {
				t.Errorf("NAT %s sits in %s, want a public subnet", name, sub)
			}
		}
	})
}

func TestVPC(t *testing.T) {
	stacks.Run(t, func(t *testing.T, c netCase, s *stacktest.Stack) {
		_, v := s.Only(t, "aws_vpc")
		want := map[string]any{"cidr_block": c.wantCIDR, "enable_dns_hostnames": true, "enable_dns_support": true}
		if diff := cmp.Diff(want, stacktest.Pick(v, want)); diff != "" {
			t.Errorf("VPC (-want +got):\n%s", diff)
		}
	})
}

func TestVPCFlowLogs(t *testing.T) {
	stacks.Run(t, func(t *testing.T, c netCase, s *stacktest.Stack) {
		vpcName, _ := s.Only(t, "aws_vpc")
		groupName, group := s.Only(t, "aws_cloudwatch_log_group")
		_, flow := s.Only(t, "aws_flow_log")
		want := map[string]any{
			"vpc_id": stacktest.Ref("aws_vpc", vpcName, "id"), "traffic_type": "ALL",
			"log_destination_type": "cloud-watch-logs", "log_destination": stacktest.Ref("aws_cloudwatch_log_group", groupName, "arn"),
		}
		if diff := cmp.Diff(want, stacktest.Pick(flow, want)); diff != "" {
			t.Errorf("flow log (-want +got):\n%s", diff)
		}
		if group["retention_in_days"] != float64(c.wantRetention) {
			t.Errorf("retention: got %v, want %d", group["retention_in_days"], c.wantRetention)
		}
	})
}
