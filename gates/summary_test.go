package gates

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestSummaryRoundTrip(t *testing.T) {
	engines := []string{"terraform", "tofu"}
	ok := func(s float64) GateResult { return GateResult{StatusOK, time.Duration(s * float64(time.Second))} }
	results := []map[string]GateResult{
		{"terraform init": ok(1.2), "terraform validate": ok(3), "terraform plan": ok(4.25),
			"tofu init": ok(1), "tofu validate": ok(2.9), "tofu plan": ok(4), "scan": ok(5)},
		{"terraform init": ok(1.2), "terraform validate": {StatusFail, 3 * time.Second}, "terraform plan": {Status: StatusSkip},
			"tofu init": {StatusFail, time.Second}, "tofu validate": {Status: StatusSkip}, "scan": ok(2)},
	}
	var out bytes.Buffer
	out.WriteString("=== stack dev (cdktf.out/stacks/dev)\n    ok (1.2s)\n")
	WriteSummary(&out, engines, []string{"dev", "invalid-cidr"}, results)
	want := "=== stack dev (cdktf.out/stacks/dev)\n    ok (1.2s)\n\n=== summary\n" +
		"              terraform                              tofu\n" +
		"stack         init         validate     plan         init         validate     plan         scan\n" +
		"dev           ok 1.2s      ok 3.0s      ok 4.2s      ok 1.0s      ok 2.9s      ok 4.0s      ok 5.0s\n" +
		"invalid-cidr  ok 1.2s      FAIL 3.0s    skip -       FAIL 1.0s    skip -       skip -       ok 2.0s\n"
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	parsed := ParseSummary(out.String(), engines)
	wantParsed := map[string]map[string]string{
		"dev": {"terraform init": "ok", "terraform validate": "ok", "terraform plan": "ok",
			"tofu init": "ok", "tofu validate": "ok", "tofu plan": "ok", "scan": "ok"},
		"invalid-cidr": {"terraform init": "ok", "terraform validate": "FAIL", "terraform plan": "skip",
			"tofu init": "FAIL", "tofu validate": "skip", "tofu plan": "skip", "scan": "ok"},
	}
	if diff := cmp.Diff(wantParsed, parsed); diff != "" {
		t.Errorf("ParseSummary (-want +got):\n%s", diff)
	}
}

func TestWriteStale(t *testing.T) {
	ignore := mustIgnore(t, testIgnore)
	tests := []struct {
		name     string
		used     []int
		complete bool
		want     string
	}{
		{
			name: "all used", used: []int{1, 1, 0, 1, 1}, complete: true,
			want: "gates: i.yaml: AWS-0104 expired on 2026-01-01 and accepts nothing any more: fix the finding, or renew the entry with a reason\n",
		},
		{
			name: "one stale", used: []int{1, 0, 0, 1, 1}, complete: true,
			want: "gates: i.yaml: AWS-0104 expired on 2026-01-01 and accepts nothing any more: fix the finding, or renew the entry with a reason\n" +
				"gates: i.yaml: stale: accepted nothing on any stack of this run; the finding no longer occurs, so remove the entry before it accepts the next regression of the check unseen:\n" +
				"  AWS-0130 (paths: cdk.tf.json)\n",
		},
		{
			name: "stale, some plan missing", used: []int{1, 1, 0, 0, 1}, complete: false,
			want: "gates: i.yaml: AWS-0104 expired on 2026-01-01 and accepts nothing any more: fix the finding, or renew the entry with a reason\n" +
				"gates: i.yaml: stale: accepted nothing on any stack of this run (not every stack was scanned with its plan: check again once they are); the finding no longer occurs, so remove the entry before it accepts the next regression of the check unseen:\n" +
				"  AVD-AWS-0054\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			WriteStale(&out, ignore, "i.yaml", tc.used, tc.complete, testNow)
			if diff := cmp.Diff(tc.want, out.String()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestWriteTools(t *testing.T) {
	engines := []Engine{
		{Name: "terraform", Version: "1.11.4"},
		{Name: "tofu", Version: "1.10.7-dev"},
	}
	sources := map[string]ProviderSource{
		"terraform": {Kind: SourcePluginDir, Release: true},
		"tofu":      {Kind: SourceDevBuild, Release: false},
	}
	chosen := map[string]map[string]bool{"terraform": {"5.100.0": true}, "tofu": {"5.84.0": true}}
	var out bytes.Buffer
	WriteTools(&out, engines, sources, chosen)
	want := "gates: ran terraform 1.11.4 (a release) with hashicorp/aws 5.100.0 (a release, plugin directory); " +
		"tofu 1.10.7-dev (NOT a release) with hashicorp/aws 5.84.0 (a DEVELOPMENT BUILD, development build)\n"
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
