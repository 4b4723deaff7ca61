package gates

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
)

// Scanned file names: the scan folder holds the stack as cdk.tf.json and,
// when a plan passed, its JSON as plan.json.
const (
	stackFile = "cdk.tf.json"
	planFile  = "plan.json"
)

// Finding is one failed trivy check on one resource in one scanned file.
type Finding struct {
	ID       string // AWS-0107
	AVDID    string // AVD-AWS-0107 (trivy's older name for the same check)
	Severity string // CRITICAL, HIGH, MEDIUM, LOW or UNKNOWN
	Title    string
	Message  string
	File     string // stackFile or planFile
	// Target is the file as trivy names it: cdk.tf.json, or main.tf for the
	// HCL it renders from a plan. Ignore entries written for trivy match it.
	Target   string
	Resource string // aws_security_group.ssh_sg_7F1C2D3E, or "" when trivy names none
	Line     int    // in cdk.tf.json; 0 in plan.json, whose HCL trivy renders itself
}

// trivyReport is the part of `trivy config --format json` the gates read.
type trivyReport struct {
	Results []struct {
		Target            string
		Type              string
		Misconfigurations []struct {
			ID            string
			AVDID         string
			Title         string
			Message       string
			Severity      string
			Status        string
			CauseMetadata struct {
				Resource  string
				StartLine int
			}
		}
	}
}

// ParseTrivyJSON reads the JSON report of `trivy config` over a scan folder
// and returns its failed checks, sorted by severity (most severe first), then
// check ID, resource, file and line. trivy reports the findings of a plan
// JSON against the HCL it renders from the plan (a Type starting with
// "terraformplan"): they are filed under plan.json, without a line.
func ParseTrivyJSON(r io.Reader) ([]Finding, error) {
	var report trivyReport
	dec := json.NewDecoder(r)
	if err := dec.Decode(&report); err != nil {
		return nil, fmt.Errorf("read trivy's JSON report: %w", err)
	}
	var findings []Finding
	for _, res := range report.Results {
		plan := strings.HasPrefix(res.Type, "terraformplan")
		file := filepath.Base(res.Target)
		if plan {
			file = planFile
		}
		for _, m := range res.Misconfigurations {
			if m.Status != "FAIL" {
				continue
			}
			f := Finding{
				ID:       m.ID,
				AVDID:    m.AVDID,
				Severity: m.Severity,
				Title:    oneLine(m.Title),
				Message:  oneLine(m.Message),
				File:     file,
				Target:   filepath.Base(res.Target),
				Resource: m.CauseMetadata.Resource,
			}
			if !plan {
				f.Line = m.CauseMetadata.StartLine
			}
			if f.ID == "" {
				return nil, fmt.Errorf("trivy's JSON report: a misconfiguration in %s has no ID", res.Target)
			}
			findings = append(findings, f)
		}
	}
	sortFindings(findings)
	return findings, nil
}

func sortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if severityRank(a.Severity) != severityRank(b.Severity) {
			return severityRank(a.Severity) < severityRank(b.Severity)
		}
		if a.ID != b.ID {
			return a.ID < b.ID
		}
		if a.Resource != b.Resource {
			return a.Resource < b.Resource
		}
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Line < b.Line
	})
}

// severities, most severe first; blocking is the prefix that fails the scan.
var severities = []string{"CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"}

func severityRank(s string) int {
	for i, v := range severities {
		if v == s {
			return i
		}
	}
	return len(severities)
}

// blocking says whether a finding of this severity fails the scan unless the
// ignore file accepts it; the others are printed for information.
func blocking(severity string) bool {
	return severity == "CRITICAL" || severity == "HIGH"
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
