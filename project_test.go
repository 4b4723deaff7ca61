package main

import (
	"os/exec"
	"testing"

	"github.com/wordpress-cdktf/resilient-wordpress/internal/jsiiboot"
)

// TestModuleIsTidy fails when go.mod or go.sum differ from what `go mod
// tidy` would write: a direct dependency marked indirect, a missing or stale
// checksum. It changes nothing; run `go mod tidy` to fix what it reports.
func TestModuleIsTidy(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	out, err := exec.Command("go", "mod", "tidy", "-diff").CombinedOutput()
	if err != nil {
		t.Errorf("go mod tidy -diff: %v; run go mod tidy and commit the result:\n%s", err, out)
	}
}

// TestFastStartUpIsOn fails when jsiiboot.Enable, called by TestMain as by
// main, left jsii on its stock path: synthesis would still work, about five
// times slower.
func TestFastStartUpIsOn(t *testing.T) {
	if err := jsiiboot.Err(); err != nil {
		t.Errorf("jsiiboot.Enable: %v", err)
	}
}
