package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func parse(t *testing.T, s string) Stack {
	t.Helper()
	var st Stack
	if err := json.Unmarshal([]byte(s), &st); err != nil {
		t.Fatal(err)
	}
	return st
}

// before and after are hand-made: one attribute changed, one resource added,
// one removed, a VPC and its subnet renamed (the subnet references the VPC,
// so it pairs only once the VPC has), a multi-line local edited, and cdktf's
// "//" metadata changed (which is not Terraform and is ignored).
const before = `{
  "locals": {"script": "one\ntwo\nthree"},
  "output": {"vpc": {"value": "${aws_vpc.network_vpc_4E8F0223.id}"}},
  "resource": {
    "aws_vpc": {"network_vpc_4E8F0223": {"//": {"path": "a"}, "cidr_block": "10.0.0.0/16"}},
    "aws_subnet": {"network_app-a_A0424B3D": {"cidr_block": "10.0.8.0/24", "vpc_id": "${aws_vpc.network_vpc_4E8F0223.id}"}},
    "aws_db_instance": {"db": {"instance_class": "db.t4g.micro", "multi_az": true, "tags": {"Name": "db"}}},
    "aws_eip": {"old": {"domain": "vpc"}}
  }
}`

const after = `{
  "locals": {"script": "one\n2\nthree"},
  "output": {"vpc": {"value": "${aws_vpc.vpc.id}"}},
  "resource": {
    "aws_vpc": {"vpc": {"//": {"path": "b"}, "cidr_block": "10.0.0.0/16"}},
    "aws_subnet": {"app_a": {"cidr_block": "10.0.8.0/24", "vpc_id": "${aws_vpc.vpc.id}"}},
    "aws_db_instance": {"db": {"instance_class": "db.t4g.small", "multi_az": true, "tags": {"Name": "db", "Tier": "data"}}},
    "aws_sns_topic": {"alarms": {"name": "alarms"}}
  }
}`

func TestDiff(t *testing.T) {
	diffs := Diff(
		map[string]Stack{"dev": parse(t, before), "gone": parse(t, before)},
		map[string]Stack{"dev": parse(t, after), "new": parse(t, after)},
	)
	if len(diffs) != 3 {
		t.Fatalf("got %d stack diffs, want 3 (dev, gone, new)", len(diffs))
	}
	got := diffs[0]
	got.Before, got.After = nil, nil
	want := StackDiff{
		Name:    "dev",
		Added:   []string{"aws_sns_topic.alarms"},
		Removed: []string{"aws_eip.old"},
		Moved: [][2]string{
			{"aws_subnet.network_app-a_A0424B3D", "aws_subnet.app_a"},
			{"aws_vpc.network_vpc_4E8F0223", "aws_vpc.vpc"},
		},
		Changed: []Change{
			{Addr: "aws_db_instance.db", Attrs: []AttrChange{
				{Path: "aws_db_instance.db\x00instance_class", Before: `"db.t4g.micro"`, After: `"db.t4g.small"`},
				{Path: "aws_db_instance.db\x00tags\x00Tier", After: `"data"`},
			}},
			{Addr: "local.script", Attrs: []AttrChange{
				{Path: "local.script", Before: "(3 lines)", After: "(3 lines)", Lines: []string{"-two", "+2"}},
			}},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("dev (-want +got):\n%s", diff)
	}
	if diffs[1].Name != "gone" || diffs[1].After != nil || diffs[2].Name != "new" || diffs[2].Before != nil {
		t.Errorf("want stack gone removed and stack new added, got %+v, %+v", diffs[1].Name, diffs[2].Name)
	}
}

func TestMarkdown(t *testing.T) {
	diffs := Diff(
		map[string]Stack{"dev": parse(t, before), "same": parse(t, before)},
		map[string]Stack{"dev": parse(t, after), "same": parse(t, before)},
	)
	md := Markdown(diffs, "main")
	for _, want := range []string{
		"## Stack changes against `main`",
		"- `same`: no change.",
		"### `dev`",
		"1 added, 1 removed, 2 moved, 2 changed.",
		"- **added** `aws_sns_topic.alarms`",
		"- **removed** `aws_eip.old`",
		"- **moved** `aws_vpc.network_vpc_4E8F0223` → `aws_vpc.vpc`",
		"  - `instance_class`: `\"db.t4g.micro\"` → `\"db.t4g.small\"`",
		"  - `tags.Tier`: added `\"data\"`",
		"    -two\n    +2\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
}

// TestTwinsPairThroughReferences: two resources equal but for what they
// reference pair one to one once their targets have.
func TestTwinsPairThroughReferences(t *testing.T) {
	b := parse(t, `{"resource": {
	  "aws_subnet": {"s_A1": {"cidr_block": "10.0.0.0/24"}, "s_B2": {"cidr_block": "10.0.1.0/24"}},
	  "aws_route_table_association": {
	    "x_C3": {"subnet_id": "${aws_subnet.s_A1.id}"},
	    "x_D4": {"subnet_id": "${aws_subnet.s_B2.id}"}}}}`)
	a := parse(t, `{"resource": {
	  "aws_subnet": {"a": {"cidr_block": "10.0.0.0/24"}, "b": {"cidr_block": "10.0.1.0/24"}},
	  "aws_route_table_association": {
	    "a": {"subnet_id": "${aws_subnet.a.id}"},
	    "b": {"subnet_id": "${aws_subnet.b.id}"}}}}`)
	d := Diff(map[string]Stack{"s": b}, map[string]Stack{"s": a})[0]
	want := [][2]string{
		{"aws_route_table_association.x_C3", "aws_route_table_association.a"},
		{"aws_route_table_association.x_D4", "aws_route_table_association.b"},
		{"aws_subnet.s_A1", "aws_subnet.a"},
		{"aws_subnet.s_B2", "aws_subnet.b"},
	}
	if diff := cmp.Diff(want, d.Moved); diff != "" || len(d.Added)+len(d.Removed)+len(d.Changed) != 0 {
		t.Errorf("moves (-want +got):\n%s\nadded %v removed %v changed %v", diff, d.Added, d.Removed, d.Changed)
	}
}

// TestRenamedLocal: a local renamed together with the resource that refers
// to it (the boot script and the launch template) is a move, and the
// resource is unchanged.
func TestRenamedLocal(t *testing.T) {
	b := parse(t, `{"locals": {"script_1A": "echo hi"}, "resource": {
	  "aws_instance": {"i_2B": {"user_data": "${base64encode(local.script_1A)}"}}}}`)
	a := parse(t, `{"locals": {"script": "echo hi"}, "resource": {
	  "aws_instance": {"i": {"user_data": "${base64encode(local.script)}"}}}}`)
	d := Diff(map[string]Stack{"s": b}, map[string]Stack{"s": a})[0]
	want := [][2]string{{"aws_instance.i_2B", "aws_instance.i"}, {"local.script_1A", "local.script"}}
	if diff := cmp.Diff(want, d.Moved); diff != "" || len(d.Added)+len(d.Removed)+len(d.Changed) != 0 {
		t.Errorf("moves (-want +got):\n%s\nadded %v removed %v changed %v", diff, d.Added, d.Removed, d.Changed)
	}
}
