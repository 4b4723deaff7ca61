package stacktest

import (
	"fmt"
	"sort"
	"strings"
	"testing"
)

// GroupRefs maps the stack's security group names (ExternalWeb, ...) to
// their id references, and back.
func (s *Stack) GroupRefs(t testing.TB) (byName, byRef map[string]string) {
	t.Helper()
	byName, byRef = map[string]string{}, map[string]string{}
	for name, g := range s.Resources(t, "aws_security_group") {
		n, _ := g["name"].(string)
		r := Ref("aws_security_group", name, "id")
		byName[n], byRef[r] = r, n
	}
	return byName, byRef
}

// GroupRef returns the id reference of the security group named name.
func (s *Stack) GroupRef(t testing.TB, name string) string {
	t.Helper()
	byName, _ := s.GroupRefs(t)
	r, ok := byName[name]
	if !ok {
		t.Fatalf("stack %s: no security group named %s", s.Name, name)
	}
	return r
}

// RuleTypes are the Terraform types of security group rules, ingress first.
var RuleTypes = []string{"aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"}

// Rules renders every security group rule of the stack as
// "Group in|out port peer", sorted; a peer is a group name, an address
// range or a prefix list ID ("pl-…").
func (s *Stack) Rules(t testing.TB) []string {
	t.Helper()
	_, byRef := s.GroupRefs(t)
	var out []string
	for _, typ := range RuleTypes {
		dir := "in"
		if strings.Contains(typ, "egress") {
			dir = "out"
		}
		for _, r := range s.Resources(t, typ) {
			peer, _ := r["cidr_ipv4"].(string)
			if g, ok := r["referenced_security_group_id"].(string); ok {
				peer = byRef[g]
			}
			if v6, ok := r["cidr_ipv6"].(string); ok {
				peer = v6
			}
			if pl, ok := r["prefix_list_id"].(string); ok {
				peer = pl
			}
			group, _ := r["security_group_id"].(string)
			out = append(out, fmt.Sprintf("%s %s %v %s", byRef[group], dir, r["from_port"], peer))
		}
	}
	sort.Strings(out)
	return out
}
