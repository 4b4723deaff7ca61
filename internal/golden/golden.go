// Package golden compares test output with golden files in testdata/ and
// rewrites them when the tests run with -update:
//
//	go test ./... -update
//
// It defines the -update flag for every test binary that links it, which
// is every test package of the module: go test passes -update to all of
// them, and a binary that does not define the flag fails. Packages without
// golden files import it for that alone (see their golden_test.go).
package golden

import (
	"flag"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Update is true when the tests run with -update.
var Update = flag.Bool("update", false, "rewrite the golden files in testdata/, then review the diff")

// Check compares got with the golden file at path, after writing got there
// when Update is set.
func Check(t *testing.T, path, got string) {
	t.Helper()
	if *Update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run go test ./... -update to create it): %v", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want +got); if intended, run go test ./... -update and review the diff:\n%s", path, diff)
	}
}
