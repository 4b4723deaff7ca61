package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wordpress-cdktf/resilient-wordpress/constructs/network"
	"github.com/wordpress-cdktf/resilient-wordpress/constructs/wordpress"
)

// zoneSubnets maps "App-AZ-A"-style Name tags to subnet resource names.
func zoneSubnets(t *testing.T, stack string) map[string]string {
	t.Helper()
	return byTag(resources(t, stack, "aws_subnet"), "Name")
}

// subnetRefs returns the id refs of one tier's subnets ("Public", "App", "Data"), sorted.
func subnetRefs(t *testing.T, stack, tier string) []string {
	t.Helper()
	var out []string
	for tag, name := range zoneSubnets(t, stack) {
		if strings.HasPrefix(tag, tier+"-AZ-") {
			out = append(out, ref("aws_subnet", name, "id"))
		}
	}
	return sortedNames(setOf(out))
}

func TestEveryZoneHasOneSubnetPerTier(t *testing.T) {
	for _, c := range configs {
		t.Run(c.Environment, func(t *testing.T) {
			subnets := resources(t, c.Environment, "aws_subnet")
			var want, got []string
			for _, l := range letters(c) {
				for _, tier := range []string{"Public", "App", "Data"} {
					want = append(want, fmt.Sprintf("%s-AZ-%s", tier, l))
				}
			}
			zoneOf := map[string]string{}
			for _, name := range sortedNames(subnets) {
				s := subnets[name]
				tag, _ := asMap(s["tags"])["Name"].(string)
				got = append(got, tag)
				zone, _ := s["availability_zone"].(string)
				if l := strings.ToUpper(zone[len(zone)-1:]); !strings.HasSuffix(tag, "-AZ-"+l) {
					t.Errorf("subnet %s tagged %s lies in zone %s", name, tag, zone)
				}
				zoneOf[tag] = zone
				if public := strings.HasPrefix(tag, "Public-"); !public && s["map_public_ip_on_launch"] == true {
					t.Errorf("subnet %s maps public IPs on launch; only public subnets may", tag)
				}
			}
			if diff := cmp.Diff(sortedNames(setOf(want)), sortedNames(setOf(got))); diff != "" {
				t.Errorf("subnet Name tags (-want +got):\n%s", diff)
			}
			if len(got) != 3*len(c.AvailabilityZones) {
				t.Errorf("got %d subnets, want %d", len(got), 3*len(c.AvailabilityZones))
			}
		})
	}
}

