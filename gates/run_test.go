package gates

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestUsageErrors: what stops the gates before any gate runs exits 2 with
// the reason, before any tool is looked for.
func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"bad.yaml":               "misconfigurations:\n  - id: AWS-0053\n",
		"stacks/dev/cdk.tf.json": "{}",
		"dev.tf.json":            "{}",
	})
	tests := []struct {
		name, ignore string
		stacks       []string
		want         string
	}{
		{"no stacks folder", "trivyignore.yaml", []string{filepath.Join(dir, "none")}, "no stack or stacks folder " + filepath.Join(dir, "none")},
		{"two stacks of one name", "trivyignore.yaml", []string{filepath.Join(dir, "stacks"), filepath.Join(dir, "dev.tf.json")}, "two stacks named dev"},
		{"ignore file without a reason", filepath.Join(dir, "bad.yaml"), []string{filepath.Join(dir, "stacks")}, "no statement: want the reason the finding is accepted"},
		{"no ignore file", filepath.Join(dir, "missing.yaml"), []string{filepath.Join(dir, "stacks")}, "read ignore file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			code := Run(context.Background(), Options{Stacks: tc.stacks, IgnoreFile: tc.ignore, Cache: filepath.Join(dir, "cache"), Out: &out})
			if code != ExitUsage || !strings.Contains(out.String(), tc.want) {
				t.Errorf("exit %d, output %q; want exit %d and %q", code, out.String(), ExitUsage, tc.want)
			}
		})
	}
}

// TestMissingEngine: an engine neither on PATH nor in the cache stops the
// run with the command that installs it.
func TestMissingEngine(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"stacks/dev/cdk.tf.json": "{}"})
	t.Setenv("PATH", filepath.Join(dir, "empty-path"))
	var out bytes.Buffer
	code := Run(context.Background(), Options{Stacks: []string{filepath.Join(dir, "stacks")}, IgnoreFile: "trivyignore.yaml", Cache: filepath.Join(dir, "cache"), Out: &out})
	want := "terraform is neither on PATH nor in " + filepath.Join(dir, "cache", "bin") + ": run `bash scripts/tools.sh terraform`"
	if code != ExitUsage || !strings.Contains(out.String(), want) {
		t.Errorf("exit %d, output %q; want exit %d and %q", code, out.String(), ExitUsage, want)
	}
}
