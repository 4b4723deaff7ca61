//go:build gates

// Package gates holds the pre-apply gates (check.sh) and their tests: the gates
// are run on fixture stacks under testdata/ and must pass the good ones and fail
// the broken ones with a message that names the problem.
package gates

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const toolsHint = "run `bash scripts/tools.sh provider trivy` (or `make tools`)"

// requireTools skips the test (fails it under CI=true) when a tool the gates
// need is missing.
func requireTools(t *testing.T) {
	t.Helper()
	var missing []string
	if !onPath("terraform") && !onPath("tofu") {
		missing = append(missing, "terraform or tofu on PATH")
	}
	cache := os.Getenv("WORDPRESS_CDKTF_CACHE")
	if cache == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			t.Fatalf("no home folder for the tools cache: %v", err)
		}
		cache = filepath.Join(home, ".cache", "wordpress-cdktf")
	}
	if m, _ := filepath.Glob(filepath.Join(cache, "provider-mirror", "registry.*", "hashicorp", "aws", "*", "linux_amd64", "terraform-provider-aws_*")); len(m) == 0 {
		missing = append(missing, "the AWS provider mirror in "+filepath.Join(cache, "provider-mirror"))
	}
	if !isExecutable(filepath.Join(cache, "bin", "trivy")) && !onPath("trivy") {
		missing = append(missing, "trivy in "+filepath.Join(cache, "bin"))
	}
	for _, tool := range []string{"bash", "jq"} {
		if !onPath(tool) {
			missing = append(missing, tool+" on PATH")
		}
	}
	if len(missing) > 0 {
		skipOrFail(t, fmt.Sprintf("the gates need %s: %s", strings.Join(missing, ", "), toolsHint))
	}
}

func skipOrFail(t *testing.T, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

func onPath(name string) bool {
	_, err := exec.LookPath(name)
	return err == nil
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// checkRun is one run of check.sh.
type checkRun struct {
	exit    int
	output  string                       // stdout and stderr, interleaved
	summary map[string]map[string]string // stack -> gate -> ok, FAIL or skip
}

// runCheck runs check.sh on dir with extra environment variables.
func runCheck(t *testing.T, dir string, env ...string) checkRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "check.sh", dir)
	cmd.Env = append(os.Environ(), append([]string{"TMPDIR=" + t.TempDir()}, env...)...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	start := time.Now()
	err := cmd.Run()
	t.Logf("check.sh %s took %s; its output:\n%s", filepath.Base(dir), time.Since(start).Round(time.Second), out.String())
	run := checkRun{output: out.String(), summary: parseSummary(out.String())}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr) && ctx.Err() == nil:
		run.exit = exitErr.ExitCode()
	default:
		t.Fatalf("check.sh %s: %v", dir, err)
	}
	return run
}

// parseSummary reads the table after "=== summary":
// "stack  init-status time  validate-status time  plan-status time  scan-status time".
func parseSummary(out string) map[string]map[string]string {
	gates := []string{"init", "validate", "plan", "scan"}
	summary := map[string]map[string]string{}
	_, table, ok := strings.Cut(out, "\n=== summary\n")
	if !ok {
		return summary
	}
	for _, line := range strings.Split(table, "\n") {
		f := strings.Fields(line)
		if len(f) != 1+2*len(gates) || f[0] == "stack" {
			continue
		}
		summary[f[0]] = map[string]string{}
		for i, g := range gates {
			summary[f[0]][g] = f[1+2*i]
		}
	}
	return summary
}

