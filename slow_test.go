//go:build slow

package main

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wordpress-cdktf/resilient-wordpress/constructs/wordpress"
	"github.com/wordpress-cdktf/resilient-wordpress/internal/jsiiboot/jsiiboottest"
)

// The slow whole-stack checks: make test runs them (go test -tags slow .);
// the edit loop, go test ./..., does not. After a code change each costs
// another synthesis of every stack (the first a stock one, about 3 s).

// TestFastPathChangesNothing synthesizes every stack under test in two
// child processes, one on jsii's stock path and one on the project's fast
// path (internal/jsiiboot), and expects identical files.
func TestFastPathChangesNothing(t *testing.T) {
	// The stock run is cached per test binary and environment; the stacks
	// also depend on the configuration files, read at run time, so their
	// hash goes into that environment.
	h := sha256.New()
	for _, file := range []string{"environments.json", testStacks} {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		h.Write(data)
	}
	stock, fast := jsiiboottest.CompareFastStock(t, fmt.Sprintf("WORDPRESS_TEST_INPUTS=%x", h.Sum(nil)))
	t.Logf("stock: %v, fast: %v", stock.Result, fast.Result)
}

// TestDeterministic synthesizes again, from another working directory and
// through a relative output path, and expects every file byte for byte.
func TestDeterministic(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := wordpress.Synth("again", synthesized); err != nil {
		t.Fatal(err)
	}
	want, got := readTree(t, synthOut), readTree(t, filepath.Join(dir, "again"))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("second synthesis differs (-want +got):\n%s", diff)
	}
	for name, data := range got {
		if bytes.Contains(data, []byte(dir)) || bytes.Contains(data, []byte(os.TempDir())) {
			t.Errorf("%s holds an absolute path", name)
		}
	}
}
