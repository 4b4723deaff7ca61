package network_test

// These tests synthesize network-only stacks: the tier as NewNetwork builds
// it, with nothing of the other tiers around it.

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/wordpress-cdktf/resilient-wordpress/constructs/network"
	"github.com/wordpress-cdktf/resilient-wordpress/internal/jsiiboot"
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
	{
		// One NAT gateway for all zones, for throw-away environments.
		name: "single-nat", region: "us-west-2",
		cfg: network.NetworkConfig{
			Name:              "wordpress-lean",
			AvailabilityZones: []string{"us-west-2b", "us-west-2a", "us-west-2c"},
			NatGateways:       network.NatSingle,
		},
		wantCIDR:      network.DefaultCIDR,
		wantPrefix:    network.DefaultSubnetPrefixLength,
		wantRetention: network.DefaultFlowLogRetentionDays,
	},
}

var stacks *stacktest.Table[netCase]

func TestMain(m *testing.M) {
	stacks = stacktest.StartTable(cases, func(c netCase) stacktest.Case {
		return stacktest.Case{Name: c.name, Region: c.region, Build: func(s cdktf.TerraformStack) {
			network.NewNetwork(s, "network", c.cfg)
		}}
	})
	jsiiboot.Exit(m.Run())
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
			if c.cfg.NatGateways == network.NatSingle {
				// Every zone shares the NAT of the first configured zone.
				nat, ok = natInSubnet[stacktest.Ref("aws_subnet", subnets["Public-AZ-"+letters(c)[0]], "id")]
			}
			if !ok {
				t.Errorf("no NAT gateway for App-AZ-%s", l)
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
		want := len(c.cfg.AvailabilityZones)
		if c.cfg.NatGateways == network.NatSingle {
			want = 1
		}
		if len(nats) != want || len(eips) != want {
			t.Errorf("NAT gateways %q: got %d NAT gateways and %d Elastic IPs, want %d", c.cfg.NatGateways, len(nats), len(eips), want)
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

// egressZone maps each app subnet's zone letter to the letter of the zone
// whose NAT gateway it reaches the internet through, read from the routes.
func egressZone(t *testing.T, c netCase, s *stacktest.Stack) map[string]string {
	t.Helper()
	subnets := zoneSubnets(t, s)
	routes, tables := defaultRoutes(t, s), routeTableOf(t, s)
	zoneOfPublic := map[string]string{} // public subnet ref -> letter
	for _, l := range letters(c) {
		zoneOfPublic[stacktest.Ref("aws_subnet", subnets["Public-AZ-"+l], "id")] = l
	}
	natZone := map[string]string{} // NAT ref -> letter
	for name, n := range s.Resources(t, "aws_nat_gateway") {
		sub, _ := n["subnet_id"].(string)
		natZone[stacktest.Ref("aws_nat_gateway", name, "id")] = zoneOfPublic[sub]
	}
	out := map[string]string{}
	for _, l := range letters(c) {
		out[l] = natZone[routes[tables[stacktest.Ref("aws_subnet", subnets["App-AZ-"+l], "id")]]]
	}
	return out
}

// TestZoneLossEgress removes each zone in turn and asks which surviving
// zones' servers still reach the internet: all of them with a NAT gateway
// per zone; none when the single NAT gateway's zone is the one lost.
func TestZoneLossEgress(t *testing.T) {
	stacks.Run(t, func(t *testing.T, c netCase, s *stacktest.Stack) {
		via := egressZone(t, c, s)
		for _, lost := range letters(c) {
			var cut []string
			for _, l := range letters(c) {
				if l != lost && (via[l] == "" || via[l] == lost) {
					cut = append(cut, l)
				}
			}
			var want []string
			if c.cfg.NatGateways == network.NatSingle && lost == letters(c)[0] {
				want = letters(c)[1:] // every survivor loses its egress
			}
			if diff := cmp.Diff(want, cut); diff != "" {
				t.Errorf("NAT gateways %q, zone %s lost: surviving zones without egress (-want +got):\n%s", c.cfg.NatGateways, lost, diff)
			}
		}
	})
}

// TestS3GatewayEndpoint: S3 traffic of the app subnets (Amazon Linux's
// package repositories) skips the NAT gateways, at no charge.
func TestS3GatewayEndpoint(t *testing.T) {
	stacks.Run(t, func(t *testing.T, c netCase, s *stacktest.Stack) {
		vpcName, _ := s.Only(t, "aws_vpc")
		_, ep := s.Only(t, "aws_vpc_endpoint")
		want := map[string]any{"vpc_id": stacktest.Ref("aws_vpc", vpcName, "id"), "service_name": "com.amazonaws." + c.region + ".s3", "vpc_endpoint_type": "Gateway"}
		if diff := cmp.Diff(want, stacktest.Pick(ep, want)); diff != "" {
			t.Errorf("endpoint (-want +got):\n%s", diff)
		}
		tables := routeTableOf(t, s)
		var appTables []string
		for _, sub := range s.SubnetRefs(t, string(network.App)) {
			appTables = append(appTables, tables[sub])
		}
		if diff := cmp.Diff(stacktest.SortedNames(stacktest.SetOf(appTables)), stacktest.SortedStrings(ep["route_table_ids"])); diff != "" {
			t.Errorf("endpoint route tables (-want +got):\n%s", diff)
		}
	})
}

func TestCheckNatGateways(t *testing.T) {
	for _, tt := range []struct {
		mode string
		ok   bool
	}{{network.NatPerZone, true}, {network.NatSingle, true}, {"", false}, {"one", false}, {"PER_ZONE", false}} {
		if err := network.CheckNatGateways(tt.mode); (err == nil) != tt.ok {
			t.Errorf("CheckNatGateways(%q): got %v, want ok %v", tt.mode, err, tt.ok)
		}
	}
}