// section is the part of the output about one stack.
func (r checkRun) section(stack string) string {
	_, rest, ok := strings.Cut(r.output, "=== stack "+stack+" (")
	if !ok {
		return ""
	}
	if i := strings.Index(rest, "\n=== "); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

// copyFixtures copies testdata/<name> for each name into a fresh stacks folder.
func copyFixtures(t *testing.T, names ...string) string {
	t.Helper()
	stacks := t.TempDir()
	for _, name := range names {
		src := filepath.Join("testdata", name, "cdk.tf.json")
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(stacks, name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(stacks, name, "cdk.tf.json"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return stacks
}

func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// plannedAddresses reads plan.json (terraform show -json) and lists the
// addresses of the resources it plans to create.
func plannedAddresses(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var plan struct {
		FormatVersion    string `json:"format_version"`
		TerraformVersion string `json:"terraform_version"`
		ResourceChanges  []struct {
			Address string `json:"address"`
			Change  struct {
				Actions []string `json:"actions"`
			} `json:"change"`
		} `json:"resource_changes"`
	}
	if err := json.Unmarshal(b, &plan); err != nil {
		t.Fatalf("%s is not JSON: %v", path, err)
	}
	if plan.FormatVersion == "" || plan.TerraformVersion == "" {
		t.Fatalf("%s lacks format_version/terraform_version: not a plan JSON", path)
	}
	var addrs []string
	for _, rc := range plan.ResourceChanges {
		if strings.Join(rc.Change.Actions, ",") == "create" {
			addrs = append(addrs, rc.Address)
		}
	}
	sort.Strings(addrs)
	return addrs
}

func allOK() map[string]string {
	return map[string]string{"init": "ok", "validate": "ok", "plan": "ok", "scan": "ok"}
}

// TestGoodStackPassesAllGates runs the gates on one stack folder (the form
// check.sh also accepts) that must pass every gate.
func TestGoodStackPassesAllGates(t *testing.T) {
	requireTools(t)
	stack := filepath.Join(copyFixtures(t, "good"), "good")
	run := runCheck(t, stack)

	if run.exit != 0 {
		t.Errorf("exit status = %d, want 0", run.exit)
	}
	if diff := cmp.Diff(map[string]map[string]string{"good": allOK()}, run.summary); diff != "" {
		t.Errorf("gate summary mismatch (-want +got):\n%s", diff)
	}
	for _, want := range []string{"Plan: 2 to add, 0 to change, 0 to destroy.", "0 blocking (CRITICAL/HIGH)", "gates: all passed"} {
		if !strings.Contains(run.output, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	// The stack folder gets plan.json and nothing else: no override file, no
	// .terraform, no state (its S3 backend was replaced in the scratch copy).
	if diff := cmp.Diff([]string{"cdk.tf.json", "plan.json"}, listFiles(t, stack)); diff != "" {
		t.Errorf("files in the stack folder (-want +got):\n%s", diff)
	}
	want := []string{"aws_security_group.web_sg_4A2E6B1C", "aws_vpc.vpc_0E3D8C4F"}
	if diff := cmp.Diff(want, plannedAddresses(t, filepath.Join(stack, "plan.json"))); diff != "" {
		t.Errorf("planned resources (-want +got):\n%s", diff)
	}
}

// findingLine returns the output line reporting check id on resource, or "".
func findingLine(output, id, resource string) string {
	for _, line := range strings.Split(output, "\n") {
		if strings.Contains(line, " "+id+" ") && strings.Contains(line, " "+resource+": ") {
			return line
		}
	}
	return ""
}

// TestGatesOnFixtures runs the gates once over a stacks folder of fixtures,
// each of which must pass or fail specific gates with a readable message.
func TestGatesOnFixtures(t *testing.T) {
	requireTools(t)
	type finding struct{ id, resource, where string } // where: a file the finding must be reported in
	tests := []struct {
		stack        string
		wantGates    map[string]string
		wantOutput   []string  // each must appear in the stack's part of the output
		wantFindings []finding // each must be reported on one line
		wantFiles    []string  // what the stack folder holds afterwards
		wantPlan     []string  // resources planned for creation in plan.json
	}{
		{
			// terraform validate rejects the attribute value; the scan of
			// cdk.tf.json alone still runs.
			stack:     "invalid-cidr",
			wantGates: map[string]string{"init": "ok", "validate": "FAIL", "plan": "skip", "scan": "ok"},
			wantOutput: []string{
				"Error: expected cidr_block to contain a valid Value, got: not-a-cidr",
				"invalid CIDR address: not-a-cidr",
				"with aws_vpc.vpc_0E3D8C4F",
				"--- plan: skipped (validate failed)",
				"trivy config: cdk.tf.json only, no plan",
			},
			wantFiles: []string{"cdk.tf.json"},
		},
		{
			// A data source needs AWS at plan time: the plan fails at once
			// (no network, dummy credentials) with a hint, instead of hanging.
			stack:     "aws-call",
			wantGates: map[string]string{"init": "ok", "validate": "ok", "plan": "FAIL", "scan": "ok"},
			wantOutput: []string{
				"DescribeAvailabilityZones",
				"dial tcp 127.0.0.1:9: connect: connection refused",
				"with data.aws_availability_zones.zones_1A2B3C4D",
				"hint: the plan tried to call AWS",
			},
			wantFiles: []string{"cdk.tf.json"},
		},
		{
			// Valid Terraform, but SSH open to the world: trivy blocks it. The
			// rule is an inline ingress block, which trivy sees in the plan
			// JSON only.
			stack:     "open-ssh",
			wantGates: map[string]string{"init": "ok", "validate": "ok", "plan": "ok", "scan": "FAIL"},
			wantOutput: []string{
				"Plan: 2 to add, 0 to change, 0 to destroy.",
				"1 blocking (CRITICAL/HIGH)",
				"blocking (fix the stack, or accept the finding in the ignore file with a reason):",
				"Security group rule allows unrestricted ingress from any IP address.",
			},
			wantFindings: []finding{{"AWS-0107", "aws_security_group.ssh_sg_7F1C2D3E", "plan.json"}},
			wantFiles:    []string{"cdk.tf.json", "plan.json"},
			wantPlan:     []string{"aws_security_group.ssh_sg_7F1C2D3E", "aws_vpc.vpc_0E3D8C4F"},
		},
		{
			// The accepted findings of the architecture: public ALB, HTTP
			// listener without a certificate, web servers' HTTPS egress.
			stack:     "public-alb",
			wantGates: allOK(),
			wantOutput: []string{
				"0 blocking (CRITICAL/HIGH)",
				"accepted by the ignore file:",
				"accepted: Internet-facing load balancer",
			},
			wantFindings: []finding{
				{"AWS-0053", "aws_lb.alb_5D1F0A2B", "plan.json"},
				{"AWS-0054", "aws_lb_listener.http_6C2E8A4F", "cdk.tf.json"},
				{"AWS-0104", "aws_security_group.web_sg_4A2E6B1C", "plan.json"},
			},
			wantFiles: []string{"cdk.tf.json", "plan.json"},
			wantPlan: []string{
				"aws_lb.alb_5D1F0A2B", "aws_lb_listener.http_6C2E8A4F", "aws_lb_target_group.web_tg_1E5B3D7C",
				"aws_security_group.alb_sg_2B7C9E1D", "aws_security_group.web_sg_4A2E6B1C",
				"aws_subnet.public_a_8E4F2C6A", "aws_subnet.public_b_3A9D7B5E", "aws_vpc.vpc_0E3D8C4F",
			},
		},
	}
	var names []string
	for _, tc := range tests {
		names = append(names, tc.stack)
	}
	stacks := copyFixtures(t, names...)
	// A short timeout per terraform command: a plan that hangs on AWS fails the
	// aws-call case instead of the whole test binary.
	run := runCheck(t, stacks, "GATES_TF_TIMEOUT=120")
	if run.exit != 1 {
		t.Errorf("exit status = %d, want 1 (a gate failed)", run.exit)
	}
	if !strings.Contains(run.output, "gates: FAILED") {
		t.Errorf("output lacks the final %q", "gates: FAILED")
	}

	for _, tc := range tests {
		t.Run(tc.stack, func(t *testing.T) {
			if diff := cmp.Diff(tc.wantGates, run.summary[tc.stack]); diff != "" {
				t.Errorf("gate results (-want +got):\n%s", diff)
			}
			section := run.section(tc.stack)
			for _, want := range tc.wantOutput {
				if !strings.Contains(section, want) {
					t.Errorf("output for %s lacks %q", tc.stack, want)
				}
			}
			for _, f := range tc.wantFindings {
				line := findingLine(section, f.id, f.resource)
				if line == "" {
					t.Errorf("output for %s reports no %s on %s", tc.stack, f.id, f.resource)
				} else if !strings.Contains(line, f.where) {
					t.Errorf("%s on %s is not reported in %s: %q", f.id, f.resource, f.where, line)
				}
			}
			dir := filepath.Join(stacks, tc.stack)
			if diff := cmp.Diff(tc.wantFiles, listFiles(t, dir)); diff != "" {
				t.Errorf("files in the stack folder (-want +got):\n%s", diff)
			}
			orig, err := os.ReadFile(filepath.Join("testdata", tc.stack, "cdk.tf.json"))
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(filepath.Join(dir, "cdk.tf.json"))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(orig, got) {
				t.Errorf("the gates changed %s/cdk.tf.json", tc.stack)
			}
			if tc.wantPlan != nil {
				if diff := cmp.Diff(tc.wantPlan, plannedAddresses(t, filepath.Join(dir, "plan.json"))); diff != "" {
					t.Errorf("planned resources (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// TestIgnoreFileIsWhatAcceptsTheALB runs the public-alb fixture with an empty
// ignore file: the accepted findings must then block.
func TestIgnoreFileIsWhatAcceptsTheALB(t *testing.T) {
	requireTools(t)
	empty := filepath.Join(t.TempDir(), "empty.yaml")
	if err := os.WriteFile(empty, []byte("misconfigurations: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stack := filepath.Join(copyFixtures(t, "public-alb"), "public-alb")
	run := runCheck(t, stack, "GATES_TRIVY_IGNORE="+empty)

	if run.exit != 1 {
		t.Errorf("exit status = %d, want 1", run.exit)
	}
	want := map[string]map[string]string{"public-alb": {"init": "ok", "validate": "ok", "plan": "ok", "scan": "FAIL"}}
	if diff := cmp.Diff(want, run.summary); diff != "" {
		t.Errorf("gate summary mismatch (-want +got):\n%s", diff)
	}
	_, blocking, _ := strings.Cut(run.output, "blocking (fix the stack")
	blocking, _, _ = strings.Cut(blocking, "information (MEDIUM/LOW):")
	for _, f := range [][2]string{
		{"AWS-0053", "aws_lb.alb_5D1F0A2B"},
		{"AWS-0054", "aws_lb_listener.http_6C2E8A4F"},
		{"AWS-0104", "aws_security_group.web_sg_4A2E6B1C"},
	} {
		if findingLine(blocking, f[0], f[1]) == "" {
			t.Errorf("without the ignore file, %s on %s is not blocking", f[0], f[1])
		}
	}
}

// TestIgnoreFileEntries: every accepted check has a reason and a row in the
// README's table of accepted findings.
func TestIgnoreFileEntries(t *testing.T) {
	ignore, err := os.ReadFile("trivyignore.yaml")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	entries := strings.Split(string(ignore), "\n  - id: ")[1:]
	if len(entries) == 0 {
		t.Fatal("trivyignore.yaml accepts nothing: expected the architecture's findings")
	}
	for _, e := range entries {
		id, _, _ := strings.Cut(e, "\n")
		id = strings.TrimSpace(id)
		if !strings.Contains(e, "statement: ") {
			t.Errorf("trivyignore.yaml: %s has no statement (reason)", id)
		}
		if !strings.Contains(string(readme), "| "+id+" |") {
			t.Errorf("README.md: no row for accepted finding %s", id)
		}
	}
}

// TestShellcheck keeps check.sh shellcheck-clean.
func TestShellcheck(t *testing.T) {
	if !onPath("shellcheck") {
		skipOrFail(t, "shellcheck is not on PATH: run `bash scripts/tools.sh shellcheck` (or `make tools`)")
	}
	out, err := exec.Command("shellcheck", "check.sh").CombinedOutput()
	if err != nil {
		t.Errorf("shellcheck check.sh: %v\n%s", err, out)
	}
}
