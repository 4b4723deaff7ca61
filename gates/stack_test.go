package gates

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestProtectedDeletes(t *testing.T) {
	plan := func(changes ...string) []byte {
		return []byte(`{"format_version":"1.2","resource_changes":[` + strings.Join(changes, ",") + `]}`)
	}
	change := func(addr, mode, typ string, actions ...string) string {
		b, _ := json.Marshal(map[string]any{"address": addr, "mode": mode, "type": typ, "change": map[string]any{"actions": actions}})
		return string(b)
	}
	tests := []struct {
		name string
		plan []byte
		want []string
	}{
		{"creates only", plan(change("aws_db_instance.db", "managed", "aws_db_instance", "create")), nil},
		{"no changes", plan(), nil},
		{"deleted database", plan(change("aws_db_instance.db", "managed", "aws_db_instance", "delete")), []string{"aws_db_instance.db: delete"}},
		{"replaced file system", plan(change("aws_efs_file_system.fs", "managed", "aws_efs_file_system", "delete", "create")),
			[]string{"aws_efs_file_system.fs: replace (delete, create)"}},
		{"create before destroy", plan(change("aws_efs_file_system.fs", "managed", "aws_efs_file_system", "create", "delete")),
			[]string{"aws_efs_file_system.fs: replace (create, delete)"}},
		{"other types may go", plan(change("aws_instance.web", "managed", "aws_instance", "delete")), nil},
		{"a data source is no resource", plan(change("data.aws_db_instance.db", "data", "aws_db_instance", "delete")), nil},
		{"forget keeps the resource", plan(change("aws_db_instance.db", "managed", "aws_db_instance", "forget")), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ProtectedDeletes(tc.plan)
			if err != nil {
				t.Fatal(err)
			}
			var lines []string
			for _, c := range got {
				lines = append(lines, c.String())
			}
			if diff := cmp.Diff(tc.want, lines); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	for _, bad := range []string{"not json", `{"resource_changes":[]}`} {
		if _, err := ProtectedDeletes([]byte(bad)); err == nil {
			t.Errorf("ProtectedDeletes(%q): no error", bad)
		}
	}
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFindStacks(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"stacks/prod/cdk.tf.json":  "{}",
		"stacks/dev/cdk.tf.json":   "{}",
		"stacks/notes.txt":         "",
		"single/cdk.tf.json":       "{}",
		"testdata/variant.tf.json": "{}",
		"testdata/dev.tf.json":     "{}",
		"empty/.keep":              "",
		"testdata/readme.txt":      "",
	})
	in := func(p string) string { return filepath.Join(root, p) }
	tests := []struct {
		name    string
		args    []string
		want    []Stack
		wantErr string
	}{
		{
			name: "stacks folder, sorted; single folder; file",
			args: []string{in("stacks"), in("single"), in("testdata/variant.tf.json")},
			want: []Stack{
				{Name: "dev", Dir: in("stacks/dev"), JSON: in("stacks/dev/cdk.tf.json")},
				{Name: "prod", Dir: in("stacks/prod"), JSON: in("stacks/prod/cdk.tf.json")},
				{Name: "single", Dir: in("single"), JSON: in("single/cdk.tf.json")},
				{Name: "variant", JSON: in("testdata/variant.tf.json")},
			},
		},
		{name: "two stacks named dev", args: []string{in("stacks"), in("testdata/dev.tf.json")}, wantErr: "two stacks named dev"},
		{name: "missing", args: []string{in("nope")}, wantErr: "no stack or stacks folder " + in("nope") + " (synthesize first"},
		{name: "no stacks in folder", args: []string{in("empty")}, wantErr: "no */cdk.tf.json under " + in("empty")},
		{name: "not Terraform JSON", args: []string{in("testdata/readme.txt")}, wantErr: "want a Terraform JSON file named <stack>.tf.json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := FindStacks(tc.args)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestCopyStack: the scratch copy has what `terraform plan` in the stack
// folder reads (configuration, assets, local state) and none of what an
// earlier init or gate run left there.
func TestCopyStack(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	writeFiles(t, src, map[string]string{
		"cdk.tf.json":                   "{}",
		"terraform.dev.tfstate":         "{}",
		"assets/boot/file.txt":          "x",
		".terraform.lock.hcl":           "lock",
		".terraform/providers/x":        "x",
		"plan.json":                     "{}",
		"old.tfplan":                    "x",
		"zz_gates_override.tf.json":     "{}",
		"terraform.dev.tfstate.backup":  "{}",
		".terraform/terraform.tfstate":  "{}",
		"assets/.terraform.lock.hcl.md": "not a lock file",
	})
	if err := copyStack(Stack{Name: "dev", Dir: src, JSON: filepath.Join(src, stackFile)}, dst); err != nil {
		t.Fatal(err)
	}
	var got []string
	filepath.WalkDir(dst, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dst, path)
			got = append(got, rel)
		}
		return err
	})
	sort.Strings(got)
	want := []string{"assets/.terraform.lock.hcl.md", "assets/boot/file.txt", "cdk.tf.json", "terraform.dev.tfstate", "terraform.dev.tfstate.backup"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("copied files (-want +got):\n%s", diff)
	}
}

func TestMakeOverride(t *testing.T) {
	tests := []struct {
		name        string
		stack       string
		wantFiles   map[string]string
		wantBackend string
		wantState   string
		wantFrom    string
	}{
		{
			name:  "cdktf's list of provider blocks, local backend kept",
			stack: `{"provider":{"aws":[{"region":"us-east-1"},{"alias":"dr","region":"us-west-2"}]},"terraform":{"backend":{"local":{"path":"terraform.dev.tfstate"}}}}`,
			wantFiles: map[string]string{"zz_gates_override.tf.json": `{"provider":{"aws":[` +
				`{"max_retries":1,"skip_credentials_validation":true,"skip_metadata_api_check":true,"skip_requesting_account_id":true},` +
				`{"alias":"dr","max_retries":1,"skip_credentials_validation":true,"skip_metadata_api_check":true,"skip_requesting_account_id":true}]}}`},
			wantBackend: `local "terraform.dev.tfstate", as synthesized`,
			wantState:   "terraform.dev.tfstate",
		},
		{
			name:  "one provider block, S3 backend replaced",
			stack: `{"provider":{"aws":{"region":"us-east-1"}},"terraform":{"backend":{"s3":{"bucket":"b","key":"k"}}}}`,
			wantFiles: map[string]string{"zz_gates_override.tf.json": `{"provider":{"aws":[` +
				`{"max_retries":1,"skip_credentials_validation":true,"skip_metadata_api_check":true,"skip_requesting_account_id":true}]},` +
				`"terraform":{"backend":{"local":{"path":"/scratch/state"}}}}`},
			wantBackend: "s3 replaced by an empty local state in the scratch copy (the gates have no access to it)",
		},
		{
			name:  "no provider block, no backend",
			stack: `{"resource":{}}`,
			wantFiles: map[string]string{"zz_gates_provider.tf.json": `{"provider":{"aws":[` +
				`{"max_retries":1,"skip_credentials_validation":true,"skip_metadata_api_check":true,"skip_requesting_account_id":true}]}}`},
			wantBackend: "none in the stack: local terraform.tfstate in the stack folder",
			wantState:   "terraform.tfstate",
		},
		{
			name:  "local backend at an absolute path",
			stack: `{"provider":{"aws":[{}]},"terraform":{"backend":{"local":{"path":"/home/me/app/terraform.dev.tfstate"}}}}`,
			wantFiles: map[string]string{"zz_gates_override.tf.json": `{"provider":{"aws":[` +
				`{"max_retries":1,"skip_credentials_validation":true,"skip_metadata_api_check":true,"skip_requesting_account_id":true}]},` +
				`"terraform":{"backend":{"local":{"path":"/scratch/state"}}}}`},
			wantBackend: `local "/home/me/app/terraform.dev.tfstate", outside the stack folder: planned against a copy of it in the scratch folder`,
			wantFrom:    "/home/me/app/terraform.dev.tfstate",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ov, err := MakeOverride([]byte(tc.stack), "/scratch/state")
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for name, b := range ov.Files {
				var v any
				if err := json.Unmarshal(b, &v); err != nil {
					t.Fatalf("%s is not JSON: %v", name, err)
				}
				compact, _ := json.Marshal(v)
				got[name] = string(compact)
			}
			if diff := cmp.Diff(tc.wantFiles, got); diff != "" {
				t.Errorf("files (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{tc.wantBackend, tc.wantState, tc.wantFrom}, []string{ov.Backend, ov.StatePath, ov.StateFrom}); diff != "" {
				t.Errorf("backend, state path, state from (-want +got):\n%s", diff)
			}
		})
	}
	for _, bad := range []string{`{`, `{"provider":{"aws":"x"}}`} {
		if _, err := MakeOverride([]byte(bad), "/s"); err == nil {
			t.Errorf("MakeOverride(%s): no error", bad)
		}
	}
}

func TestLockedVersion(t *testing.T) {
	dir := t.TempDir()
	lock := filepath.Join(dir, ".terraform.lock.hcl")
	writeFiles(t, dir, map[string]string{".terraform.lock.hcl": `# This file is maintained automatically by "tofu init".
provider "registry.opentofu.org/hashicorp/random" {
  version = "3.6.0"
}

provider "registry.opentofu.org/hashicorp/aws" {
  version     = "5.100.0"
  constraints = ">= 5.84.0, < 6.0.0"
  hashes = [
    "h1:edXOJWE4ORX8Fm+dpVpICzMZJat4AX0VRCAy/xkcOc0=",
  ]
}
`})
	if v, err := lockedVersion(lock, "registry.opentofu.org/hashicorp/aws"); err != nil || v != "5.100.0" {
		t.Errorf("lockedVersion = %q, %v; want 5.100.0", v, err)
	}
	if _, err := lockedVersion(lock, "registry.terraform.io/hashicorp/aws"); err == nil {
		t.Error("lockedVersion of a provider not in the file: no error")
	}
}

func TestRequiredAWS(t *testing.T) {
	if got := requiredAWS([]byte(`{"terraform":{"required_providers":{"aws":{"source":"aws","version":">= 5.84, < 6.0"}}}}`)); got != ">= 5.84, < 6.0" {
		t.Errorf("requiredAWS = %q", got)
	}
	if got := requiredAWS([]byte(`{}`)); got != "any version" {
		t.Errorf("requiredAWS without constraint = %q", got)
	}
}
