package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wordpress-cdktf/resilient-wordpress/constructs/network"
	"github.com/wordpress-cdktf/resilient-wordpress/constructs/wordpress"
	"github.com/wordpress-cdktf/resilient-wordpress/internal/golden"
	"github.com/wordpress-cdktf/resilient-wordpress/internal/review"
	"github.com/wordpress-cdktf/resilient-wordpress/internal/review/reviewtest"
	"github.com/wordpress-cdktf/resilient-wordpress/internal/stacktest"
)

// reviewFiles are written beside every cdk.tf.json; each has a golden file
// testdata/<stack>.<file>.
var reviewFiles = []string{"diagram.mmd", "diagram.dot", "runbook.md", "cost.md"}

func TestReviewGolden(t *testing.T) {
	for _, c := range configs {
		for _, name := range reviewFiles {
			t.Run(c.Environment+"/"+name, func(t *testing.T) {
				got, err := os.ReadFile(filepath.Join(wordpress.StackDir(synthOut, c.Environment), name))
				if err != nil {
					t.Fatal(err)
				}
				golden.Check(t, filepath.Join("testdata", c.Environment+"."+name), string(got))
			})
		}
	}
}

// TestReviewIgnoresAddresses renames every resource of every stack under
// test: the diagram, runbook and cost estimate must not change, because they
// recognise parts by type, attributes and references.
func TestReviewIgnoresAddresses(t *testing.T) {
	for _, c := range configs {
		t.Run(c.Environment, func(t *testing.T) {
			renamed, err := reviewtest.Rename(stacks[c.Environment].JSON)
			if err != nil {
				t.Fatal(err)
			}
			want := review.Files(review.FromDocument(c.Environment, stacks[c.Environment].JSON))
			got := review.Files(review.FromDocument(c.Environment, renamed))
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("renamed addresses changed the review files (-want +got):\n%s", diff)
			}
		})
	}
}

// TestReviewFindsEveryPart checks that the diagram of each stack shows what
// the stack builds, whatever its addresses: every zone's three subnets and
// NAT gateway, the load balancer, servers, database, file system, and the
// optional parts where configured.
func TestReviewFindsEveryPart(t *testing.T) {
	for _, c := range configs {
		t.Run(c.Environment, func(t *testing.T) {
			s := review.FromDocument(c.Environment, stacks[c.Environment].JSON)
			a := review.Analyze(s)
			if got, want := len(a.Subnets), 3*len(c.AvailabilityZones); got != want {
				t.Errorf("got %d subnets, want %d", got, want)
			}
			wantNATs := len(c.AvailabilityZones)
			if c.NatGateways == network.NatSingle {
				wantNATs = 1
			}
			if got, want := len(a.NATs), wantNATs; got != want {
				t.Errorf("got %d NAT gateways, want %d", got, want)
			}
			var kinds []string
			for _, comp := range a.Components {
				kinds = append(kinds, comp.ID+"@"+comp.Tier)
			}
			var want []string
			if c.CDN {
				want = append(want, "cdn@")
			}
			if c.WAF {
				want = append(want, "waf@")
			}
			want = append(want, "alb@public", "web@app", "db@data", "efs@data")
			if c.ObjectCache {
				want = append(want, "cache@data")
			}
			if diff := cmp.Diff(want, kinds); diff != "" {
				t.Errorf("components (-want +got):\n%s", diff)
			}
			mmd := string(review.Mermaid(s))
			wantText := []string{"ExternalWeb", "InternalWeb", "InternalData", "InternalEFS", c.Name() + "-mysql"}
			if c.CertificateARN != "" {
				wantText = append(wantText, "HTTPS :443")
			}
			if c.StateBucket != "" {
				wantText = append(wantText, "S3 state bucket", c.StateBucket)
			}
			for _, w := range wantText {
				if !strings.Contains(mmd, w) {
					t.Errorf("diagram.mmd lacks %q", w)
				}
			}
		})
	}
}

// TestSummaries: the line `go run .` prints per stack.
func TestSummaries(t *testing.T) {
	lines, err := review.Summaries(synthOut)
	if err != nil {
		t.Fatal(err)
	}
	if want := len(stacks) + len(frontStacks); len(lines) != want {
		t.Fatalf("got %d lines, want one per stack (%d):\n%s", len(lines), want, strings.Join(lines, "\n"))
	}
	for _, l := range lines {
		name, _, _ := strings.Cut(l, ":")
		s, ok := stacks[name]
		if !ok {
			s = frontStacks[name]
		}
		res := resourcesCount(s)
		if !strings.HasPrefix(l, name+": "+strconv.Itoa(res)+" resources, ") || !strings.HasSuffix(l, filepath.Join(synthOut, "stacks", name)) {
			t.Errorf("line %q: want name, %d resources, cost, folder", l, res)
		}
	}
}

func resourcesCount(s *stacktest.Stack) int {
	n := 0
	for _, byName := range s.Block("resource") {
		n += len(stacktest.AsMap(byName))
	}
	return n
}
