package jsiiboot_test

import (
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wordpress-cdktf/resilient-wordpress/internal/jsiiboot"
	"github.com/wordpress-cdktf/resilient-wordpress/internal/jsiiboot/jsiiboottest"
)

// stacksEnv sets how many environment stacks the re-executed small app
// synthesizes.
const stacksEnv = "JSIIBOOT_TEST_STACKS"

func TestMain(m *testing.M) {
	jsiiboottest.Main(m, func(outdir string) error {
		stacks, err := strconv.Atoi(os.Getenv(stacksEnv))
		if err != nil {
			stacks = 1
		}
		// SYNTH_HCL_OUTPUT=true, which the parent sets, would make cdktf's
		// App (in node) write HCL instead of cdk.tf.json; dropping it here
		// works only if node gets the environment of the first jsii call,
		// not of package initialisation (see Enable).
		if err := os.Unsetenv("SYNTH_HCL_OUTPUT"); err != nil {
			return err
		}
		jsiiboottest.SmallApp(outdir, jsiiboottest.ShapeWordPress, stacks)
		return nil
	})
}

// TestFastSynthMatchesStock synthesizes the WordPress-shaped stand-in (two
// environment stacks) on the stock jsii path and on jsiiboot's, in separate
// processes, and wants identical output, with the kernel under jsii's
// wrapper and started directly.
func TestFastSynthMatchesStock(t *testing.T) {
	if testing.Short() {
		t.Skip("starts jsii three times (~5 s, ~1.5 s once the stock run is cached)")
	}
	t.Parallel()
	// The fast run keeps jsii's wrapper (WORDPRESS_JSII_DIRECT=0), which
	// saves the kernel if this jsii version has none saved yet; the direct
	// run starts the saved kernel, as every later run of any binary does.
	env := []string{stacksEnv + "=2", "SYNTH_HCL_OUTPUT=true", jsiiboot.DebugEnv + "=1"}
	fastEnv := append(env[:len(env):len(env)], jsiiboot.DirectEnv+"=0")
	directEnv := env

	var direct jsiiboottest.Run
	var directErr error
	done := make(chan struct{})
	saved := fileExists(filepath.Join(jsiiboot.RuntimeSlot(), "program.js"))
	if saved {
		go func() {
			defer close(done)
			direct, directErr = jsiiboottest.SynthChild(t.TempDir(), true, directEnv...)
		}()
	}
	stock, fast := jsiiboottest.CompareFastStock(t, fastEnv...)
	if saved {
		<-done
	} else {
		direct, directErr = jsiiboottest.SynthChild(t.TempDir(), true, directEnv...)
	}
	if directErr != nil {
		t.Fatalf("direct-kernel synth: %v", directErr)
	}

	for name, run := range map[string]jsiiboottest.Run{"stock": stock, "fast": fast} {
		if _, ok := run.Files["stacks/env1/cdk.tf.json"]; !ok {
			t.Errorf("%s synth wrote %v, no stacks/env1/cdk.tf.json", name, keys(run.Files))
		}
	}
	// Identical output proves nothing if both took the same path.
	if strings.Contains(stock.Stderr, "jsiiboot[") {
		t.Errorf("stock run loaded the preload:\n%s", stock.Stderr)
	}
	for _, want := range []string{"lazy-index.js", "assembly"} {
		if !strings.Contains(fast.Stderr, want) {
			t.Errorf("fast run's preload log does not mention %q:\n%s", want, fast.Stderr)
		}
	}
	for name, run := range map[string]jsiiboottest.Run{"fast": fast, "direct": direct} {
		for _, want := range []string{"edited jsii's type-reference assertion", "edited cdktf's token stack traces"} {
			if !strings.Contains(run.Stderr, want) {
				t.Errorf("%s run's preload log does not say %q:\n%s", name, want, run.Stderr)
			}
		}
	}
	// The pinned jsii, Node and provider must keep the fast path whole: a
	// fallback line means an upgrade changed what the preload expects.
	for name, run := range map[string]jsiiboottest.Run{"fast": fast, "direct": direct} {
		if strings.Contains(run.Stderr, "slower stock path") {
			t.Errorf("%s run fell back to jsii's stock path for part of the work; see internal/jsiiboot's README section:\n%s", name, run.Stderr)
		}
	}
	jsiiboottest.CheckNothingLeft(t, map[string]jsiiboottest.Run{"direct": direct})
	if !strings.Contains(direct.Stderr, "direct kernel") {
		t.Errorf("kernel not started directly:\n%s", direct.Stderr)
	}
	if strings.Contains(fast.Stderr, "direct kernel") {
		t.Errorf("fast run started its kernel directly, not through jsii's wrapper:\n%s", fast.Stderr)
	}
	if diff := cmp.Diff(stock.Files, direct.Files); diff != "" {
		t.Errorf("direct-kernel synth differs from stock (-want stock +got direct):\n%s", diff)
	}
	t.Logf("stock %v %d MiB (cached: %v), fast %v %d MiB, direct %v %d MiB", stock.Wall, stock.PeakTreeRSS>>20,
		stock.Cached, fast.Wall, fast.PeakTreeRSS>>20, direct.Wall, direct.PeakTreeRSS>>20)
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// BenchmarkSynth re-executes the test binary to synthesize the WordPress-
// shaped stand-in (one stack, ~65 resources): stock, fast with the kernel
// under jsii's wrapper (WORDPRESS_JSII_DIRECT=0, or the first run of a jsii
// version), and fast with the kernel started directly (every later run). ns/op is the whole process tree's
// wall time, peak-tree-MiB the largest sum of the resident memory of the Go
// process and its node processes.
//
//	go test -run '^$' -bench Synth -benchtime 5x ./internal/jsiiboot
func BenchmarkSynth(b *testing.B) {
	for _, bc := range []struct {
		name string
		fast bool
		env  []string
	}{
		{"stock", false, nil},
		{"fast", true, []string{jsiiboot.DirectEnv + "=0"}},
		{"direct", true, nil},
	} {
		b.Run(bc.name, func(b *testing.B) {
			dir := b.TempDir()
			// Untimed: fills jsii's package cache and jsiiboot's assembly
			// index, as any earlier synth on the machine would have.
			if _, err := jsiiboottest.SynthChild(dir, bc.fast, bc.env...); err != nil {
				b.Fatal(err)
			}
			var peaks []float64
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				run, err := jsiiboottest.SynthChild(dir, bc.fast, bc.env...)
				if err != nil {
					b.Fatal(err)
				}
				peaks = append(peaks, float64(run.PeakTreeRSS)/(1<<20))
			}
			b.StopTimer()
			b.ReportMetric(median(peaks), "peak-tree-MiB")
		})
	}
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s[len(s)/2]
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
