package gates

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// gateNames are the columns of the summary: init, validate and plan per
// engine, then the scan.
func gateNames(engines []string) []string {
	var names []string
	for _, e := range engines {
		for _, g := range []string{"init", "validate", "plan"} {
			names = append(names, e+" "+g)
		}
	}
	return append(names, "scan")
}

// WriteSummary prints the table that ends a run: a row per stack, a cell per
// gate ("ok 3.1s", "FAIL 0.4s", "skip -"), under a line naming the engines.
func WriteSummary(w io.Writer, engines []string, stacks []string, results []map[string]GateResult) {
	width := len("stack")
	for _, s := range stacks {
		width = max(width, len(s))
	}
	width += 2
	const cell = 13
	line := func(first string, cells []string, cellWidth int) {
		var b strings.Builder
		fmt.Fprintf(&b, "%-*s", width, first)
		for _, c := range cells {
			fmt.Fprintf(&b, "%-*s", cellWidth, c)
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
	fmt.Fprintln(w, "\n=== summary")
	line("", engines, 3*cell)
	var heads []string
	for _, g := range gateNames(engines) {
		_, short, ok := strings.Cut(g, " ")
		if !ok {
			short = g
		}
		heads = append(heads, short)
	}
	line("stack", heads, cell)
	for i, s := range stacks {
		var cells []string
		for _, g := range gateNames(engines) {
			r, ok := results[i][g]
			text := "skip -"
			if ok && r.Status != StatusSkip {
				text = r.Status + " " + seconds(r.Took)
			}
			cells = append(cells, text)
		}
		line(s, cells, cell)
	}
}

// ParseSummary reads the table WriteSummary printed back into stack -> gate
// -> status, for tests and for anyone scripting around the output.
func ParseSummary(output string, engines []string) map[string]map[string]string {
	summary := map[string]map[string]string{}
	_, table, ok := strings.Cut(output, "\n=== summary\n")
	if !ok {
		return summary
	}
	names := gateNames(engines)
	for _, line := range strings.Split(table, "\n") {
		f := strings.Fields(line)
		if len(f) != 1+2*len(names) || f[0] == "stack" {
			continue
		}
		summary[f[0]] = map[string]string{}
		for i, g := range names {
			summary[f[0]][g] = f[1+2*i]
		}
	}
	return summary
}

// WriteStale reports the ignore file's entries that accepted nothing in the
// run, and those past their expired_at. complete says whether every stack
// was scanned with its plan: otherwise an entry for a plan-only finding may
// look stale for want of the plan.
func WriteStale(w io.Writer, ignore *IgnoreFile, ignoreName string, used []int, complete bool, now time.Time) {
	for _, e := range ignore.Expired(now) {
		fmt.Fprintf(w, "gates: %s: %s expired on %s and accepts nothing any more: fix the finding, or renew the entry with a reason\n",
			ignoreName, e.ID, e.ExpiredAt.Format(time.DateOnly))
	}
	stale := ignore.Stale(used, now)
	if len(stale) == 0 {
		return
	}
	note := ""
	if !complete {
		note = " (not every stack was scanned with its plan: check again once they are)"
	}
	fmt.Fprintf(w, "gates: %s: stale: accepted nothing on any stack of this run%s; the finding no longer occurs, so remove the entry before it accepts the next regression of the check unseen:\n", ignoreName, note)
	for _, e := range stale {
		paths := ""
		if len(e.Paths) > 0 {
			paths = " (paths: " + strings.Join(e.Paths, ", ") + ")"
		}
		fmt.Fprintf(w, "  %s%s\n", e.ID, paths)
	}
}

// WriteTools says in one line which engines and provider builds the run
// used, and whether each is a release.
func WriteTools(w io.Writer, engines []Engine, sources map[string]ProviderSource, chosen map[string]map[string]bool) {
	var parts []string
	for _, e := range engines {
		kind := "a release"
		if !e.Release() {
			kind = "NOT a release"
		}
		var versions []string
		for v := range chosen[e.Name] {
			versions = append(versions, v)
		}
		sort.Strings(versions)
		provider := "no provider installed"
		if len(versions) > 0 {
			src := sources[e.Name]
			what := "a release"
			if !src.Release {
				what = "a DEVELOPMENT BUILD"
			}
			provider = fmt.Sprintf("hashicorp/aws %s (%s, %s)", strings.Join(versions, ", "), what, src.Kind)
		}
		parts = append(parts, fmt.Sprintf("%s %s (%s) with %s", e.Name, e.Version, kind, provider))
	}
	fmt.Fprintf(w, "gates: ran %s\n", strings.Join(parts, "; "))
}
