package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wordpress-cdktf/resilient-wordpress/constructs/wordpress"
	"github.com/wordpress-cdktf/resilient-wordpress/internal/golden"
	"github.com/wordpress-cdktf/resilient-wordpress/internal/jsiiboot"
	"github.com/wordpress-cdktf/resilient-wordpress/internal/jsiiboot/jsiiboottest"
	"github.com/wordpress-cdktf/resilient-wordpress/internal/stacktest"
)

// The stacks under test: the zero-configuration stack, every environment
// of the committed environments.json and the test stacks. TestMain synthesizes them once, in the
// one jsii runtime this test binary starts, and every test reads the result.
var (
	configs  []wordpress.StackConfig
	synthOut string                      // the cdktf.out folder of that synthesis
	stacks   map[string]*stacktest.Stack // parsed cdk.tf.json by stack name

	frontStacks map[string]*stacktest.Stack // the stacks of frontCombinations
	synthesized []wordpress.StackConfig     // what synthOut holds: configs, then frontCombinations
)

func TestMain(m *testing.M) {
	jsiiboot.Enable()
	// In the child processes of TestFastPathChangesNothing: synthesize and exit.
	jsiiboottest.RunChild(func(dir string) error {
		cfgs, err := stacksUnderTest()
		if err != nil {
			return err
		}
		return wordpress.Synth(dir, cfgs)
	})
	flag.Parse()
	code, err := synthAll()
	if err != nil {
		fmt.Fprintf(os.Stderr, "synthesize the stacks under test: %v\n", err)
		jsiiboot.Exit(1)
	}
	jsiiboot.Exit(code(m))
}

// testStacks configures the stacks that exist for tests and gates only
// (make check synthesizes them from the same file):
//   - variant turns on every option the committed environments leave off:
//     S3 state, HTTPS, x86 web servers, relaxed data protection, stickiness,
//     extra tags, three zones, an overridden subnet, a site title and admin
//     e-mail of its own, WAF and a domain name without a CDN, alarm e-mails,
//     other log retentions, a backup copy to a second region, mail through SES
//     with its DKIM records in Route 53;
//   - edge has every visitor-facing option on: CloudFront, WAF, the object
//     cache, a domain with its hosted zone;
//   - throwaway makes the choices that cost resilience: one NAT gateway for
//     all zones, a database restored from a snapshot, no data protection.
const testStacks = "testdata/stacks.json"

// stacksUnderTest is the zero-configuration stack, the committed
// environments and the test stacks.
func stacksUnderTest() ([]wordpress.StackConfig, error) {
	var cfgs []wordpress.StackConfig
	for _, file := range []string{"environments.json", testStacks} {
		c, err := wordpress.LoadConfig(file)
		if err != nil {
			return nil, err
		}
		cfgs = append(cfgs, c...)
	}
	return append([]wordpress.StackConfig{wordpress.DefaultConfig().Resolve()}, cfgs...), nil
}

func synthAll() (func(*testing.M) int, error) {
	var err error
	if configs, err = stacksUnderTest(); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "wordpress-synth-")
	if err != nil {
		return nil, fmt.Errorf("temp dir: %w", err)
	}
	// A synthesis that fails, or panics (a construct's bug, or no Node),
	// leaves nothing behind either.
	kept := false
	defer func() {
		if !kept {
			os.RemoveAll(tmp)
		}
	}()
	synthOut = filepath.Join(tmp, "cdktf.out")
	front, err := frontCombinationConfigs()
	if err != nil {
		return nil, err
	}
	// One synthesis for all: each jsii runtime costs a start and loads its
	// resource types again.
	synthesized = append(slices.Clip(configs), front...)
	if err := wordpress.Synth(synthOut, synthesized); err != nil {
		return nil, err
	}
	if stacks, err = stacktest.Load(synthOut, environments(configs)...); err != nil {
		return nil, err
	}
	if frontStacks, err = stacktest.Load(synthOut, environments(front)...); err != nil {
		return nil, err
	}
	kept = true
	return func(m *testing.M) int {
		defer os.RemoveAll(tmp)
		return m.Run()
	}, nil
}

