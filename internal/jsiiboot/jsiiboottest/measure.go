package jsiiboottest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// SampleInterval is how often Measure samples the process tree. 20 ms catches
// the jsii kernel's peak (it plateaus for hundreds of milliseconds while it
// loads assemblies) without the sampler itself showing up in the figures.
const SampleInterval = 20 * time.Millisecond

// Result is one measured run.
type Result struct {
	Wall time.Duration
	// PeakTreeRSS is the largest sum, over one sample, of the resident set of
	// the started process and all its descendants (the Go app, jsii's node
	// wrapper and the kernel's node process), in bytes. Pages shared between
	// processes count once per process, as in the README's figures.
	PeakTreeRSS int64
}

// Measure runs cmd to completion and reports its wall time and the peak
// resident memory of its whole process tree, which /usr/bin/time and
// getrusage cannot give: they report one process at a time.
func Measure(cmd *exec.Cmd) (Result, error) {
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return Result{}, fmt.Errorf("start %s: %w", cmd.Path, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()

	pid := cmd.Process.Pid
	pageSize := int64(os.Getpagesize())
	var peak int64
	ticker := time.NewTicker(SampleInterval)
	defer ticker.Stop()
	for {
		if rss := treeRSSPages(pid) * pageSize; rss > peak {
			peak = rss
		}
		select {
		case err := <-done:
			res := Result{Wall: time.Since(start), PeakTreeRSS: peak}
			if err != nil {
				return res, fmt.Errorf("run %s: %w", cmd.Path, err)
			}
			return res, nil
		case <-ticker.C:
		}
	}
}

// treeRSSPages sums the resident pages of pid and its descendants. Processes
// that exit while it walks simply count as zero.
func treeRSSPages(pid int) int64 {
	var total int64
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		total += rssPages(p)
		queue = append(queue, children(p)...)
	}
	return total
}

func rssPages(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	n, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// children lists the children of every thread of pid: a multi-threaded parent
// (Go, node) records each child under the thread that forked it.
func children(pid int) []int {
	dir := "/proc/" + strconv.Itoa(pid) + "/task"
	tasks, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []int
	for _, t := range tasks {
		b, err := os.ReadFile(dir + "/" + t.Name() + "/children")
		if err != nil || len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		for _, f := range strings.Fields(string(b)) {
			if c, err := strconv.Atoi(f); err == nil {
				out = append(out, c)
			}
		}
	}
	return out
}
