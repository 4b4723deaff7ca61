package jsiiboot

import (
	"os"
	"strconv"
	"strings"
)

// kernelRunning reports whether this process may already have started jsii's
// node, which Enable must then leave alone. It errs on the side of yes: any
// child whose command line mentions node or jsii counts (jsii's wrapper, a
// kernel started through JSII_RUNTIME, or an unrelated node, when declining
// only costs speed).
func kernelRunning() bool {
	self := strconv.Itoa(os.Getpid())
	tasks, err := os.ReadDir("/proc/" + self + "/task")
	if err != nil {
		return false
	}
	for _, t := range tasks {
		b, err := os.ReadFile("/proc/" + self + "/task/" + t.Name() + "/children")
		if err != nil {
			continue
		}
		for _, pid := range strings.Fields(string(b)) {
			cmdline, err := os.ReadFile("/proc/" + pid + "/cmdline")
			if err != nil {
				continue
			}
			if s := string(cmdline); strings.Contains(s, "node") || strings.Contains(s, "jsii") || strings.Contains(s, "program.js") {
				return true
			}
		}
	}
	return false
}
