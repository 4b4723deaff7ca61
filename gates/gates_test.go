//go:build gates

// The gates run on fixture stacks under testdata/, with the real engines,
// provider and trivy: they must pass the good ones and fail the broken ones
// with a message that names the problem.

package gates

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var engines = []string{"terraform", "tofu"}

func cacheDir(t *testing.T) string {
	t.Helper()
	if c := os.Getenv("WORDPRESS_CDKTF_CACHE"); c != "" {
		return c
	}
	home, err := os.UserHomeDir()
	if err != nil {
		t.Fatalf("no home folder for the tools cache: %v", err)
	}
	return filepath.Join(home, ".cache", "wordpress-cdktf")
}

func providerOptions(t *testing.T) ProviderOptions {
	home, _ := os.UserHomeDir()
	return ProviderOptions{
		PluginDirs: DefaultPluginDirs(home),
		DevMirror:  filepath.Join(cacheDir(t), "provider-mirror"),
		Probe:      ProbeRegistry(3 * time.Second),
	}
}

// requireTools skips the test (fails it under CI=true) when a tool the gates
// need is missing.
func requireTools(t *testing.T) {
	t.Helper()
	var missing []string
	bin := filepath.Join(cacheDir(t), "bin")
	for _, e := range engines {
		if _, err := FindEngine(context.Background(), e, bin); err != nil {
			missing = append(missing, err.Error())
		}
	}
	if _, err := findTrivy(bin); err != nil {
		missing = append(missing, err.Error())
	}
	for _, host := range []string{engineHosts["terraform"], engineHosts["tofu"]} {
		if _, err := ResolveProvider(context.Background(), host, providerOptions(t)); err != nil {
			missing = append(missing, err.Error())
		}
	}
	if len(missing) > 0 {
		msg := "the gates need their tools: " + strings.Join(missing, "; ")
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
}

// gateRun is one run of the gates.
type gateRun struct {
	exit    int
	output  string
	summary map[string]map[string]string // stack -> gate -> ok, FAIL or skip
}

// runGates runs the gates on args with the ignore file (default: the
// project's).
func runGates(t *testing.T, ignore string, args ...string) gateRun {
	t.Helper()
	if ignore == "" {
		ignore = "trivyignore.yaml"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var out bytes.Buffer
	start := time.Now()
	t.Setenv("TMPDIR", t.TempDir())
	code := Run(ctx, Options{
		Stacks:     args,
		IgnoreFile: ignore,
		Cache:      cacheDir(t),
		Engines:    engines,
		// Short: a plan that hangs on AWS fails its case, not the test binary.
		Timeout:  2 * time.Minute,
		Jobs:     2,
		Provider: providerOptions(t),
		Out:      &out,
	})
	t.Logf("the gates on %s took %s; their output:\n%s", strings.Join(args, " "), time.Since(start).Round(time.Second), out.String())
	return gateRun{exit: code, output: out.String(), summary: ParseSummary(out.String(), engines)}
}

// section is the part of the output about one stack.
func (r gateRun) section(stack string) string {
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
		if err := copyStack(Stack{Name: name, Dir: filepath.Join("testdata", name)}, filepath.Join(stacks, name)); err != nil {
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
	if err := json.Unmarshal([]byte(readFile(t, path)), &plan); err != nil {
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

// gates returns the summary row of a stack whose gates have the given
// statuses for every engine, and scan for the scan.
func gates(init, validate, plan, scan string) map[string]string {
	row := map[string]string{"scan": scan}
	for _, e := range engines {
		row[e+" init"], row[e+" validate"], row[e+" plan"] = init, validate, plan
	}
	return row
}

// TestGoodStackPassesAllGates runs the gates on one stack folder, laid out
// as cdktf leaves it after a deploy (lock file, .terraform), that must pass
// every gate with both engines and leave the folder as it was but for
// plan.json.
func TestGoodStackPassesAllGates(t *testing.T) {
	requireTools(t)
	stack := filepath.Join(copyFixtures(t, "good"), "good")
	lock := "# the lock file cdktf deploy uses: the gates must not touch it\n"
	writeFiles(t, stack, map[string]string{".terraform.lock.hcl": lock, ".terraform/marker": "x"})
	run := runGates(t, "", stack)

	if run.exit != ExitPassed {
		t.Errorf("exit status = %d, want %d", run.exit, ExitPassed)
	}
	if diff := cmp.Diff(map[string]map[string]string{"good": gates("ok", "ok", "ok", "ok")}, run.summary); diff != "" {
		t.Errorf("gate summary mismatch (-want +got):\n%s", diff)
	}
	for _, want := range []string{
		"--- terraform plan", "--- tofu plan", "Plan: 2 to add, 0 to change, 0 to destroy.",
		"backend: s3 replaced by an empty local state in the scratch copy",
		"0 blocking (CRITICAL/HIGH)", "gates: all passed",
		"gates: engine terraform ", "gates: engine tofu ",
	} {
		if !strings.Contains(run.output, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	// Every run says which provider build each engine used, and whether it
	// is a release.
	for _, e := range engines {
		if !strings.Contains(run.output, "gates: ran ") || !strings.Contains(run.output, e+" ") {
			t.Errorf("output does not say which %s ran", e)
		}
	}
	if !strings.Contains(run.output, "with hashicorp/aws ") {
		t.Error("output does not say which hashicorp/aws the engines used")
	}
	if diff := cmp.Diff([]string{".terraform", ".terraform.lock.hcl", "cdk.tf.json", "plan.json"}, listFiles(t, stack)); diff != "" {
		t.Errorf("files in the stack folder (-want +got):\n%s", diff)
	}
	if got := readFile(t, filepath.Join(stack, ".terraform.lock.hcl")); got != lock {
		t.Errorf("the gates changed the stack's lock file: %q", got)
	}
	if diff := cmp.Diff([]string{"marker"}, listFiles(t, filepath.Join(stack, ".terraform"))); diff != "" {
		t.Errorf("the gates changed the stack's .terraform (-want +got):\n%s", diff)
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
			// Both engines' validate rejects the attribute value; the scan
			// of cdk.tf.json alone still runs.
			stack:     "invalid-cidr",
			wantGates: gates("ok", "FAIL", "skip", "ok"),
			wantOutput: []string{
				"Error: expected cidr_block to contain a valid Value, got: not-a-cidr",
				"invalid CIDR address: not-a-cidr",
				"with aws_vpc.vpc_0E3D8C4F",
				"--- terraform plan: skipped (validate failed)",
				"--- tofu plan: skipped (validate failed)",
				"trivy config: cdk.tf.json only, no plan",
			},
			wantFiles: []string{"cdk.tf.json"},
		},
		{
			// A data source needs AWS at plan time: the plan fails at once
			// (no network, dummy credentials) with a hint, instead of
			// hanging. Its local backend sits at an absolute path, as
			// cdktf's implicit backend writes it: planned from a copy.
			stack:     "aws-call",
			wantGates: gates("ok", "ok", "FAIL", "ok"),
			wantOutput: []string{
				`backend: local "/home/user/wordpress/terraform.aws-call.tfstate", outside the stack folder`,
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
			wantGates: gates("ok", "ok", "ok", "FAIL"),
			wantOutput: []string{
				`backend: local "terraform.open-ssh.tfstate", as synthesized; no state yet`,
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
			wantGates: gates("ok", "ok", "ok", "ok"),
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
		{
			// The database's block was removed from the stack, and with it
			// its prevent_destroy: the engines plan the delete from the
			// state beside cdk.tf.json; the gates fail it.
			stack:     "removed-database",
			wantGates: gates("ok", "ok", "FAIL", "ok"),
			wantOutput: []string{
				`backend: local "terraform.removed-database.tfstate", as synthesized; planned against that state`,
				"Plan: 1 to add, 0 to change, 1 to destroy.",
				"the plan destroys 1 protected resource(s)",
				"| aws_db_instance.database_instance_D7FC2283: delete",
				"hint: aws_db_instance and aws_efs_file_system hold the site's data",
			},
			wantFiles: []string{"cdk.tf.json", "terraform.removed-database.tfstate"},
		},
		{
			// A changed creation token replaces the file system, whose
			// prevent_destroy makes both engines refuse the plan.
			stack:     "replaced-file-system",
			wantGates: gates("ok", "ok", "FAIL", "ok"),
			wantOutput: []string{
				"creation_token          = \"gates-replaced-file-system-v1\" -> \"gates-replaced-file-system-v2\" # forces replacement",
				"Error: Instance cannot be destroyed",
				"hint: the plan would destroy a resource with lifecycle.prevent_destroy",
			},
			wantFiles: []string{"cdk.tf.json", "terraform.replaced-file-system.tfstate"},
		},
	}
	var names []string
	for _, tc := range tests {
		names = append(names, tc.stack)
	}
	stacks := copyFixtures(t, names...)
	run := runGates(t, "", stacks)
	if run.exit != ExitFailed {
		t.Errorf("exit status = %d, want %d (a gate failed)", run.exit, ExitFailed)
	}
	if !strings.HasSuffix(run.output, "gates: FAILED\n") {
		t.Errorf("output does not end with %q", "gates: FAILED")
	}
	// No fixture has a launch template, so the acceptance of AWS-0130
	// accepted nothing: stale. public-alb uses that of AWS-0053.
	_, stale, _ := strings.Cut(run.output, "stale: ")
	stale, _, _ = strings.Cut(stale, "gates: FAILED")
	if !strings.Contains(stale, "  AWS-0130 (paths: cdk.tf.json)\n") || strings.Contains(stale, "AWS-0053") {
		t.Errorf("stale entries: want AWS-0130 only, got:\n%s", stale)
	}

	for _, tc := range tests {
		t.Run(tc.stack, func(t *testing.T) {
			if diff := cmp.Diff(tc.wantGates, run.summary[tc.stack]); diff != "" {
				t.Errorf("gate results (-want +got):\n%s", diff)
			}
			section := run.section(tc.stack)
			for _, want := range tc.wantOutput {
				if n := strings.Count(section, want); n == 0 {
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
			for _, f := range listFiles(t, filepath.Join("testdata", tc.stack)) {
				if readFile(t, filepath.Join("testdata", tc.stack, f)) != readFile(t, filepath.Join(dir, f)) {
					t.Errorf("the gates changed %s/%s", tc.stack, f)
				}
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
// ignore file: the accepted findings must then block, and no entry is stale.
func TestIgnoreFileIsWhatAcceptsTheALB(t *testing.T) {
	requireTools(t)
	empty := filepath.Join(t.TempDir(), "empty.yaml")
	if err := os.WriteFile(empty, []byte("misconfigurations: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stack := filepath.Join(copyFixtures(t, "public-alb"), "public-alb")
	run := runGates(t, empty, stack)

	if run.exit != ExitFailed {
		t.Errorf("exit status = %d, want %d", run.exit, ExitFailed)
	}
	want := map[string]map[string]string{"public-alb": gates("ok", "ok", "ok", "FAIL")}
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
	if strings.Contains(run.output, "stale") {
		t.Error("an empty ignore file has no stale entries")
	}
}
