package gates

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Exit statuses of a gate run.
const (
	ExitPassed = 0 // every gate passed on every stack
	ExitFailed = 1 // a gate failed
	ExitUsage  = 2 // bad arguments, a missing tool, no provider, a bad ignore file
)

// Options configure one run of the gates.
type Options struct {
	// Stacks are the command-line arguments (see FindStacks). Default:
	// cdktf.out/stacks.
	Stacks []string
	// IgnoreFile accepts trivy findings (gates/trivyignore.yaml).
	IgnoreFile string
	// Cache is the tools cache (~/.cache/wordpress-cdktf): bin/ holds trivy
	// and the engines not on PATH.
	Cache string
	// Engines run init, validate and plan on every stack. Default: terraform, tofu.
	Engines []string
	// Timeout bounds each engine command. Default: 10 minutes.
	Timeout time.Duration
	// Jobs is how many stacks are checked at once. Default: 1.
	Jobs int
	// KeepScratch keeps the scratch folder and says where it is.
	KeepScratch bool
	// Provider says where to look for hashicorp/aws.
	Provider ProviderOptions
	// Env is the environment the tools start from. Default: os.Environ().
	Env []string
	// Out receives the report. Default: os.Stdout.
	Out io.Writer
	// Now dates the ignore file's expired_at. Default: time.Now.
	Now func() time.Time
}

// Gate statuses.
const (
	StatusOK   = "ok"
	StatusFail = "FAIL"
	StatusSkip = "skip"
)

// GateResult is one gate's verdict on one stack.
type GateResult struct {
	Status string
	Took   time.Duration
}

type stackResult struct {
	stack       Stack
	out         bytes.Buffer
	gates       map[string]GateResult // "terraform init", ..., "scan"
	scan        *ScanReport           // nil when the scan did not run
	planScanned bool
	providers   map[string]string // engine -> hashicorp/aws version init chose
}

type runner struct {
	opts      Options
	ignore    *IgnoreFile
	engines   []Engine
	sources   map[string]ProviderSource
	cliConfig map[string]string
	trivy     string
	scratch   string
	cwd       string
}

