package main

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// groupRefs maps security group names (ExternalWeb, ...) to their id refs, and back.
func groupRefs(t *testing.T, stack string) (byName, byRef map[string]string) {
	t.Helper()
	byName, byRef = map[string]string{}, map[string]string{}
	for name, g := range resources(t, stack, "aws_security_group") {
		n, _ := g["name"].(string)
		r := ref("aws_security_group", name, "id")
		byName[n], byRef[r] = r, n
		if d, _ := g["description"].(string); d == "" {
			t.Errorf("security group %s has no description", n)
		}
		if g["ingress"] != nil || g["egress"] != nil {
			t.Errorf("security group %s has inline rules; want separate rule resources", n)
		}
	}
	return byName, byRef
}

// securityGroupRef returns the id reference of the security group named name.
func securityGroupRef(t *testing.T, stack, name string) string {
	t.Helper()
	byName, _ := groupRefs(t, stack)
	r, ok := byName[name]
	if !ok {
		t.Fatalf("stack %s: no security group named %s", stack, name)
	}
	return r
}

// ruleSet renders every rule of a stack as "Group in|out port peer".
func ruleSet(t *testing.T, stack string) []string {
	t.Helper()
	_, byRef := groupRefs(t, stack)
	var out []string
	for _, typ := range []string{"aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"} {
		dir := "in"
		if strings.Contains(typ, "egress") {
			dir = "out"
		}
		for name, r := range resources(t, stack, typ) {
			if d, _ := r["description"].(string); d == "" {
				t.Errorf("rule %s has no description", name)
			}
			if r["ip_protocol"] != "tcp" || r["from_port"] != r["to_port"] {
				t.Errorf("rule %s: got protocol %v ports %v-%v, want one tcp port", name, r["ip_protocol"], r["from_port"], r["to_port"])
			}
			peer, _ := r["cidr_ipv4"].(string)
			if g, ok := r["referenced_security_group_id"].(string); ok {
				peer = byRef[g]
			}
			if v6, ok := r["cidr_ipv6"].(string); ok {
				peer = v6
			}
			group, _ := r["security_group_id"].(string)
			out = append(out, fmt.Sprintf("%s %s %v %s", byRef[group], dir, r["from_port"], peer))
		}
	}
	sort.Strings(out)
	return out
}

func TestSecurityGroupsAreLeastPrivilege(t *testing.T) {
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
	for _, c := range configs {
		t.Run(c.Environment, func(t *testing.T) {
			byName, _ := groupRefs(t, c.Environment)
			if diff := cmp.Diff([]string{"ExternalWeb", "InternalData", "InternalEFS", "InternalWeb"}, sortedNames(byName)); diff != "" {
				t.Errorf("security groups (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(want, ruleSet(t, c.Environment)); diff != "" {
				t.Errorf("rules (-want +got):\n%s", diff)
			}
		})
	}
}

// TestNothingButTheLoadBalancerIsReachableFromTheInternet restates the
// invariants a reviewer checks first, independently of the full rule list.
func TestNothingButTheLoadBalancerIsReachableFromTheInternet(t *testing.T) {
	for _, c := range configs {
		t.Run(c.Environment, func(t *testing.T) {
			for _, r := range ruleSet(t, c.Environment) {
				f := strings.Fields(r)
				group, dir, port, peer := f[0], f[1], f[2], f[3]
				if dir == "in" && strings.Contains(peer, "/") && group != "ExternalWeb" {
					t.Errorf("%s: only ExternalWeb may admit traffic from an address range", r)
				}
				if dir == "in" && (port == "22" || port == "3389") {
					t.Errorf("%s: SSH and RDP are never admitted", r)
				}
			}
		})
	}
}
