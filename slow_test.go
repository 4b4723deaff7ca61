//go:build slow

package main

import (
	"crypto/sha256"
	"fmt"
	"os"
	"testing"

	"github.com/wordpress-cdktf/resilient-wordpress/internal/jsiiboot/jsiiboottest"
)

// The slow whole-stack checks: make test runs them (go test -tags slow .);
// the edit loop, go test ./..., does not. After a code change each one
// costs a stock synthesis of every stack (about 3 s).

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