// Run runs the gates and returns the exit status.
func Run(ctx context.Context, opts Options) int {
	if opts.Out == nil {
		opts.Out = os.Stdout
	}
	if opts.Env == nil {
		opts.Env = os.Environ()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if len(opts.Engines) == 0 {
		opts.Engines = []string{"terraform", "tofu"}
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Minute
	}
	if opts.Jobs <= 0 {
		opts.Jobs = 1
	}
	if len(opts.Stacks) == 0 {
		opts.Stacks = []string{filepath.Join("cdktf.out", "stacks")}
	}
	r := &runner{opts: opts, sources: map[string]ProviderSource{}, cliConfig: map[string]string{}}
	r.cwd, _ = os.Getwd()
	code, err := r.run(ctx)
	if err != nil {
		fmt.Fprintf(opts.Out, "gates: %v\n", err)
	}
	return code
}

func (r *runner) run(ctx context.Context) (int, error) {
	out := r.opts.Out
	var err error
	if r.ignore, err = LoadIgnoreFile(r.opts.IgnoreFile); err != nil {
		return ExitUsage, err
	}
	stacks, err := FindStacks(r.opts.Stacks)
	if err != nil {
		return ExitUsage, err
	}
	bin := filepath.Join(r.opts.Cache, "bin")
	for _, name := range r.opts.Engines {
		e, err := FindEngine(ctx, name, bin)
		if err != nil {
			return ExitUsage, err
		}
		r.engines = append(r.engines, e)
	}
	if r.trivy, err = findTrivy(bin); err != nil {
		return ExitUsage, err
	}

	if r.scratch, err = os.MkdirTemp("", "wordpress-cdktf-gates."); err != nil {
		return ExitUsage, fmt.Errorf("scratch folder: %w", err)
	}
	if r.opts.KeepScratch {
		defer fmt.Fprintf(out, "gates: scratch kept in %s\n", r.scratch)
	} else {
		defer os.RemoveAll(r.scratch)
	}

	// Tools first, so that every run says what it ran.
	for _, e := range r.engines {
		fmt.Fprintf(out, "gates: engine %s\n", e.Describe())
	}
	fmt.Fprintf(out, "gates: scanner %s (%s)\n", trivyVersion(ctx, r.trivy), r.trivy)
	for _, e := range r.engines {
		src, err := ResolveProvider(ctx, e.Host, r.opts.Provider)
		if err != nil {
			return ExitUsage, fmt.Errorf("%w: put a released hashicorp/aws in a plugin directory, or run `bash scripts/tools.sh provider` (the last resort: a development build from the Go module proxy, about 30 minutes)", err)
		}
		r.sources[e.Name] = src
		mirror := filepath.Join(r.scratch, "mirror-"+e.Name)
		if src.Kind != SourceRegistry {
			if err := LayOutMirror(mirror, src); err != nil {
				return ExitUsage, err
			}
		}
		r.cliConfig[e.Name] = filepath.Join(r.scratch, e.Name+".tfrc")
		if err := os.WriteFile(r.cliConfig[e.Name], []byte(CLIConfig(src, mirror)), 0o644); err != nil {
			return ExitUsage, fmt.Errorf("CLI configuration: %w", err)
		}
		for _, why := range src.Skipped {
			fmt.Fprintf(out, "gates: %s: skipped: %s\n", e.Name, why)
		}
		fmt.Fprintf(out, "gates: %s: hashicorp/aws %s\n", e.Name, src.Describe())
		if !src.Release {
			banner(out, e.Name, src)
		}
	}
	var names []string
	for _, s := range stacks {
		names = append(names, s.Name)
	}
	fmt.Fprintf(out, "gates: %d stack(s): %s\n", len(stacks), strings.Join(names, ", "))

	results := r.runStacks(ctx, stacks)

	failed := r.summary(results)
	if failed {
		fmt.Fprintln(out, "gates: FAILED")
		return ExitFailed, nil
	}
	fmt.Fprintln(out, "gates: all passed")
	return ExitPassed, nil
}

// banner says loudly that a development build of the provider stands in.
func banner(w io.Writer, engine string, src ProviderSource) {
	line := strings.Repeat("!", 78)
	fmt.Fprintf(w, "%s\n", line)
	fmt.Fprintf(w, "!! %s: NO RELEASED hashicorp/aws IS AVAILABLE: A DEVELOPMENT BUILD STANDS IN.\n", engine)
	fmt.Fprintf(w, "!! It is no provider a user will ever run: plans may differ from a release's.\n")
	fmt.Fprintf(w, "!! Give the gates a release: a reachable registry, or a plugin directory\n")
	fmt.Fprintf(w, "!! (GATES_PLUGIN_DIRS) holding %s/hashicorp/aws/<version>/%s.\n", src.Host, platform())
	fmt.Fprintf(w, "%s\n", line)
}

func findTrivy(cacheBin string) (string, error) {
	if p := filepath.Join(cacheBin, "trivy"); isExecutable(p) {
		return p, nil
	}
	if p, err := exec.LookPath("trivy"); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("trivy is neither in %s nor on PATH: run `bash scripts/tools.sh trivy` (or `make tools`)", cacheBin)
}

func trivyVersion(ctx context.Context, trivy string) string {
	out, err := exec.CommandContext(ctx, trivy, "--version").Output()
	if err != nil {
		return "trivy (version unknown)"
	}
	first, _, _ := strings.Cut(string(out), "\n")
	return "trivy " + strings.TrimPrefix(strings.TrimSpace(first), "Version: ")
}

// runStacks checks the stacks, Jobs at a time, and prints each stack's
// output whole and in order.
func (r *runner) runStacks(ctx context.Context, stacks []Stack) []*stackResult {
	results := make([]*stackResult, len(stacks))
	done := make([]chan struct{}, len(stacks))
	sem := make(chan struct{}, r.opts.Jobs)
	var wg sync.WaitGroup
	for i, s := range stacks {
		done[i] = make(chan struct{})
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(done[i])
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i] = r.runStack(ctx, s)
		}()
	}
	for i := range stacks {
		<-done[i]
		r.opts.Out.Write(results[i].out.Bytes())
	}
	wg.Wait()
	return results
}

