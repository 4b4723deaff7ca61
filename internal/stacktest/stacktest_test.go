package stacktest

// The queries, on a hand-written stack: no synthesis.

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wordpress-cdktf/resilient-wordpress/internal/jsiiboot"
)

// TestMain ends with jsiiboot.Exit although nothing here calls jsii: the
// bindings this package links unpack jsii's runtime as they initialise.
func TestMain(m *testing.M) {
	jsiiboot.Exit(m.Run())
}

const doc = `{
  "resource": {
    "aws_subnet": {
      "public_a": {"tags": {"Name": "Public-AZ-A", "Tier": "public"}},
      "app_b":    {"tags": {"Name": "App-AZ-B", "Tier": "app"}},
      "app_a":    {"tags": {"Name": "App-AZ-A", "Tier": "app"}}
    },
    "aws_security_group": {
      "lb":  {"name": "ExternalWeb"},
      "web": {"name": "InternalWeb"}
    },
    "aws_vpc_security_group_ingress_rule": {
      "lb_https": {"security_group_id": "${aws_security_group.lb.id}", "from_port": 443, "cidr_ipv4": "0.0.0.0/0"},
      "web_http": {"security_group_id": "${aws_security_group.web.id}", "from_port": 80, "referenced_security_group_id": "${aws_security_group.lb.id}"}
    },
    "aws_vpc_security_group_egress_rule": {
      "lb_http": {"security_group_id": "${aws_security_group.lb.id}", "from_port": 80, "referenced_security_group_id": "${aws_security_group.web.id}"}
    },
    "aws_iam_role": {
      "flow_logs": {"name": "net-flow-logs"},
      "web":       {"name": "net-web"}
    },
    "aws_vpc": {"vpc": {"cidr_block": "10.0.0.0/16"}}
  },
  "output": {"url": {"value": "x"}}
}`

func loadDoc(t *testing.T) *Stack {
	t.Helper()
	dir := t.TempDir()
	path := File(dir, "s")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	stacks, err := Load(dir, "s")
	if err != nil {
		t.Fatal(err)
	}
	return stacks["s"]
}

func TestQueries(t *testing.T) {
	s := loadDoc(t)
	name, vpc := s.Only(t, "aws_vpc")
	role, _ := s.Where(t, "aws_iam_role", "name", "net-web")
	byName, byRef := s.GroupRefs(t)
	got := map[string]any{
		"only":      []any{name, vpc["cidr_block"]},
		"where":     role,
		"resources": SortedNames(s.Resources(t, "aws_subnet")),
		"none":      len(s.Resources(t, "aws_eip")),
		"subnets":   s.SubnetRefs(t, "app"),
		"byTag":     ByTag(s.Resources(t, "aws_subnet"), "Name"),
		"groups":    byName,
		"group":     byRef["${aws_security_group.web.id}"],
		"groupRef":  s.GroupRef(t, "ExternalWeb"),
		"rules":     s.Rules(t),
		"block":     SortedNames(s.Block("output")),
		"pick":      Pick(vpc, map[string]any{"cidr_block": nil, "absent": nil}),
		"strings":   SortedStrings([]any{"b", "a"}),
		"set":       SetOf([]string{"a", "a", "b"}),
	}
	want := map[string]any{
		"only":      []any{"vpc", "10.0.0.0/16"},
		"where":     "web",
		"resources": []string{"app_a", "app_b", "public_a"},
		"none":      0,
		"subnets":   []string{"${aws_subnet.app_a.id}", "${aws_subnet.app_b.id}"},
		"byTag":     map[string]string{"Public-AZ-A": "public_a", "App-AZ-A": "app_a", "App-AZ-B": "app_b"},
		"groups":    map[string]string{"ExternalWeb": "${aws_security_group.lb.id}", "InternalWeb": "${aws_security_group.web.id}"},
		"group":     "InternalWeb",
		"groupRef":  "${aws_security_group.lb.id}",
		"rules":     []string{"ExternalWeb in 443 0.0.0.0/0", "ExternalWeb out 80 InternalWeb", "InternalWeb in 80 ExternalWeb"},
		"block":     []string{"url"},
		"pick":      map[string]any{"cidr_block": "10.0.0.0/16", "absent": nil},
		"strings":   []string{"a", "b"},
		"set":       map[string]bool{"a": true, "b": true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("queries (-want +got):\n%s", diff)
	}
	if got, want := Ref("aws_lb", "alb", "arn"), "${aws_lb.alb.arn}"; got != want {
		t.Errorf("Ref: got %s, want %s", got, want)
	}
}

func TestLoadMissingStack(t *testing.T) {
	if _, err := Load(t.TempDir(), "absent"); err == nil {
		t.Error("Load of a stack that was not synthesized succeeded, want an error")
	}
}
