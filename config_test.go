package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestBadConfigurationLeavesOutputUntouched feeds run() broken environment
// files: each must fail, say that nothing was written, and leave cdktf.out
// as it was. What each error says is tested with LoadConfig in
// constructs/wordpress; these cases cover each way a file can fail (not
// JSON, an unknown key, a bad value, in one or more environments).
func TestBadConfigurationLeavesOutputUntouched(t *testing.T) {
	tests := []struct{ name, file string }{
		{"not json", `{"environments": {`},
		{"no environments", `{"environments": {}}`},
		{"unknown key", `{"environments": {"dev": {"regoin": "us-east-1"}}}`},
		{"wrong type", `{"environments": {"dev": {"min_size": "two"}}}`},
		{"bad value", `{"environments": {"dev": {"subnet_cidrs": {"app-a": "10.1.0.0/24"}}}}`},
		{"errors of two environments together", `{"environments": {"a": {"min_size": 0}, "b": {"region": "x"}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			cfgPath := filepath.Join(dir, "environments.json")
			if err := os.WriteFile(cfgPath, []byte(tt.file), 0o644); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "cdktf.out")
			sentinel := filepath.Join(out, "stacks", "prod", "cdk.tf.json")
			writeFile(t, sentinel, "previous synthesis")
			t.Setenv("WORDPRESS_CONFIG", cfgPath)
			t.Setenv("CDKTF_OUTDIR", out)

			err := run()
			if err == nil {
				t.Fatal("run() succeeded, want an error")
			}
			for _, w := range []string{"invalid configuration, nothing written", cfgPath} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not mention %q:\n%v", w, err)
				}
			}
			if diff := cmp.Diff(map[string][]byte{"stacks/prod/cdk.tf.json": []byte("previous synthesis")}, readTree(t, out)); diff != "" {
				t.Errorf("cdktf.out changed (-want +got):\n%s", diff)
			}
			if _, err := os.Stat(out + ".staging"); !os.IsNotExist(err) {
				t.Errorf("staging folder left behind: %v", err)
			}
		})
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