func (r *runner) rel(path string) string {
	if rel, err := filepath.Rel(r.cwd, path); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return path
}

// gate records a gate's result and prints its verdict, with the tool's
// output and a hint when it failed.
func (res *stackResult) gate(name string, start time.Time, err error, output, hint string) bool {
	took := time.Since(start)
	w := &res.out
	if err == nil {
		res.gates[name] = GateResult{StatusOK, took}
		fmt.Fprintf(w, "    ok (%s)\n", seconds(took))
		return true
	}
	res.gates[name] = GateResult{StatusFail, took}
	fmt.Fprintf(w, "    FAIL (%s, %v)\n", seconds(took), err)
	if output = strings.TrimRight(output, "\n"); output != "" {
		for _, line := range strings.Split(output, "\n") {
			fmt.Fprintf(w, "      | %s\n", line)
		}
	}
	if hint != "" {
		fmt.Fprintf(w, "    hint: %s\n", hint)
	}
	return false
}

func (res *stackResult) skip(name, why string) {
	res.gates[name] = GateResult{Status: StatusSkip}
	fmt.Fprintf(&res.out, "--- %s: skipped (%s)\n", name, why)
}

func seconds(d time.Duration) string {
	return fmt.Sprintf("%.1fs", d.Seconds())
}

func (r *runner) runStack(ctx context.Context, s Stack) *stackResult {
	res := &stackResult{stack: s, gates: map[string]GateResult{}, providers: map[string]string{}}
	w := &res.out
	source := s.JSON
	if s.Dir != "" {
		source = s.Dir
		// A plan.json of an earlier run must not outlive a failing plan.
		os.Remove(filepath.Join(s.Dir, planFile))
	}
	fmt.Fprintf(w, "\n=== stack %s (%s)\n", s.Name, r.rel(source))
	stackJSON, err := os.ReadFile(s.JSON)
	if err == nil {
		var ov Override
		if ov, err = MakeOverride(stackJSON, ""); err == nil {
			state := ""
			switch {
			case ov.StatePath != "" && (s.Dir == "" || !isFile(filepath.Join(s.Dir, ov.StatePath))):
				state = "; no state yet: everything is planned as new"
			case ov.StatePath != "":
				state = "; planned against that state"
			}
			fmt.Fprintf(w, "    backend: %s%s\n", ov.Backend, state)
		}
	}

	var plan []byte
	var planEngine string
	for _, e := range r.engines {
		p := r.runEngine(ctx, res, e, stackJSON, err)
		if plan == nil && p != nil {
			plan, planEngine = p, e.Name
		}
	}
	if plan != nil && s.Dir != "" {
		// For reviewers: every planned value (keep cdktf.out out of version control).
		if werr := writeFileAtomic(filepath.Join(s.Dir, planFile), plan); werr != nil {
			fmt.Fprintf(w, "    could not write %s: %v\n", filepath.Join(s.Dir, planFile), werr)
		} else {
			fmt.Fprintf(w, "    plan JSON (%s): %s\n", planEngine, r.rel(filepath.Join(s.Dir, planFile)))
		}
	}
	r.scan(ctx, res, stackJSON, plan)
	return res
}

// awsCallRE matches what a plan prints when it tried to reach AWS.
var awsCallRE = regexp.MustCompile(`127\.0\.0\.1:9|connection refused|no EC2 IMDS role found`)

