package jsiiboot

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// raceReport is jsii-runtime-go's false report of a failed child, as Go
// with pidfd words it.
const raceReport = "Runtime process exited abnormally: waitid: no child processes"

func TestCopyWithout(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"nothing", "", ""},
		{"the race alone", raceReport, ""},
		{"the race without pidfd", "Runtime process exited abnormally: wait: no child processes", ""},
		{"the race, then a line", raceReport + "could not clean up temporary directory: busy\n", "could not clean up temporary directory: busy\n"},
		{"a line, then the race", "closing\n" + raceReport, "closing\n"},
		{"a real failure shows", "Runtime process exited abnormally: exit status 1", "Runtime process exited abnormally: exit status 1"},
		{"a signal shows", "Runtime process exited abnormally: signal: killed", "Runtime process exited abnormally: signal: killed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got bytes.Buffer
			copyWithout(&got, strings.NewReader(tt.in), waitRace)
			if diff := cmp.Diff(tt.want, got.String()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestWaitRaceIsJsiisReport reads the report's format in the source of the
// jsii-runtime-go this binary was built from: if an upgrade rewords it,
// waitRace must follow, or the false report shows again.
func TestWaitRaceIsJsiisReport(t *testing.T) {
	file := jsiiSource()
	if runtimeIDFromSource(file) == "" {
		t.Skipf("jsii-runtime-go is not built from the module cache (%s)", file)
	}
	src, err := os.ReadFile(filepath.Join(filepath.Dir(file), "internal", "kernel", "process", "process.go"))
	if err != nil {
		t.Fatal(err)
	}
	const format = `"Runtime process exited abnormally: %v", err.Error()`
	if !bytes.Contains(src, []byte(format)) {
		t.Fatalf("jsii-runtime-go's process.go no longer reports a lost wait as %s: update waitRace", format)
	}
	if !waitRace.MatchString(fmt.Sprintf("Runtime process exited abnormally: %v", "waitid: no child processes")) {
		t.Error("waitRace does not match the report")
	}
}

// TestExitDropsOnlyTheRace runs Exit's filter in a child process: its
// standard error gets the false report between two real lines while the
// filter is on, as while jsii closes, and the report once more after done,
// as the losing wait's goroutine may write it just before the exit.
func TestExitDropsOnlyTheRace(t *testing.T) {
	if os.Getenv("JSIIBOOT_EXIT_CHILD") == "1" {
		done := dropWaitRace()
		os.Stderr.WriteString("before\n")
		os.Stderr.WriteString(raceReport)
		os.Stderr.WriteString("after\n")
		done()
		os.Stderr.WriteString(raceReport)
		os.Exit(3)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestExitDropsOnlyTheRace$")
	cmd.Env = append(os.Environ(), "JSIIBOOT_EXIT_CHILD=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 3 {
		t.Fatalf("child: %v, want exit status 3; stderr:\n%s", err, stderr.String())
	}
	if diff := cmp.Diff("before\nafter\n", stderr.String()); diff != "" {
		t.Errorf("child's standard error (-want +got):\n%s", diff)
	}
}
