package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/wordpress-cdktf/resilient-wordpress/internal/addresses"
	"github.com/wordpress-cdktf/resilient-wordpress/internal/golden"
	"github.com/wordpress-cdktf/resilient-wordpress/internal/stacktest"
)

// releasedAddresses lists, per stack, every Terraform address a release has
// shipped: "<stack> <address>" a line. Once deployed, an address names a
// real resource in someone's state; if it disappears from the stack without
// a moved block, Terraform destroys that resource and creates a new one.
var releasedAddresses = filepath.Join("testdata", "released-addresses.txt")

// addressesOf returns the Terraform addresses of a synthesized stack:
// resources, data sources and local values.
func addressesOf(s *stacktest.Stack) []string {
	var out []string
	for typ, rs := range s.Block("resource") {
		for name := range stacktest.AsMap(rs) {
			out = append(out, typ+"."+name)
		}
	}
	for typ, rs := range s.Block("data") {
		for name := range stacktest.AsMap(rs) {
			out = append(out, "data."+typ+"."+name)
		}
	}
	for name := range s.Block("locals") {
		out = append(out, "local."+name)
	}
	sort.Strings(out)
	return out
}

// TestAddressesAreReadable: every address is named by role and zone, with
// no hash and no index (cdktf's default is aws_subnet.network_app-a_A0424B3D).
func TestAddressesAreReadable(t *testing.T) {
	for _, c := range configs {
		t.Run(c.Environment, func(t *testing.T) {
			for _, a := range addressesOf(stacks[c.Environment]) {
				name := a[strings.LastIndex(a, ".")+1:]
				if err := addresses.CheckName(name); err != nil {
					t.Errorf("%s: %v", a, err)
				}
			}
		})
	}
}

// TestReleasedAddressesRemain fails when an address that has been released
// is gone from its stack, unless a moved block of the stack says where it
// went. -update adds the addresses of new resources; it never removes one
// (a resource deliberately destroyed is deleted from the list by hand, in
// the change that destroys it, for a reviewer to see).
func TestReleasedAddressesRemain(t *testing.T) {
	released, err := readReleased()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range configs {
		current := map[string]bool{}
		for _, a := range addressesOf(stacks[c.Environment]) {
			current[a] = true
		}
		for _, m := range stacktest.AsSlice(stacks[c.Environment].JSON["moved"]) {
			from, _ := stacktest.AsMap(m)["from"].(string)
			current[from] = true // moved on: the address lives on elsewhere
		}
		for _, a := range released[c.Environment] {
			if !current[a] {
				t.Errorf("stack %s: released address %s is gone: a deploy would destroy it and create its successor; add a moved block (cdktf: resource.MoveFromId / MoveTo), see README, \"Addresses\"", c.Environment, a)
			}
		}
	}
	if !*golden.Update {
		return
	}
	for _, c := range configs {
		seen := map[string]bool{}
		for _, a := range released[c.Environment] {
			seen[a] = true
		}
		for _, a := range addressesOf(stacks[c.Environment]) {
			if !seen[a] {
				released[c.Environment] = append(released[c.Environment], a)
			}
		}
	}
	if err := writeReleased(released); err != nil {
		t.Fatal(err)
	}
}

func readReleased() (map[string][]string, error) {
	out := map[string][]string{}
	f, err := os.Open(releasedAddresses)
	if os.IsNotExist(err) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for n := 1; s.Scan(); n++ {
		line := strings.TrimSpace(s.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		stack, address, ok := strings.Cut(line, " ")
		if !ok {
			return nil, fmt.Errorf("%s:%d: got %q, want \"<stack> <address>\"", releasedAddresses, n, line)
		}
		out[stack] = append(out[stack], address)
	}
	return out, s.Err()
}

func writeReleased(released map[string][]string) error {
	var b strings.Builder
	b.WriteString("# Terraform addresses released per stack: \"<stack> <address>\". Tests fail when one disappears\n")
	b.WriteString("# without a moved block. go test ./... -update appends new ones; nothing removes them but a reviewed edit.\n")
	for _, stack := range stacktest.SortedNames(released) {
		list := append([]string(nil), released[stack]...)
		sort.Strings(list)
		for _, a := range list {
			fmt.Fprintf(&b, "%s %s\n", stack, a)
		}
	}
	return os.WriteFile(releasedAddresses, []byte(b.String()), 0o644)
}