// runEngine runs init, validate and plan with one engine in its own scratch
// copy of the stack, and returns the plan JSON when the plan passed.
func (r *runner) runEngine(ctx context.Context, res *stackResult, e Engine, stackJSON []byte, setupErr error) []byte {
	w := &res.out
	name := res.stack.Name
	gate := func(g string) string { return e.Name + " " + g }
	src := r.sources[e.Name]
	work := filepath.Join(r.scratch, "stacks", name, e.Name)

	fmt.Fprintf(w, "--- %s (hashicorp/aws: %s)\n", gate("init"), src.Kind)
	start := time.Now()
	if setupErr == nil {
		setupErr = r.prepare(res.stack, work, stackJSON, filepath.Join(r.scratch, "state", name+"-"+e.Name+".tfstate"))
	}
	if setupErr != nil {
		res.gate(gate("init"), start, setupErr, "", "")
		res.skip(gate("validate"), "init failed")
		res.skip(gate("plan"), "init failed")
		return nil
	}

	mirrored := src.Kind != SourceRegistry
	out, err := runCommand(ctx, r.opts.Timeout, work, engineEnv(r.opts.Env, r.cliConfig[e.Name], r.scratch, mirrored), e.Path, "init", "-input=false", "-no-color")
	hint := ""
	if err != nil && mirrored && strings.Contains(out, "hashicorp/aws") {
		var vs []string
		for _, p := range src.Packages {
			vs = append(vs, p.Version)
		}
		hint = fmt.Sprintf("the %s offers hashicorp/aws %s and the stack asks for %s", src.Kind, strings.Join(vs, ", "), requiredAWS(stackJSON))
	}
	if err == nil {
		v, lerr := lockedVersion(filepath.Join(work, ".terraform.lock.hcl"), e.Host+"/hashicorp/aws")
		if lerr != nil {
			err, out = lerr, out+"\n(the gates read the chosen provider version from the scratch lock file)"
		} else {
			res.providers[e.Name] = v
			kind := "a release"
			if !src.Release {
				kind = "a DEVELOPMENT BUILD"
			}
			fmt.Fprintf(w, "    hashicorp/aws %s (%s, %s), %s\n", v, kind, src.Kind, e.Describe())
		}
	}
	if !res.gate(gate("init"), start, err, out, hint) {
		res.skip(gate("validate"), "init failed")
		res.skip(gate("plan"), "init failed")
		return nil
	}

	offline := engineEnv(r.opts.Env, r.cliConfig[e.Name], r.scratch, true)
	fmt.Fprintf(w, "--- %s\n", gate("validate"))
	start = time.Now()
	out, err = runCommand(ctx, r.opts.Timeout, work, offline, e.Path, "validate", "-no-color")
	if !res.gate(gate("validate"), start, err, out, "") {
		res.skip(gate("plan"), "validate failed")
		return nil
	}

	fmt.Fprintf(w, "--- %s (-refresh=false, dummy credentials, no network)\n", gate("plan"))
	start = time.Now()
	planFileName := filepath.Join(r.scratch, name+"-"+e.Name+".tfplan")
	out, err = runCommand(ctx, r.opts.Timeout, work, offline, e.Path, "plan", "-refresh=false", "-lock=false", "-input=false", "-no-color", "-out="+planFileName)
	hint = ""
	switch {
	case errors.Is(err, errTimeout):
		hint = "something in the stack calls AWS during plan"
	case err != nil && awsCallRE.MatchString(out):
		hint = "the plan tried to call AWS (a data source, or a value only AWS knows, such as the account ID); the gates run with no network and dummy credentials: compute the value in the stack or pass it in"
	case err != nil && strings.Contains(out, "prevent_destroy"):
		hint = "the plan would destroy a resource with lifecycle.prevent_destroy: the data it holds would be lost"
	}
	var plan []byte
	if err == nil {
		var show string
		show, err = runCommand(ctx, r.opts.Timeout, work, offline, e.Path, "show", "-json", "-no-color", planFileName)
		if err != nil {
			out += "\n" + show
		} else {
			plan = []byte(show)
		}
	}
	if err == nil {
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(line, "Plan:") || strings.HasPrefix(line, "No changes") {
				fmt.Fprintf(w, "    %s\n", line)
			}
		}
		var deletes []ProtectedChange
		deletes, err = ProtectedDeletes(plan)
		if err == nil && len(deletes) > 0 {
			var lines []string
			for _, d := range deletes {
				lines = append(lines, d.String())
			}
			err = fmt.Errorf("the plan destroys %d protected resource(s)", len(deletes))
			out = strings.Join(lines, "\n")
			hint = fmt.Sprintf("%s hold the site's data: restore the resource in the stack, or do this by hand after a backup, outside the gates", strings.Join(ProtectedTypes, " and "))
		}
	}
	if !res.gate(gate("plan"), start, err, out, hint) {
		return nil
	}
	return plan
}

