package gates

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var testNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func mustIgnore(t *testing.T, yaml string) *IgnoreFile {
	t.Helper()
	f, err := ParseIgnoreFile("ignore.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

const testIgnore = `misconfigurations:
  - id: AWS-0053
    statement: public ALB by design
  - id: AWS-0130
    paths: ["cdk.tf.json"]
    statement: false positive in .tf.json
  - id: AWS-0104
    statement: expired acceptance
    expired_at: 2026-01-01
  - id: AVD-AWS-0054
    statement: matched by the old ID
  - id: AWS-0086
    paths: ["main.tf"]
    statement: plan-only false positive, named as trivy names the plan
`

func TestIgnoreMatch(t *testing.T) {
	ignore := mustIgnore(t, testIgnore)
	tests := []struct {
		name string
		f    Finding
		want int
	}{
		{"by ID, any file", Finding{ID: "AWS-0053", File: planFile}, 0},
		{"by ID, in the path the entry names", Finding{ID: "AWS-0130", File: stackFile}, 1},
		{"by ID, outside the entry's paths", Finding{ID: "AWS-0130", File: planFile}, -1},
		{"expired entry accepts nothing", Finding{ID: "AWS-0104", File: stackFile}, -1},
		{"by the older AVD ID", Finding{ID: "AWS-0054", AVDID: "AVD-AWS-0054", File: planFile}, 3},
		{"another check", Finding{ID: "AWS-0107", AVDID: "AVD-AWS-0107", File: planFile}, -1},
		{"plan finding by trivy's name of the plan", Finding{ID: "AWS-0086", File: planFile, Target: "main.tf"}, 4},
		{"not in cdk.tf.json", Finding{ID: "AWS-0086", File: stackFile, Target: stackFile}, -1},
		{"an empty AVD ID matches nothing", Finding{ID: "AWS-9999", File: planFile}, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ignore.Match(tc.f, testNow); got != tc.want {
				t.Errorf("Match(%+v) = %d, want %d", tc.f, got, tc.want)
			}
		})
	}
}

func TestIgnoreFileErrors(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"no id", "misconfigurations:\n  - statement: why\n", "misconfigurations[0]: no id"},
		{"no statement", "misconfigurations:\n  - id: AWS-0053\n", "misconfigurations[0] (AWS-0053): no statement"},
		{"bad pattern", "misconfigurations:\n  - id: AWS-0053\n    statement: why\n    paths: [\"[\"]\n", `paths: got "[", want a file pattern`},
		{"another scanner's section", "vulnerabilities:\n  - id: CVE-1\n", "field vulnerabilities not found"},
		{"unknown key", "misconfigurations:\n  - id: AWS-0053\n    statment: typo\n", "field statment not found"},
		{"not YAML", "misconfigurations: [\n", "ignore.yaml: yaml"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseIgnoreFile("ignore.yaml", []byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ParseIgnoreFile error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestIgnoreFileEmpty(t *testing.T) {
	for _, yaml := range []string{"", "misconfigurations: []\n"} {
		f, err := ParseIgnoreFile("empty.yaml", []byte(yaml))
		if err != nil || len(f.Entries) != 0 {
			t.Errorf("ParseIgnoreFile(%q) = %v, %v; want no entries, no error", yaml, f, err)
		}
	}
}

func TestStaleAndExpired(t *testing.T) {
	ignore := mustIgnore(t, testIgnore)
	ids := func(es []IgnoreEntry) []string {
		var out []string
		for _, e := range es {
			out = append(out, e.ID)
		}
		return out
	}
	tests := []struct {
		name string
		used []int
		want []string
	}{
		{"every entry used", []int{1, 2, 0, 1, 1}, nil},
		{"unused entries are stale, the expired one is not", []int{3, 0, 0, 0, 1}, []string{"AWS-0130", "AVD-AWS-0054"}},
		{"no counts at all", nil, []string{"AWS-0053", "AWS-0130", "AVD-AWS-0054", "AWS-0086"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, ids(ignore.Stale(tc.used, testNow))); diff != "" {
				t.Errorf("Stale (-want +got):\n%s", diff)
			}
		})
	}
	if diff := cmp.Diff([]string{"AWS-0104"}, ids(ignore.Expired(testNow))); diff != "" {
		t.Errorf("Expired (-want +got):\n%s", diff)
	}
}

// TestProjectIgnoreFile: the project's ignore file loads, and every
// accepted check has a row in gates/README.md's table of accepted findings.
func TestProjectIgnoreFile(t *testing.T) {
	ignore, err := LoadIgnoreFile("trivyignore.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(ignore.Entries) == 0 {
		t.Fatal("trivyignore.yaml accepts nothing: expected the architecture's findings")
	}
	readme := readFile(t, "README.md")
	for _, e := range ignore.Entries {
		if !strings.Contains(readme, "| "+e.ID+" |") {
			t.Errorf("README.md: no row for accepted finding %s", e.ID)
		}
	}
}
