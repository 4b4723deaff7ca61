package gates

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// ScanReport is the scan gate's verdict on one stack: its findings grouped
// into one line per check and resource.
type ScanReport struct {
	Blocking []ReportLine // CRITICAL/HIGH and not accepted: these fail the scan
	Info     []ReportLine // MEDIUM/LOW/UNKNOWN and not accepted
	Accepted []ReportLine // accepted by the ignore file
	// CDKOnly counts the lines of failed (not accepted) findings seen in
	// cdk.tf.json but not in the scanned plan.
	CDKOnly int
	// Used holds, for each ignore entry, how many findings it accepted.
	Used []int
}

// ReportLine is one check on one resource, with the files it was seen in.
type ReportLine struct {
	Severity  string
	ID        string
	Resource  string
	Message   string
	Where     []string // "cdk.tf.json:46", "plan.json"
	Only      bool     // seen in cdk.tf.json only, although a plan was scanned
	Statement string   // accepted lines: the ignore entry's reason
}

// Failed says whether the scan gate fails.
func (r ScanReport) Failed() bool { return len(r.Blocking) > 0 }

// Classify groups the findings of one stack's scan and applies the ignore
// file. planScanned says whether plan.json was part of the scan: only then
// is "seen in cdk.tf.json only" worth saying.
//
// Both files gate, because trivy is blind in different places in each:
//   - cdk.tf.json: trivy reads the nested blocks of a .tf.json file
//     (ingress/egress rules, metadata_options, ...) as plain attributes, so it
//     misses findings in them (SSH open in an inline rule) and reports
//     settings in them as missing (IMDSv2 "not required" on a launch template
//     that requires it);
//   - plan.json: values known only after apply (ARNs, IDs) are unknown, so
//     checks that join two resources through them can miss (an HTTP listener
//     is not matched to its load balancer).
func Classify(findings []Finding, ignore *IgnoreFile, now time.Time, planScanned bool) ScanReport {
	type key struct {
		entry                  int // -1: not accepted
		severity, id, resource string
	}
	report := ScanReport{Used: make([]int, len(ignore.Entries))}
	lines := map[key]*ReportLine{}
	inPlan := map[key]bool{}
	var order []key
	for _, f := range findings {
		k := key{ignore.Match(f, now), f.Severity, f.ID, f.Resource}
		if k.entry >= 0 {
			report.Used[k.entry]++
		}
		l, ok := lines[k]
		if !ok {
			l = &ReportLine{Severity: f.Severity, ID: f.ID, Resource: f.Resource, Message: f.Message}
			if k.entry >= 0 {
				l.Statement = oneLine(ignore.Entries[k.entry].Statement)
			}
			lines[k] = l
			order = append(order, k)
		}
		where := f.File
		if f.Line > 0 {
			where += ":" + strconv.Itoa(f.Line)
		}
		l.Where = append(l.Where, where)
		if f.File == planFile {
			inPlan[k] = true
		}
	}
	for _, k := range order {
		l := lines[k]
		l.Only = planScanned && !inPlan[k]
		switch {
		case k.entry >= 0:
			report.Accepted = append(report.Accepted, *l)
		case blocking(k.severity):
			report.Blocking = append(report.Blocking, *l)
		default:
			report.Info = append(report.Info, *l)
		}
		if k.entry < 0 && l.Only {
			report.CDKOnly++
		}
	}
	return report
}

// Write prints the report as the scan gate's output, indented under it.
func (r ScanReport) Write(w io.Writer, ignoreName string) {
	fmt.Fprintf(w, "    %d blocking (CRITICAL/HIGH), %d for information (MEDIUM/LOW), %d accepted by %s\n",
		len(r.Blocking), len(r.Info), len(r.Accepted), ignoreName)
	section := func(title string, lines []ReportLine) {
		if len(lines) == 0 {
			return
		}
		fmt.Fprintf(w, "    %s\n", title)
		for _, l := range lines {
			resource := l.Resource
			if resource == "" {
				resource = "-"
			}
			only := ""
			if l.Only {
				only = " only"
			}
			fmt.Fprintf(w, "      %-8s %-9s %s: %s [%s%s]\n", l.Severity, l.ID, resource, l.Message, strings.Join(l.Where, ", "), only)
			if l.Statement != "" {
				fmt.Fprintf(w, "%25saccepted: %s\n", "", l.Statement)
			}
		}
	}
	section("blocking (fix the stack, or accept the finding in the ignore file with a reason):", r.Blocking)
	section("information (MEDIUM/LOW):", r.Info)
	section("accepted by the ignore file:", r.Accepted)
	if r.CDKOnly > 0 {
		fmt.Fprint(w, `    note: "cdk.tf.json only" = not seen in the plan scan. trivy reads nested blocks of .tf.json
    files as attributes, so such a finding may be false: if plan.json shows the setting is right,
    accept the check for cdk.tf.json only (paths: [cdk.tf.json]) with the reason.
`)
	}
}
