package jsiiboot

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// mapEnv is an environment that tests own.
type mapEnv map[string]string

func (m mapEnv) LookupEnv(k string) (string, bool) { v, ok := m[k]; return v, ok }
func (m mapEnv) Setenv(k, v string) error {
	m[k] = v
	return nil
}

type failingEnv struct{ mapEnv }

func (failingEnv) Setenv(k, v string) error { return errors.New("read-only environment") }

func TestMergeNodeOptions(t *testing.T) {
	const pre = "/c/jsiiboot/preload-0123.js"
	const heap = "--max-old-space-size=4069 --max-semi-space-size=4"
	tests := []struct {
		name, opts, preload, want string
	}{
		{"empty", "", pre, heap + " --require=" + pre},
		{"blank", "   ", pre, heap + " --require=" + pre},
		{"existing options kept first", "--enable-source-maps --trace-warnings", pre,
			"--enable-source-maps --trace-warnings " + heap + " --require=" + pre},
		{"user heap size kept", "--max-old-space-size=8192", pre,
			"--max-old-space-size=8192 --max-semi-space-size=4 --require=" + pre},
		{"user heap sizes kept, underscores", "--max_old_space_size=512 --max_semi_space_size=16", pre,
			"--max_old_space_size=512 --max_semi_space_size=16 --require=" + pre},
		{"already merged", heap + " --require=" + pre, pre, heap + " --require=" + pre},
		{"another preload is not ours", "--require=" + pre + ".bak", pre,
			"--require=" + pre + ".bak " + heap + " --require=" + pre},
		{"path with spaces quoted", "", `/home/a b/c"d\e.js`,
			heap + ` --require="/home/a b/c\"d\\e.js"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mergeNodeOptions(tt.opts, tt.preload)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mergeNodeOptions(%q) (-want +got):\n%s", tt.opts, diff)
			}
			if again := mergeNodeOptions(got, tt.preload); again != got {
				t.Errorf("second merge changed %q to %q", got, again)
			}
		})
	}
}

func TestEnable(t *testing.T) {
	cache := t.TempDir()
	dir := filepath.Join(cache, "jsiiboot")
	preload, err := writePreload(dir)
	if err != nil {
		t.Fatal(err)
	}
	nodeRoot := t.TempDir()
	node := filepath.Join(nodeRoot, "node-bin", "node")
	writeFiles(t, nodeRoot, map[string]string{"node-bin/node": "#!/bin/sh\n"})
	if err := os.Chmod(node, 0o755); err != nil {
		t.Fatal(err)
	}
	// A kernel saved by an earlier run's wrapper, for runtime "v1-saved".
	saved := filepath.Join(dir, "runtime-v1-saved", "program.js")
	writeFiles(t, dir, map[string]string{"runtime-v1-saved/program.js": "// kernel"})
	req := "--max-old-space-size=4069 --max-semi-space-size=4 --require=" + preload
	// The cached Node 22 also gets cdktf's deprecation warning silenced.
	req22 := req + " --disable-warning=DEP0044"

	tests := []struct {
		name      string
		runtimeID string
		env       mapEnv
		want      mapEnv
	}{
		{
			name: "empty environment",
			env:  mapEnv{CacheEnv: cache},
			want: mapEnv{CacheEnv: cache, nodeOptionsEnv: req, silenceEOLEnv: "20"},
		},
		{
			name: "existing NODE_OPTIONS kept",
			env:  mapEnv{CacheEnv: cache, nodeOptionsEnv: "--enable-source-maps"},
			want: mapEnv{CacheEnv: cache, nodeOptionsEnv: "--enable-source-maps " + req, silenceEOLEnv: "20"},
		},
		{
			name: "user's silence list kept",
			env:  mapEnv{CacheEnv: cache, silenceEOLEnv: "18"},
			want: mapEnv{CacheEnv: cache, silenceEOLEnv: "18", nodeOptionsEnv: req},
		},
		{
			name: "cached Node 22 preferred",
			env:  mapEnv{CacheEnv: nodeRoot},
			want: mapEnv{CacheEnv: nodeRoot, nodeOptionsEnv: req22, jsiiNodeEnv: node},
		},
		{
			name: "user's JSII_NODE kept",
			env:  mapEnv{CacheEnv: nodeRoot, jsiiNodeEnv: "/opt/node/bin/node"},
			want: mapEnv{CacheEnv: nodeRoot, jsiiNodeEnv: "/opt/node/bin/node", nodeOptionsEnv: req},
		},
		{
			name:      "no saved kernel yet: the wrapper is asked to save one",
			runtimeID: "v1-new",
			env:       mapEnv{CacheEnv: cache, "SHELL": "/bin/bash"},
			want: mapEnv{CacheEnv: cache, "SHELL": "/bin/bash", nodeOptionsEnv: req, silenceEOLEnv: "20",
				RuntimeSlotEnv: filepath.Join(dir, "runtime-v1-new")},
		},
		{
			name:      "saved kernel started directly",
			runtimeID: "v1-saved",
			env:       mapEnv{CacheEnv: nodeRoot},
			want: mapEnv{CacheEnv: nodeRoot, nodeOptionsEnv: req22, jsiiNodeEnv: node,
				jsiiRuntimeEnv: "exec '" + node + "' --preserve-symlinks '" + saved + "' --jsiiboot-direct 3</dev/null"},
		},
		{
			name:      "saved kernel, system node",
			runtimeID: "v1-saved",
			env:       mapEnv{CacheEnv: cache, "SHELL": "/usr/bin/zsh"},
			want: mapEnv{CacheEnv: cache, "SHELL": "/usr/bin/zsh", nodeOptionsEnv: req, silenceEOLEnv: "20",
				jsiiRuntimeEnv: "exec 'node' --preserve-symlinks '" + saved + "' --jsiiboot-direct 3</dev/null"},
		},
		{
			name:      "direct start inherited from a parent of another jsii version replaced",
			runtimeID: "v1-saved",
			env:       mapEnv{CacheEnv: nodeRoot, jsiiRuntimeEnv: "exec 'node' --preserve-symlinks '/x/runtime-v0/program.js' --jsiiboot-direct 3</dev/null"},
			want: mapEnv{CacheEnv: nodeRoot, nodeOptionsEnv: req22, jsiiNodeEnv: node,
				jsiiRuntimeEnv: "exec '" + node + "' --preserve-symlinks '" + saved + "' --jsiiboot-direct 3</dev/null"},
		},
		{
			name:      "inherited direct start dropped while this version has no saved kernel",
			runtimeID: "v1-new",
			env:       mapEnv{CacheEnv: cache, jsiiRuntimeEnv: "exec 'node' --preserve-symlinks '/x/runtime-v0/program.js' --jsiiboot-direct 3</dev/null"},
			want: mapEnv{CacheEnv: cache, nodeOptionsEnv: req, silenceEOLEnv: "20", jsiiRuntimeEnv: "",
				RuntimeSlotEnv: filepath.Join(dir, "runtime-v1-new")},
		},
		{
			name:      "inherited direct start kept by a binary that cannot tell its version",
			runtimeID: "",
			env:       mapEnv{CacheEnv: cache, jsiiRuntimeEnv: "exec 'node' --preserve-symlinks '/x/runtime-v0/program.js' --jsiiboot-direct 3</dev/null"},
			want: mapEnv{CacheEnv: cache, nodeOptionsEnv: req, silenceEOLEnv: "20",
				jsiiRuntimeEnv: "exec 'node' --preserve-symlinks '/x/runtime-v0/program.js' --jsiiboot-direct 3</dev/null"},
		},
		{
			name:      "direct start switched off: the saved kernel waits",
			runtimeID: "v1-saved",
			env:       mapEnv{CacheEnv: cache, DirectEnv: "0"},
			want:      mapEnv{CacheEnv: cache, DirectEnv: "0", nodeOptionsEnv: req, silenceEOLEnv: "20"},
		},
		{
			name:      "direct start switched off: an inherited one dropped",
			runtimeID: "v1-saved",
			env:       mapEnv{CacheEnv: cache, DirectEnv: "off", jsiiRuntimeEnv: "exec 'node' --preserve-symlinks '/x/runtime-v0/program.js' --jsiiboot-direct 3</dev/null"},
			want:      mapEnv{CacheEnv: cache, DirectEnv: "off", nodeOptionsEnv: req, silenceEOLEnv: "20", jsiiRuntimeEnv: ""},
		},
		{
			name:      "direct start switched off, no saved kernel yet: the wrapper still saves one",
			runtimeID: "v1-new",
			env:       mapEnv{CacheEnv: cache, DirectEnv: "0"},
			want: mapEnv{CacheEnv: cache, DirectEnv: "0", nodeOptionsEnv: req, silenceEOLEnv: "20",
				RuntimeSlotEnv: filepath.Join(dir, "runtime-v1-new")},
		},
		{
			name:      "user's JSII_RUNTIME kept",
			runtimeID: "v1-saved",
			env:       mapEnv{CacheEnv: cache, jsiiRuntimeEnv: "my-runtime"},
			want:      mapEnv{CacheEnv: cache, jsiiRuntimeEnv: "my-runtime", nodeOptionsEnv: req, silenceEOLEnv: "20"},
		},
		{
			name:      "shell jsii would use is not POSIX: wrapper kept",
			runtimeID: "v1-saved",
			env:       mapEnv{CacheEnv: cache, "SHELL": "/usr/bin/fish"},
			want:      mapEnv{CacheEnv: cache, "SHELL": "/usr/bin/fish", nodeOptionsEnv: req, silenceEOLEnv: "20"},
		},
		{
			name:      "switched off",
			runtimeID: "v1-saved",
			env:       mapEnv{CacheEnv: cache, SwitchEnv: "0", nodeOptionsEnv: "--trace-warnings"},
			want:      mapEnv{CacheEnv: cache, SwitchEnv: "0", nodeOptionsEnv: "--trace-warnings"},
		},
		{
			name: "switched off, spelled false",
			env:  mapEnv{CacheEnv: cache, SwitchEnv: "False"},
			want: mapEnv{CacheEnv: cache, SwitchEnv: "False"},
		},
		{
			name: "switched on explicitly",
			env:  mapEnv{CacheEnv: cache, SwitchEnv: "1"},
			want: mapEnv{CacheEnv: cache, SwitchEnv: "1", nodeOptionsEnv: req, silenceEOLEnv: "20"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := options{cacheDir: dir, runtimeID: tt.runtimeID}
			if err := enable(tt.env, o); err != nil {
				t.Fatalf("enable: %v", err)
			}
			if diff := cmp.Diff(tt.want, tt.env); diff != "" {
				t.Errorf("environment after Enable (-want +got):\n%s", diff)
			}
			if err := enable(tt.env, o); err != nil {
				t.Fatalf("second enable: %v", err)
			}
			if diff := cmp.Diff(tt.want, tt.env); diff != "" {
				t.Errorf("environment after a second Enable (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRuntimeIDFromSource(t *testing.T) {
	tests := []struct {
		name, file, want string
	}{
		{"module cache", "/home/ann/go/pkg/mod/github.com/aws/jsii-runtime-go@v1.119.0/jsii.go", "v1.119.0"},
		{"built with -trimpath", "github.com/aws/jsii-runtime-go@v1.119.0/jsii.go", "v1.119.0"},
		{"pseudo-version", "/go/pkg/mod/github.com/aws/jsii-runtime-go@v1.120.1-0.20261101120000-0123456789ab/jsii.go", "v1.120.1-0.20261101120000-0123456789ab"},
		{"Windows (Go records forward slashes)", "C:/Users/ann/go/pkg/mod/github.com/aws/jsii-runtime-go@v1.119.0/jsii.go", "v1.119.0"},
		{"vendored", "/src/app/vendor/github.com/aws/jsii-runtime-go/jsii.go", ""},
		{"replaced by a folder", "/src/jsii/packages/@jsii/go-runtime/jsii-runtime-go/jsii.go", ""},
		{"replaced by a fork", "/go/pkg/mod/github.com/ann/jsii-runtime-go@v1.119.0/jsii.go", ""},
		{"another module whose name ends alike", "/go/pkg/mod/example.com/notgithub.com/aws/jsii-runtime-go@v1.119.0/jsii.go", ""},
		{"a file below the root", "/go/pkg/mod/github.com/aws/jsii-runtime-go@v1.119.0/runtime/runtime.go", ""},
		{"unknown", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := runtimeIDFromSource(tt.file); got != tt.want {
				t.Errorf("runtimeIDFromSource(%q) = %q, want %q", tt.file, got, tt.want)
			}
		})
	}
}

// TestTestBinariesKnowTheirRuntime: this package's test binary, like every
// tier's, has no dependency list in its build information; it must still
// name the jsii runtime it embeds, the version go.mod requires, so that its
// kernel starts without jsii's wrapper.
func TestTestBinariesKnowTheirRuntime(t *testing.T) {
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*github\.com/aws/jsii-runtime-go (v\S+)`).FindSubmatch(mod)
	if m == nil {
		t.Fatal("go.mod does not require github.com/aws/jsii-runtime-go")
	}
	if diff := cmp.Diff(string(m[1]), jsiiRuntimeID()); diff != "" {
		t.Errorf("jsiiRuntimeID() (-go.mod +got):\n%s", diff)
	}
}

func TestEnableFallsBack(t *testing.T) {
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		env  env
		dir  string
	}{
		{"cache directory unusable", mapEnv{nodeOptionsEnv: "--trace-warnings"}, filepath.Join(notDir, "jsiiboot")},
		{"environment read-only", failingEnv{mapEnv{nodeOptionsEnv: "--trace-warnings"}}, t.TempDir()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := enable(tt.env, options{cacheDir: tt.dir})
			if err == nil || !strings.HasPrefix(err.Error(), "jsiiboot: ") {
				t.Fatalf("enable error = %v, want a jsiiboot error", err)
			}
			got, _ := tt.env.LookupEnv(nodeOptionsEnv)
			if diff := cmp.Diff("--trace-warnings", got); diff != "" {
				t.Errorf("NODE_OPTIONS after a failed Enable (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWritePreload(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "jsiiboot")
	first, err := writePreload(dir)
	if err != nil {
		t.Fatal(err)
	}
	// A damaged copy (say, a crash mid-write by an older build) is replaced.
	if err := os.WriteFile(first, []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	second, err := writePreload(dir)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(first, second); diff != "" {
		t.Errorf("preload path (-want +got):\n%s", diff)
	}
	got, err := os.ReadFile(second)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(preloadJS) {
		t.Error("preload content not restored")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("cache dir has %d entries, want only the preload (no temporary files left)", len(entries))
	}
}

// nodeEnv is an environment for running node directly: the test binary's own
// Enable must not leak in.
func nodeEnv(extra ...string) []string {
	var out []string
	for _, kv := range StockEnviron() {
		if !strings.HasPrefix(kv, nodeOptionsEnv+"=") && !strings.HasPrefix(kv, DebugEnv+"=") {
			out = append(out, kv)
		}
	}
	return append(out, extra...)
}

// runNode runs cmd, a node process, decodes the JSON it prints into v and
// returns what it wrote on stderr.
func runNode(t *testing.T, cmd *exec.Cmd, v any) string {
	t.Helper()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, stderr.String())
	}
	if err := json.Unmarshal(out, v); err != nil {
		t.Fatalf("node printed %q: %v", out, err)
	}
	return stderr.String()
}

func needNode(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("no node on PATH")
	}
	return node
}

func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestPreloadRedirect runs the preload in a real node against fake package
// layouts, through NODE_OPTIONS exactly as Enable spells it (from a cache
// path with a space in it, to exercise the quoting).
func TestPreloadRedirect(t *testing.T) {
	t.Parallel()
	node := needNode(t)
	preload, err := writePreload(filepath.Join(t.TempDir(), "cache dir", "jsiiboot"))
	if err != nil {
		t.Fatal(err)
	}
	pkg := func(name, which string) map[string]string {
		return map[string]string{
			"node_modules/" + name + "/package.json":      `{"name":"` + name + `","main":"lib/index.js"}`,
			"node_modules/" + name + "/lib/index.js":      `module.exports = {which: "` + which + `/index"};`,
			"node_modules/" + name + "/lib/vpc/index.js":  `module.exports = {which: "` + which + `/vpc"};`,
			"node_modules/" + name + "/lib/lazy-index.js": `module.exports = {which: "` + which + `/lazy"};`,
		}
	}
	const script = `console.log(JSON.stringify([
		require("@cdktf/provider-aws").which,
		require("@cdktf/provider-aws/lib/index.js").which,
		require("@cdktf/provider-aws/lib/vpc").which,
		require("other").which,
	]))`
	tests := []struct {
		name  string
		files map[string]string
		want  []string
		// wantStderr is what node must say on stderr, all of it.
		wantStderr string
	}{
		{
			name:  "index redirected to lazy-index",
			files: merge(pkg("@cdktf/provider-aws", "aws"), pkg("other", "other")),
			want:  []string{"aws/lazy", "aws/lazy", "aws/vpc", "other/index"},
		},
		{
			name:       "no lazy-index: untouched, and said once",
			files:      without(merge(pkg("@cdktf/provider-aws", "aws"), pkg("other", "other")), "node_modules/@cdktf/provider-aws/lib/lazy-index.js"),
			want:       []string{"aws/index", "aws/index", "aws/vpc", "other/index"},
			wantStderr: "jsiiboot: no <root>/node_modules/@cdktf/provider-aws/lib/lazy-index.js: stock index: jsii takes its slower stock path (WORDPRESS_JSII_DEBUG=1 tells more)\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			writeFiles(t, root, tt.files)
			cmd := exec.Command(node, "-e", script)
			cmd.Dir = root
			cmd.Env = nodeEnv(nodeOptionsEnv + "=" + mergeNodeOptions("", preload))
			var got []string
			stderr := runNode(t, cmd, &got)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("modules loaded (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantStderr, strings.ReplaceAll(stderr, root, "<root>")); diff != "" {
				t.Errorf("node's stderr (-want +got):\n%s", diff)
			}
		})
	}
}

// kernelJS stands in for jsii's kernel (lib/program.js, run with
// --preserve-symlinks): it reads and parses the provider's .jsii the way
// @jsii/spec's loadAssemblyFromFile does and prints what the kernel would use.
const kernelJS = `
const fs = require("fs");
const file = process.argv[2];
const asm = JSON.parse(fs.readFileSync(file).toString("utf-8"));
console.log(JSON.stringify({
	count: Object.keys(asm.types).length,
	vpc: asm.types["@cdktf/provider-aws.vpc.Vpc"],
	missing: asm.types["@cdktf/provider-aws.nope"] === undefined,
	has: "@cdktf/provider-aws.vpc.VpcConfig" in asm.types,
	whole: JSON.stringify(asm),
	other: JSON.parse('{"a":1}'),
}));
`

// TestPreloadLazyAssembly runs the preload's assembly index against a fake
// jsii package cache entry: the first run builds the index and hands over the
// parsed assembly, later runs hand over a lazy one; both must look the same
// to the kernel as the stock parse.
func TestPreloadLazyAssembly(t *testing.T) {
	t.Parallel()
	node := needNode(t)
	cacheDir := filepath.Join(t.TempDir(), "jsiiboot")
	preload, err := writePreload(cacheDir)
	if err != nil {
		t.Fatal(err)
	}
	assembly := `{
  "name": "@cdktf/provider-aws",
  "schema": "jsii/0.10.0",
  "types": {
    "@cdktf/provider-aws.vpc.Vpc": {"fqn": "@cdktf/provider-aws.vpc.Vpc", "kind": "class", "docs": {"summary": "ünïcode ✓"}},
    "@cdktf/provider-aws.vpc.VpcConfig": {"fqn": "@cdktf/provider-aws.vpc.VpcConfig", "kind": "interface"}
  },
  "version": "19.50.0",
  "fingerprint": "abc"
}`
	var stock map[string]any
	if err := json.Unmarshal([]byte(assembly), &stock); err != nil {
		t.Fatal(err)
	}
	type kernelView struct {
		Count   int            `json:"count"`
		Vpc     map[string]any `json:"vpc"`
		Missing bool           `json:"missing"`
		Has     bool           `json:"has"`
		Whole   string         `json:"whole"`
		Other   map[string]int `json:"other"`
	}
	want := kernelView{
		Count:   2,
		Vpc:     stock["types"].(map[string]any)["@cdktf/provider-aws.vpc.Vpc"].(map[string]any),
		Missing: true,
		Has:     true,
		Whole:   compactJSON(assembly),
		Other:   map[string]int{"a": 1},
	}

	tests := []struct {
		name      string
		inCache   bool   // the package sits in a jsii package cache entry
		env       string // extra environment
		wantIndex bool   // index files exist afterwards
		wantLog   string // in the preload's debug output
	}{
		{"outside jsii's package cache: stock", false, "", false, "not in jsii's package cache"},
		{"validation on: stock", true, "JSII_VALIDATE_ASSEMBLIES=1", false, ""},
		{"first run builds the index", true, "", true, "indexed"},
		{"later runs are lazy", true, "", true, "lazy assembly"},
	}
	root := t.TempDir()
	cached := filepath.Join(root, "package-cache", "@cdktf", "provider-aws", "19.50.0", "abc123")
	writeFiles(t, cached, map[string]string{".jsii": assembly, ".jsii-runtime-package-cache": "", "lib/index.js": ""})
	loose := filepath.Join(root, "loose")
	writeFiles(t, loose, map[string]string{".jsii": assembly, "lib/index.js": ""})
	writeFiles(t, root, map[string]string{"runtime/lib/program.js": kernelJS})
	// Indexes of other provider builds: one unused for 40 days, which the
	// first build prunes, and one in use.
	writeFiles(t, cacheDir, map[string]string{
		"assembly-0000.json": "{}", "assembly-0000.types": "",
		"assembly-1111.json": "{}", "assembly-1111.types": "",
	})
	old := time.Now().Add(-40 * 24 * time.Hour)
	for _, f := range []string{"assembly-0000.json", "assembly-0000.types"} {
		if err := os.Chtimes(filepath.Join(cacheDir, f), old, old); err != nil {
			t.Fatal(err)
		}
	}

	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// jsii symlinks the cache entry into a fresh install directory.
			install := filepath.Join(root, "kernel", string(rune('a'+i)), "node_modules", "@cdktf", "provider-aws")
			if err := os.MkdirAll(filepath.Dir(install), 0o755); err != nil {
				t.Fatal(err)
			}
			target := loose
			if tt.inCache {
				target = cached
			}
			if err := os.Symlink(target, install); err != nil {
				t.Fatal(err)
			}
			env := []string{nodeOptionsEnv + "=" + mergeNodeOptions("", preload), DebugEnv + "=1"}
			if tt.env != "" {
				env = append(env, tt.env)
			}
			cmd := exec.Command(node, "--preserve-symlinks", filepath.Join(root, "runtime", "lib", "program.js"), filepath.Join(install, ".jsii"))
			cmd.Env = nodeEnv(env...)
			var got kernelView
			stderr := runNode(t, cmd, &got)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("what the kernel sees (-want +got):\n%s", diff)
			}
			if !strings.Contains(stderr, tt.wantLog) {
				t.Errorf("preload log %q does not mention %q", stderr, tt.wantLog)
			}
			var index []string
			files, _ := filepath.Glob(filepath.Join(cacheDir, "assembly-*"))
			for _, f := range files {
				if b := filepath.Base(f); !strings.HasPrefix(b, "assembly-0000.") && !strings.HasPrefix(b, "assembly-1111.") {
					index = append(index, b)
				}
			}
			if got := len(index) == 2; got != tt.wantIndex {
				t.Errorf("index files %v, want them present: %v", index, tt.wantIndex)
			}
			_, errOld := os.Stat(filepath.Join(cacheDir, "assembly-0000.types"))
			if pruned := errors.Is(errOld, fs.ErrNotExist); pruned != tt.wantIndex {
				t.Errorf("unused index pruned: %v, want %v", pruned, tt.wantIndex)
			}
			if _, err := os.Stat(filepath.Join(cacheDir, "assembly-1111.types")); err != nil {
				t.Errorf("index in use pruned: %v", err)
			}
		})
	}
}

