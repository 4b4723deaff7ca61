package gates

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestParseTrivyJSON reads a report trivy 0.74 wrote for the public-alb
// fixture and its plan (testdata/trivy/public-alb.json).
func TestParseTrivyJSON(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "trivy", "public-alb.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	findings, err := ParseTrivyJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	type key struct{ ID, Severity, File, Resource string }
	var got []key
	for _, fd := range findings {
		got = append(got, key{fd.ID, fd.Severity, fd.File, fd.Resource})
		if fd.File == planFile && fd.Line != 0 {
			t.Errorf("%s in plan.json has line %d, want none (trivy renders the plan's HCL itself)", fd.ID, fd.Line)
		}
		if want := map[string]string{planFile: "main.tf", stackFile: stackFile}[fd.File]; fd.Target != want {
			t.Errorf("%s in %s: trivy's target %q, want %q", fd.ID, fd.File, fd.Target, want)
		}
		if fd.File == stackFile && fd.Line == 0 {
			t.Errorf("%s in cdk.tf.json has no line", fd.ID)
		}
		if fd.Message == "" || strings.Contains(fd.Message, "\n") {
			t.Errorf("%s: message %q, want one non-empty line", fd.ID, fd.Message)
		}
	}
	want := []key{
		{"AWS-0054", "CRITICAL", stackFile, "aws_lb_listener.http_6C2E8A4F"},
		{"AWS-0104", "CRITICAL", planFile, "aws_security_group.web_sg_4A2E6B1C"},
		{"AWS-0053", "HIGH", planFile, "aws_lb.alb_5D1F0A2B"},
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || g == w
		}
		if !found {
			t.Errorf("no finding %+v in %+v", w, got)
		}
	}
	for i := 1; i < len(findings); i++ {
		if severityRank(findings[i-1].Severity) > severityRank(findings[i].Severity) {
			t.Errorf("findings not sorted by severity: %s before %s", findings[i-1].Severity, findings[i].Severity)
		}
	}
}

func TestParseTrivyJSONErrors(t *testing.T) {
	for name, in := range map[string]string{
		"not JSON":        "Version: 0.74.0",
		"finding, no ID":  `{"Results":[{"Target":"cdk.tf.json","Type":"terraform","Misconfigurations":[{"Status":"FAIL"}]}]}`,
		"truncated input": `{"Results":[`,
	} {
		if _, err := ParseTrivyJSON(strings.NewReader(in)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	fs, err := ParseTrivyJSON(strings.NewReader(`{"Results":[{"Target":"cdk.tf.json","Type":"terraform","Misconfigurations":[{"ID":"AWS-1","Status":"PASS"}]}]}`))
	if err != nil || len(fs) != 0 {
		t.Errorf("passed checks: got %v, %v; want no findings", fs, err)
	}
}

func finding(id, sev, file, resource string, line int) Finding {
	return Finding{ID: id, Severity: sev, File: file, Resource: resource, Line: line, Message: id + " message"}
}

func TestClassifyAndWrite(t *testing.T) {
	ignore := mustIgnore(t, testIgnore)
	findings := []Finding{
		finding("AWS-0107", "CRITICAL", planFile, "aws_security_group.ssh", 0),
		finding("AWS-0053", "HIGH", stackFile, "aws_lb.alb", 12),
		finding("AWS-0053", "HIGH", planFile, "aws_lb.alb", 0),
		finding("AWS-0130", "HIGH", stackFile, "aws_launch_template.web", 40),
		finding("AWS-0130", "HIGH", planFile, "aws_launch_template.web", 0),
		finding("AWS-0164", "HIGH", stackFile, "aws_subnet.public_a", 7),
		finding("AWS-0178", "MEDIUM", planFile, "aws_vpc.vpc", 0),
	}
	sortFindings(findings)
	rep := Classify(findings, ignore, testNow, true)
	if !rep.Failed() {
		t.Error("Failed() = false with blocking findings")
	}
	if diff := cmp.Diff([]int{2, 1, 0, 0, 0}, rep.Used); diff != "" {
		t.Errorf("Used (-want +got):\n%s", diff)
	}
	var out bytes.Buffer
	rep.Write(&out, "gates/trivyignore.yaml")
	want := `    3 blocking (CRITICAL/HIGH), 1 for information (MEDIUM/LOW), 2 accepted by gates/trivyignore.yaml
    blocking (fix the stack, or accept the finding in the ignore file with a reason):
      CRITICAL AWS-0107  aws_security_group.ssh: AWS-0107 message [plan.json]
      HIGH     AWS-0130  aws_launch_template.web: AWS-0130 message [plan.json]
      HIGH     AWS-0164  aws_subnet.public_a: AWS-0164 message [cdk.tf.json:7 only]
    information (MEDIUM/LOW):
      MEDIUM   AWS-0178  aws_vpc.vpc: AWS-0178 message [plan.json]
    accepted by the ignore file:
      HIGH     AWS-0053  aws_lb.alb: AWS-0053 message [cdk.tf.json:12, plan.json]
                         accepted: public ALB by design
      HIGH     AWS-0130  aws_launch_template.web: AWS-0130 message [cdk.tf.json:40 only]
                         accepted: false positive in .tf.json
    note: "cdk.tf.json only" = not seen in the plan scan. trivy reads nested blocks of .tf.json
    files as attributes, so such a finding may be false: if plan.json shows the setting is right,
    accept the check for cdk.tf.json only (paths: [cdk.tf.json]) with the reason.
`
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
}

func TestClassifyWithoutPlan(t *testing.T) {
	ignore := mustIgnore(t, "misconfigurations: []\n")
	rep := Classify([]Finding{finding("AWS-0164", "HIGH", stackFile, "aws_subnet.a", 7), finding("AWS-0017", "LOW", stackFile, "", 3)}, ignore, testNow, false)
	var out bytes.Buffer
	rep.Write(&out, "empty.yaml")
	want := `    1 blocking (CRITICAL/HIGH), 1 for information (MEDIUM/LOW), 0 accepted by empty.yaml
    blocking (fix the stack, or accept the finding in the ignore file with a reason):
      HIGH     AWS-0164  aws_subnet.a: AWS-0164 message [cdk.tf.json:7]
    information (MEDIUM/LOW):
      LOW      AWS-0017  -: AWS-0017 message [cdk.tf.json:3]
`
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
}

func TestNoFindingsPasses(t *testing.T) {
	rep := Classify(nil, mustIgnore(t, testIgnore), testNow, true)
	if rep.Failed() {
		t.Error("Failed() = true without findings")
	}
	var out bytes.Buffer
	rep.Write(&out, "i.yaml")
	if want := "    0 blocking (CRITICAL/HIGH), 0 for information (MEDIUM/LOW), 0 accepted by i.yaml\n"; out.String() != want {
		t.Errorf("report = %q, want %q", out.String(), want)
	}
}
