// Command treebench runs a command N times, each in a fresh working
// directory, and prints one tab-separated line: the label, the median wall
// time in milliseconds, the median peak process-tree RSS in MiB, the number
// of stacks synthesized, and the ranges of wall time and memory.
// scripts/bench-synth.sh builds and drives it.
//
//	treebench -n 5 -label stock -env WORDPRESS_JSII_FAST=0 -- ./app -vpc-only
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/wordpress-cdktf/resilient-wordpress/internal/jsiiboot"
	"github.com/wordpress-cdktf/resilient-wordpress/internal/jsiiboot/jsiiboottest"
)

type envList []string

func (e *envList) String() string     { return strings.Join(*e, " ") }
func (e *envList) Set(v string) error { *e = append(*e, v); return nil }

func main() {
	n := flag.Int("n", 5, "measured runs")
	warm := flag.Int("warmup", 1, "unmeasured runs first (fills jsii's and jsiiboot's caches)")
	label := flag.String("label", "run", "row label")
	dir := flag.String("dir", "", "working directory (default: a fresh temporary one per run)")
	var env envList
	flag.Var(&env, "env", "KEY=VALUE added to the environment (repeatable)")
	flag.Parse()
	if flag.NArg() == 0 || *n < 1 {
		fmt.Fprintln(os.Stderr, "usage: treebench [-n N] [-label L] [-env K=V]... -- command [args]")
		jsiiboot.Exit(2)
	}
	var walls []time.Duration
	var peaks []int64
	stacks := 0
	for i := 0; i < *warm+*n; i++ {
		res, n, err := runOnce(*dir, env, flag.Args())
		if err != nil {
			fmt.Fprintf(os.Stderr, "treebench %s: %v\n", *label, err)
			jsiiboot.Exit(1)
		}
		if i >= *warm {
			walls = append(walls, res.Wall)
			peaks = append(peaks, res.PeakTreeRSS)
		}
		stacks = n
	}
	sort.Slice(walls, func(i, j int) bool { return walls[i] < walls[j] })
	sort.Slice(peaks, func(i, j int) bool { return peaks[i] < peaks[j] })
	const mib = 1 << 20
	fmt.Printf("%s\t%d\t%d\t%d\t%d-%d ms\t%d-%d MiB\n", *label,
		walls[len(walls)/2].Milliseconds(), peaks[len(peaks)/2]/mib, stacks,
		walls[0].Milliseconds(), walls[len(walls)-1].Milliseconds(),
		peaks[0]/mib, peaks[len(peaks)-1]/mib)
	// It never calls jsii, but links the bindings through jsiiboottest.
	jsiiboot.Exit(0)
}

// runOnce runs the command once and counts the stacks it synthesized (the
// directories under any stacks/ folder it wrote below its working
// directory; 0 when run in a given -dir, which may hold older output).
func runOnce(dir string, env, args []string) (jsiiboottest.Result, int, error) {
	fresh := dir == ""
	if fresh {
		tmp, err := os.MkdirTemp("", "treebench-")
		if err != nil {
			return jsiiboottest.Result{}, 0, fmt.Errorf("work dir: %w", err)
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	res, err := jsiiboottest.Measure(cmd)
	if err != nil {
		return res, 0, fmt.Errorf("%w\n%s", err, stderr.String())
	}
	if !fresh {
		return res, 0, nil
	}
	stacks, _ := filepath.Glob(filepath.Join(dir, "*", "stacks", "*"))
	return res, len(stacks), nil
}