// scan runs trivy over cdk.tf.json and, when a plan passed, its JSON.
func (r *runner) scan(ctx context.Context, res *stackResult, stackJSON, plan []byte) {
	w := &res.out
	dir := filepath.Join(r.scratch, "scan", res.stack.Name)
	scanned := "cdk.tf.json and plan.json"
	if plan == nil {
		scanned = "cdk.tf.json only, no plan"
	}
	fmt.Fprintf(w, "--- scan (trivy config: %s)\n", scanned)
	start := time.Now()
	err := os.MkdirAll(dir, 0o755)
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, stackFile), stackJSON, 0o644)
	}
	if err == nil && plan != nil {
		err = os.WriteFile(filepath.Join(dir, planFile), plan, 0o644)
	}
	report := filepath.Join(r.scratch, "scan", res.stack.Name+".json")
	var out string
	if err == nil {
		// Run in the scan folder: trivy would also read a .trivyignore in
		// its working folder. The ignore file is applied here, not by trivy.
		out, err = runCommand(ctx, r.opts.Timeout, dir, r.opts.Env, r.trivy, "config",
			"--skip-check-update", "--skip-version-check", "--disable-telemetry", "--quiet",
			"--cache-dir", filepath.Join(r.scratch, "trivy-cache"),
			"--misconfig-scanners", "terraform,terraformplan-json",
			"--severity", strings.Join(severities, ","),
			"--format", "json", "--output", report, ".")
	}
	var findings []Finding
	if err == nil {
		var f *os.File
		if f, err = os.Open(report); err == nil {
			findings, err = ParseTrivyJSON(f)
			f.Close()
		}
	}
	if err != nil {
		res.gate("scan", start, err, out, "")
		return
	}
	rep := Classify(findings, r.ignore, r.opts.Now(), plan != nil)
	res.scan, res.planScanned = &rep, plan != nil
	rep.Write(w, r.rel(r.ignore.Path))
	if rep.Failed() {
		err = fmt.Errorf("%d blocking finding(s)", len(rep.Blocking))
	}
	res.gate("scan", start, err, "", "")
}

// summary prints the summary table, the tools the run used and the state of
// the ignore file, and says whether a gate failed.
func (r *runner) summary(results []*stackResult) (failed bool) {
	out := r.opts.Out
	var names, engines []string
	var cells []map[string]GateResult
	used := make([]int, len(r.ignore.Entries))
	complete := true
	chosen := map[string]map[string]bool{}
	for _, res := range results {
		names = append(names, res.stack.Name)
		cells = append(cells, res.gates)
		for _, g := range res.gates {
			failed = failed || g.Status == StatusFail
		}
		if res.scan == nil || !res.planScanned {
			complete = false
		}
		if res.scan != nil {
			for i, n := range res.scan.Used {
				used[i] += n
			}
		}
		for e, v := range res.providers {
			if chosen[e] == nil {
				chosen[e] = map[string]bool{}
			}
			chosen[e][v] = true
		}
	}
	for _, e := range r.engines {
		engines = append(engines, e.Name)
	}
	WriteSummary(out, engines, names, cells)
	WriteTools(out, r.engines, r.sources, chosen)
	WriteStale(out, r.ignore, r.rel(r.ignore.Path), used, complete, r.opts.Now())
	return failed
}

// prepare makes work a scratch copy of the stack with the gates' override,
// and copies the state of a local backend outside the stack folder to
// statePath.
func (r *runner) prepare(s Stack, work string, stackJSON []byte, statePath string) error {
	ov, err := MakeOverride(stackJSON, statePath)
	if err != nil {
		return err
	}
	if err := copyStack(s, work); err != nil {
		return fmt.Errorf("scratch copy: %w", err)
	}
	for file, b := range ov.Files {
		if err := os.WriteFile(filepath.Join(work, file), b, 0o644); err != nil {
			return fmt.Errorf("scratch copy: %w", err)
		}
	}
	if ov.StateFrom != "" && isFile(ov.StateFrom) {
		if err := os.MkdirAll(filepath.Dir(statePath), 0o755); err != nil {
			return fmt.Errorf("copy state: %w", err)
		}
		if err := copyFile(ov.StateFrom, statePath); err != nil {
			return fmt.Errorf("copy state: %w", err)
		}
	}
	return nil
}