// environments are the names of cfgs' stacks.
func environments(cfgs []wordpress.StackConfig) []string {
	names := make([]string, 0, len(cfgs))
	for _, c := range cfgs {
		names = append(names, c.Environment)
	}
	return names
}

// forEachStack runs f as a subtest per stack under test.
func forEachStack(t *testing.T, f func(t *testing.T, c wordpress.StackConfig, s *stacktest.Stack)) {
	t.Helper()
	for _, c := range configs {
		t.Run(c.Environment, func(t *testing.T) { f(t, c, stacks[c.Environment]) })
	}
}

// normalize does what cdktf's Testing.synth does to a stack before a
// snapshot: drop the "//" metadata (paths, cdktf version), sort keys, indent.
// A golden file then changes only when the Terraform does. The boot script,
// one long string, is replaced by a digest that names the golden text file
// holding it (scripts returns them by file name), so a one-line change of
// the script is a one-line diff there.
func normalize(t *testing.T, raw []byte) (stack []byte, scripts map[string]string) {
	t.Helper()
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("parse stack: %v", err)
	}
	var strip func(v any) any
	strip = func(v any) any {
		switch v := v.(type) {
		case map[string]any:
			delete(v, "//")
			for k, e := range v {
				v[k] = strip(e)
			}
		case []any:
			for i, e := range v {
				v[i] = strip(e)
			}
		}
		return v
	}
	doc = strip(doc)
	scripts = map[string]string{}
	locals := stacktest.AsMap(stacktest.AsMap(doc)["locals"])
	for _, name := range stacktest.SortedNames(locals) {
		text, ok := locals[name].(string)
		if !ok || !strings.HasPrefix(text, "#!") {
			continue
		}
		sum := sha256.Sum256([]byte(text))
		file := fmt.Sprintf("boot-script-%x.sh", sum[:4])
		scripts[file] = text
		locals[name] = fmt.Sprintf("sha256:%x, text in testdata/%s", sum, file)
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out) // maps marshal with sorted keys
	enc.SetEscapeHTML(false)     // policies and scripts read as written: & < >
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		t.Fatalf("marshal stack: %v", err)
	}
	return out.Bytes(), scripts
}

func TestGolden(t *testing.T) {
	// Every boot script any stack renders; with -update, script goldens no
	// stack renders any more are removed.
	rendered := map[string]bool{}
	for _, c := range configs {
		t.Run(c.Environment, func(t *testing.T) {
			raw, err := os.ReadFile(stacktest.File(synthOut, c.Environment))
			if err != nil {
				t.Fatal(err)
			}
			got, scripts := normalize(t, raw)
			files := map[string]string{c.Environment + ".tf.json": string(got)}
			for name, text := range scripts {
				files[name] = text
				rendered[name] = true
			}
			for _, name := range stacktest.SortedNames(files) {
				golden.Check(t, filepath.Join("testdata", name), files[name])
			}
		})
	}
	if *golden.Update {
		old, _ := filepath.Glob(filepath.Join("testdata", "boot-script-*.sh")) // the pattern is valid
		for _, f := range old {
			if !rendered[filepath.Base(f)] {
				if err := os.Remove(f); err != nil {
					t.Error(err)
				}
			}
		}
	}
}

func readTree(t *testing.T, root string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		rel, _ := filepath.Rel(root, path) // path is under root by construction
		files[rel] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// BenchmarkSynth measures one full synthesis of the default stack in the
// warm jsii runtime of this test binary (the start-up cost is measured by
// scripts/bench-synth.sh, per process).
func BenchmarkSynth(b *testing.B) {
	cfgs := []wordpress.StackConfig{wordpress.DefaultConfig().Resolve()}
	dir := b.TempDir()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := wordpress.Synth(filepath.Join(dir, fmt.Sprint(i)), cfgs); err != nil {
			b.Fatal(err)
		}
	}
}