// defaultRoutes maps each route table to the target of its 0.0.0.0/0 route.
func defaultRoutes(t *testing.T, stack string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name, r := range resources(t, stack, "aws_route") {
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
func routeTableOf(t *testing.T, stack string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, a := range resources(t, stack, "aws_route_table_association") {
		s, _ := a["subnet_id"].(string)
		if _, dup := out[s]; dup {
			t.Errorf("subnet %s has two route tables", s)
		}
		out[s], _ = a["route_table_id"].(string)
	}
	return out
}

func TestRoutes(t *testing.T) {
	for _, c := range configs {
		t.Run(c.Environment, func(t *testing.T) {
			stack := c.Environment
			subnets := zoneSubnets(t, stack)
			routes := defaultRoutes(t, stack)
			tables := routeTableOf(t, stack)
			igwName, _ := only(t, stack, "aws_internet_gateway")
			nats := resources(t, stack, "aws_nat_gateway")
			natInSubnet := map[string]string{} // public subnet ref -> NAT ref
			for name, n := range nats {
				s, _ := n["subnet_id"].(string)
				natInSubnet[s] = ref("aws_nat_gateway", name, "id")
			}

			for _, l := range letters(c) {
				public := ref("aws_subnet", subnets["Public-AZ-"+l], "id")
				app := ref("aws_subnet", subnets["App-AZ-"+l], "id")
				data := ref("aws_subnet", subnets["Data-AZ-"+l], "id")
				if got, want := routes[tables[public]], ref("aws_internet_gateway", igwName, "id"); got != want {
					t.Errorf("Public-AZ-%s default route: got %q, want the internet gateway %q", l, got, want)
				}
				nat, ok := natInSubnet[public]
				if c.NatGateways == network.NatSingle {
					// Every zone shares the NAT of the first zone.
					nat, ok = natInSubnet[ref("aws_subnet", subnets["Public-AZ-"+letters(c)[0]], "id")]
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
}

func TestNATGatewaysHaveTheirOwnElasticIPs(t *testing.T) {
	for _, c := range configs {
		t.Run(c.Environment, func(t *testing.T) {
			eips := resources(t, c.Environment, "aws_eip")
			publicSubnets := map[string]bool{}
			for tag, name := range zoneSubnets(t, c.Environment) {
				publicSubnets[ref("aws_subnet", name, "id")] = strings.HasPrefix(tag, "Public-")
			}
			used := map[string]string{}
			nats := resources(t, c.Environment, "aws_nat_gateway")
			if want := map[string]int{network.NatPerZone: len(c.AvailabilityZones), network.NatSingle: 1}[c.NatGateways]; len(nats) != want || len(eips) != want {
				t.Errorf("nat_gateways %s: got %d NAT gateways and %d Elastic IPs, want %d", c.NatGateways, len(nats), len(eips), want)
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
				if s, _ := n["subnet_id"].(string); !publicSubnets[s] {
					t.Errorf("NAT %s sits in %s, want a public subnet", name, s)
				}
			}
		})
	}
}

func TestVPCAndProviderTags(t *testing.T) {
	for _, c := range configs {
		t.Run(c.Environment, func(t *testing.T) {
			_, v := only(t, c.Environment, "aws_vpc")
			want := map[string]any{"cidr_block": c.VpcCIDR, "enable_dns_hostnames": true, "enable_dns_support": true}
			got := map[string]any{"cidr_block": v["cidr_block"], "enable_dns_hostnames": v["enable_dns_hostnames"], "enable_dns_support": v["enable_dns_support"]}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("VPC (-want +got):\n%s", diff)
			}
			var p map[string]any
			aliases := map[string]any{} // alias -> region
			for _, e := range asSlice(asMap(stacks[c.Environment]["provider"])["aws"]) {
				if alias, ok := asMap(e)["alias"].(string); ok {
					aliases[alias] = asMap(e)["region"]
					continue
				}
				if p != nil {
					t.Fatal("two aws providers without alias, want one")
				}
				p = asMap(e)
			}
			wantAliases := map[string]any{}
			if c.BackupCopyRegion != "" {
				wantAliases["backup_copy"] = c.BackupCopyRegion
			}
			if diff := cmp.Diff(wantAliases, aliases); diff != "" {
				t.Errorf("aliased providers and their regions (-want +got):\n%s", diff)
			}
			tags := asMap(asMap(p["default_tags"].([]any)[0])["tags"])
			wantTags := map[string]any{"project": c.Project, "environment": c.Environment, "managed-by": "cdktf"}
			for k, v := range c.Tags {
				wantTags[k] = v
			}
			if diff := cmp.Diff(wantTags, tags); diff != "" {
				t.Errorf("default tags (-want +got):\n%s", diff)
			}
			if p["region"] != c.Region {
				t.Errorf("provider region: got %v, want %s", p["region"], c.Region)
			}
		})
	}
}

func TestBackendIsExplicitAndRelative(t *testing.T) {
	for _, c := range configs {
		t.Run(c.Environment, func(t *testing.T) {
			backend := asMap(asMap(stacks[c.Environment]["terraform"])["backend"])
			want := map[string]any{"local": map[string]any{"path": "terraform." + c.Environment + ".tfstate"}}
			if c.StateBucket != "" {
				want = map[string]any{"s3": map[string]any{
					"bucket": c.StateBucket, "key": c.Project + "/" + c.Environment + "/terraform.tfstate",
					"region": c.StateRegion, "encrypt": true, "use_lockfile": true,
				}}
			}
			if diff := cmp.Diff(want, backend); diff != "" {
				t.Errorf("backend (-want +got):\n%s", diff)
			}
		})
	}
}

func setOf(xs []string) map[string]bool {
	m := map[string]bool{}
	for _, x := range xs {
		m[x] = true
	}
	return m
}

func TestVPCFlowLogs(t *testing.T) {
	for _, c := range configs {
		t.Run(c.Environment, func(t *testing.T) {
			vpcName, _ := only(t, c.Environment, "aws_vpc")
			groupName, group := ofConstruct(t, c.Environment, "aws_cloudwatch_log_group", "network")
			_, flow := only(t, c.Environment, "aws_flow_log")
			want := map[string]any{
				"vpc_id": ref("aws_vpc", vpcName, "id"), "traffic_type": "ALL",
				"log_destination_type": "cloud-watch-logs", "log_destination": ref("aws_cloudwatch_log_group", groupName, "arn"),
			}
			got := pick(flow, want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("flow log (-want +got):\n%s", diff)
			}
			if group["retention_in_days"] != float64(c.FlowLogRetentionDays) {
				t.Errorf("retention: got %v, want %d", group["retention_in_days"], c.FlowLogRetentionDays)
			}
		})
	}
}

// egressZone maps each app subnet's zone letter to the zone letter of the
// NAT gateway it reaches the internet through, read from the routes.
func egressZone(t *testing.T, c wordpress.StackConfig) map[string]string {
	t.Helper()
	stack := c.Environment
	subnets := zoneSubnets(t, stack)
	routes, tables := defaultRoutes(t, stack), routeTableOf(t, stack)
	zoneOfPublic := map[string]string{} // public subnet ref -> letter
	for _, l := range letters(c) {
		zoneOfPublic[ref("aws_subnet", subnets["Public-AZ-"+l], "id")] = l
	}
	natZone := map[string]string{} // NAT ref -> letter
	for name, n := range resources(t, stack, "aws_nat_gateway") {
		s, _ := n["subnet_id"].(string)
		natZone[ref("aws_nat_gateway", name, "id")] = zoneOfPublic[s]
	}
	out := map[string]string{}
	for _, l := range letters(c) {
		out[l] = natZone[routes[tables[ref("aws_subnet", subnets["App-AZ-"+l], "id")]]]
	}
	return out
}

// TestZoneLossEgress removes each zone in turn and asks which surviving
// zones' servers still reach the internet. With a NAT gateway per zone, all
// of them; with a single NAT gateway, none when its zone is the one lost:
// the trade-off synthesis warns about.
func TestZoneLossEgress(t *testing.T) {
	for _, c := range configs {
		t.Run(c.Environment, func(t *testing.T) {
			via := egressZone(t, c)
			warned := strings.Contains(strings.Join(c.Warnings(), "\n"), "nat_gateways")
			if warned != (c.NatGateways == network.NatSingle) {
				t.Errorf("nat_gateways %s: warned %v, want a warning exactly for %s", c.NatGateways, warned, network.NatSingle)
			}
			for _, lost := range letters(c) {
				var cut []string
				for _, l := range letters(c) {
					if l != lost && (via[l] == "" || via[l] == lost) {
						cut = append(cut, l)
					}
				}
				var want []string
				if c.NatGateways == network.NatSingle && lost == letters(c)[0] {
					want = letters(c)[1:] // every survivor loses its egress
				}
				if diff := cmp.Diff(want, cut); diff != "" {
					t.Errorf("nat_gateways %s, zone %s lost: surviving zones without egress (-want +got):\n%s", c.NatGateways, lost, diff)
				}
			}
		})
	}
}

// TestS3GatewayEndpoint: S3 traffic of the app subnets (package
// repositories) skips the NAT gateways, at no charge.
func TestS3GatewayEndpoint(t *testing.T) {
	for _, c := range configs {
		t.Run(c.Environment, func(t *testing.T) {
			vpcName, _ := only(t, c.Environment, "aws_vpc")
			_, ep := only(t, c.Environment, "aws_vpc_endpoint")
			want := map[string]any{"vpc_id": ref("aws_vpc", vpcName, "id"), "service_name": "com.amazonaws." + c.Region + ".s3", "vpc_endpoint_type": "Gateway"}
			if diff := cmp.Diff(want, pick(ep, want)); diff != "" {
				t.Errorf("endpoint (-want +got):\n%s", diff)
			}
			tables := routeTableOf(t, c.Environment)
			var appTables []string
			for tag, name := range zoneSubnets(t, c.Environment) {
				if strings.HasPrefix(tag, "App-") {
					appTables = append(appTables, tables[ref("aws_subnet", name, "id")])
				}
			}
			if diff := cmp.Diff(sortedNames(setOf(appTables)), sortedStrings(ep["route_table_ids"])); diff != "" {
				t.Errorf("endpoint route tables (-want +got):\n%s", diff)
			}
		})
	}
}