// compactJSON drops the whitespace between tokens, as JSON.stringify would:
// unlike a round trip through Go maps, it keeps the key order, which the lazy
// assembly must preserve.
func compactJSON(s string) string {
	var b strings.Builder
	inString, escaped := false, false
	for _, r := range s {
		switch {
		case escaped:
			escaped = false
		case inString && r == '\\':
			escaped = true
		case r == '"':
			inString = !inString
		case !inString && (r == ' ' || r == '\n' || r == '\t'):
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func merge(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

func without(m map[string]string, key string) map[string]string {
	delete(m, key)
	return m
}

// TestPreloadDirectKernel runs the wrapper-less start for real: a fake jsii
// wrapper saves its kernel into the slot Enable names, then that saved kernel
// is started through directCommand by sh, as jsii-runtime-go would, and must
// find its request channel and have its output wrapped for Go.
func TestPreloadDirectKernel(t *testing.T) {
	t.Parallel()
	node := needNode(t)
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	cacheDir := filepath.Join(t.TempDir(), "jsiiboot")
	preload, err := writePreload(cacheDir)
	if err != nil {
		t.Fatal(err)
	}
	const kernel = `
// {"name":"@jsii/runtime","version":"1.0.0"}, as jsii's bundle embeds it
const fs = require("fs");
const buf = Buffer.alloc(64);
const n = fs.readSync(3, buf, 0, buf.length, null);
console.log("to stdout");
console.error("to stderr");
fs.writeSync(1, "raw fd 1\n");
fs.writeSync(3, "reply:" + buf.toString("utf8", 0, n));
` + jsiiAssertion
	rt := t.TempDir()
	writeFiles(t, rt, map[string]string{"bin/jsii-runtime.js": "", "lib/program.js": kernel})
	slot := filepath.Join(cacheDir, "runtime-v1.0.0")
	opts := nodeOptionsEnv + "=" + mergeNodeOptions("", preload)

	// A slot named for another version (inherited from a parent Go program
	// built with another jsii) stays empty; this version's slot is filled.
	for _, s := range []string{filepath.Join(cacheDir, "runtime-v1.0.1"), slot} {
		wrapper := exec.Command(node, filepath.Join(rt, "bin", "jsii-runtime.js"))
		wrapper.Env = nodeEnv(opts, RuntimeSlotEnv+"="+s)
		if out, err := wrapper.CombinedOutput(); err != nil {
			t.Fatalf("wrapper: %v\n%s", err, out)
		}
	}
	if _, err := os.Stat(filepath.Join(cacheDir, "runtime-v1.0.1", "program.js")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("kernel 1.0.0 saved into the slot of 1.0.1 (stat: %v)", err)
	}
	got, err := os.ReadFile(filepath.Join(slot, "program.js"))
	if err != nil {
		t.Fatalf("kernel not saved: %v", err)
	}
	if diff := cmp.Diff(kernel, string(got)); diff != "" {
		t.Errorf("saved kernel (-want +got):\n%s", diff)
	}

	cmd := exec.Command(sh, "-c", directCommand(node, filepath.Join(slot, "program.js")))
	cmd.Env = nodeEnv(opts)
	cmd.Stdin = strings.NewReader("hello\n")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("direct kernel: %v\n%s", err, stderr.String())
	}
	if diff := cmp.Diff("reply:hello\n", string(out)); diff != "" {
		t.Errorf("request channel (-want +got):\n%s", diff)
	}
	var lines []map[string]string
	for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		var m map[string]string
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("stderr line %q is not a jsii console message: %v", line, err)
		}
		lines = append(lines, m)
	}
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	want := []map[string]string{{"stdout": b64("to stdout\n")}, {"stderr": b64("to stderr\n")}, {"stdout": b64("raw fd 1\n")}}
	if diff := cmp.Diff(want, lines); diff != "" {
		t.Errorf("console messages on stderr (-want +got):\n%s", diff)
	}
}

// TestKernelRunning checks the guard that keeps a late Enable from closing a
// kernel in use: no node child, no kernel; a node child, maybe one. Not
// parallel: it runs while the parallel tests, which start node, wait.
func TestKernelRunning(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	node := needNode(t)
	if kernelRunning() {
		t.Fatal("kernelRunning with no child process")
	}
	cmd := exec.Command(node, "-e", `console.log("up"); setTimeout(() => {}, 30000)`)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	// Until node runs, /proc shows the forked test binary or nothing.
	if _, err := stdout.Read(make([]byte, 2)); err != nil {
		t.Fatal(err)
	}
	if !kernelRunning() {
		t.Error("kernelRunning misses a node child")
	}
}

// jsiiAssertion is the line of jsii's kernel that the preload edits (step 2),
// in a function as the bundle has it.
const jsiiAssertion = "function serializationType(typeRef) {\n" +
	"    assert(typeRef != null, `Kernel error: expected type information, got ${(0, util_1.inspect)(typeRef)}`);\n}\n"

// TestPreloadEdits runs the preload's two edits (step 2) in a real node
// against stand-ins for jsii's kernel and cdktf's stack-trace module: edited,
// the kernel formats a type reference only for a failing assertion, with the
// same message, and cdktf captures no stack trace; a kernel or cdktf whose
// text differs runs unedited, and the preload says so once.
func TestPreloadEdits(t *testing.T) {
	t.Parallel()
	node := needNode(t)
	preload, err := writePreload(filepath.Join(t.TempDir(), "jsiiboot"))
	if err != nil {
		t.Fatal(err)
	}
	const stackTrace = "\"use strict\";\nexports.captureStackTrace = void 0;\n" +
		"function captureStackTrace(below) {\n    return new Error().stack.split(\"\\n\").slice(1);\n}\n" +
		"exports.captureStackTrace = captureStackTrace;\n"
	// The kernel: counts util.inspect calls over two good references and
	// a missing one, then asks cdktf for a stack trace.
	const kernel = `// {"name":"@jsii/runtime","version":"1.0.0"}, as jsii's bundle embeds it
let calls = 0;
const util_1 = {inspect: (v) => { calls++; return String(v); }};
const assert = (ok, msg) => { if (!ok) throw new Error(msg); };
` + jsiiAssertion + `
serializationType({}); serializationType({});
let message = "";
try { serializationType(null); } catch (err) { message = err.message; }
const trace = require("cdktf/lib/tokens/private/stack-trace.js").captureStackTrace();
console.log(JSON.stringify({calls, message, traced: trace.length > 0}));
`
	type result struct {
		Calls   int    `json:"calls"`
		Message string `json:"message"`
		Traced  bool   `json:"traced"`
	}
	const missing = "Kernel error: expected type information, got null"
	tests := []struct {
		name       string
		kernel     string
		stackTrace string
		want       result
		wantStderr string
	}{
		{"both edited", kernel, stackTrace, result{Calls: 1, Message: missing}, ""},
		{
			"another kernel and cdktf: unedited, said once", strings.Replace(kernel, "assert(typeRef != null", "assert(null != typeRef", 1),
			strings.Replace(stackTrace, "(below) {", "(below, depth) {", 1),
			result{Calls: 3, Message: missing, Traced: true},
			"jsiiboot: jsii's type-reference assertion: not the expected text in <root>/lib/program.js, left as it is: jsii takes its slower stock path (WORDPRESS_JSII_DEBUG=1 tells more)\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			writeFiles(t, root, map[string]string{
				"lib/program.js": tt.kernel,
				"node_modules/cdktf/lib/tokens/private/stack-trace.js": tt.stackTrace,
			})
			cmd := exec.Command(node, "--preserve-symlinks", filepath.Join(root, "lib", "program.js"))
			cmd.Dir = root
			cmd.Env = nodeEnv(nodeOptionsEnv + "=" + mergeNodeOptions("", preload))
			var got result
			stderr := runNode(t, cmd, &got)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("kernel (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantStderr, strings.ReplaceAll(stderr, root, "<root>")); diff != "" {
				t.Errorf("node's stderr (-want +got):\n%s", diff)
			}
		})
	}
}
