package jsiiboottest

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wordpress-cdktf/resilient-wordpress/internal/jsiiboot"
)

// ChildEnv, in a test binary's environment, marks a child started by Synth
// and names the directory it synthesizes into.
const ChildEnv = "JSIIBOOTTEST_SYNTH_DIR"

// Main is TestMain for a test binary that compares the fast and stock jsii
// paths. Both paths must run in separate processes, because jsii reads the
// environment once, when it starts node; so SynthChild re-executes the test
// binary, and in that child Main synthesizes with synth(outdir) and exits
// instead of running tests. Either way it calls jsiiboot.Enable first.
//
//	func TestMain(m *testing.M) {
//		jsiiboottest.Main(m, func(outdir string) error { return buildStacks(outdir) })
//	}
func Main(m *testing.M, synth func(outdir string) error) {
	jsiiboot.Enable()
	if err := jsiiboot.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "jsiiboottest: stock jsii path:", err)
	}
	RunChild(synth)
	jsiiboot.Exit(m.Run())
}

// RunChild is Main's child half, for a TestMain that has more to do: call
// it first thing. In a child started by SynthChild it calls jsiiboot.Enable,
// synthesizes into the directory the parent chose and exits; otherwise it
// returns at once.
//
//	func TestMain(m *testing.M) {
//		jsiiboot.Enable()
//		jsiiboottest.RunChild(synthStacks)
//		... // the test binary's own setup
//		jsiiboot.Exit(m.Run())
//	}
func RunChild(synth func(outdir string) error) {
	dir := os.Getenv(ChildEnv)
	if dir == "" {
		return
	}
	jsiiboot.Enable()
	if err := synth(dir); err != nil {
		fmt.Fprintln(os.Stderr, "jsiiboottest: synth:", err)
		jsiiboot.Exit(1)
	}
	jsiiboot.Exit(0)
}

// Run is one synth in a child process.
type Run struct {
	Result
	// Cached is set on a stock run that CompareFastStock took from its
	// cache (see StockCacheEnv): Result is then that earlier run's.
	Cached bool
	// Files maps each file under the output directory, by slash-separated
	// relative path, to its content.
	Files  map[string]string
	Stderr string
	// LeftInTmp lists what the child left in its temporary folder (its
	// TMPDIR, a fresh folder): jsii's and node's temporary files must go
	// when the program ends.
	LeftInTmp []string
}

// SynthChild re-executes this test binary (whose TestMain runs RunChild) to
// synthesize into a fresh directory under dir, on the fast path or the stock
// one, and measures it. env is added to the child's environment.
func SynthChild(dir string, fast bool, env ...string) (Run, error) {
	out, err := os.MkdirTemp(dir, "synth-")
	if err != nil {
		return Run{}, fmt.Errorf("synth dir: %w", err)
	}
	tmp, err := os.MkdirTemp(dir, "tmp-")
	if err != nil {
		return Run{}, fmt.Errorf("temporary folder: %w", err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	sw := "1"
	if !fast {
		sw = "0"
	}
	// The parent's own Enable already changed NODE_OPTIONS: both children
	// start from the environment as it was, and decide for themselves.
	cmd.Env = append(jsiiboot.StockEnviron(), ChildEnv+"="+out, jsiiboot.SwitchEnv+"="+sw)
	cmd.Env = append(cmd.Env, env...)
	cmd.Env = append(cmd.Env, "TMPDIR="+tmp)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	res, err := Measure(cmd)
	run := Run{Result: res, Stderr: stderr.String()}
	if err != nil {
		return run, fmt.Errorf("%w\n%s", err, run.Stderr)
	}
	if run.Files, err = readTree(out); err != nil {
		return run, err
	}
	left, err := os.ReadDir(tmp)
	for _, e := range left {
		run.LeftInTmp = append(run.LeftInTmp, e.Name())
	}
	return run, err
}

// Synth is SynthChild for tests: it fails t on error.
func Synth(t testing.TB, fast bool, env ...string) Run {
	t.Helper()
	run, err := SynthChild(t.TempDir(), fast, env...)
	if err != nil {
		t.Fatalf("synth (fast=%v): %v", fast, err)
	}
	return run
}

// CompareFastStock synthesizes both ways, concurrently, and fails t unless
// every output file is identical. It returns both runs for further checks.
// The stock run is reused from an earlier identical one when it can be (see
// StockCacheEnv); the fast run always runs.
func CompareFastStock(t testing.TB, env ...string) (stock, fast Run) {
	t.Helper()
	dir := t.TempDir()
	var wg sync.WaitGroup
	var stockErr, fastErr error
	wg.Add(2)
	go func() { defer wg.Done(); stock, stockErr = stockSynth(dir, env) }()
	go func() { defer wg.Done(); fast, fastErr = SynthChild(dir, true, env...) }()
	wg.Wait()
	if stockErr != nil || fastErr != nil {
		t.Fatalf("synth: stock: %v; fast: %v", stockErr, fastErr)
	}
	if len(stock.Files) == 0 {
		t.Fatal("stock synth wrote no files")
	}
	if diff := cmp.Diff(stock.Files, fast.Files); diff != "" {
		t.Errorf("fast synth differs from stock (-want stock +got fast):\n%s", diff)
	}
	CheckNothingLeft(t, map[string]Run{"stock": stock, "fast": fast})
	return stock, fast
}

// CheckNothingLeft fails t for each run that left files in its temporary
// folder.
func CheckNothingLeft(t testing.TB, runs map[string]Run) {
	t.Helper()
	for name, run := range runs {
		if len(run.LeftInTmp) > 0 {
			t.Errorf("%s synth left %v in its temporary folder", name, run.LeftInTmp)
		}
	}
}

func readTree(root string) (map[string]string, error) {
	files := map[string]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		files[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read synth output: %w", err)
	}
	return files, nil
}
