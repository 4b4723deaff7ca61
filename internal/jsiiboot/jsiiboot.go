// Package jsiiboot makes the jsii bridge under the cdktf Go bindings start
// fast and small.
//
// A Go cdktf app drives a node child process, the jsii kernel, which loads
// the prebuilt @cdktf/provider-aws npm package. Stock, a synth costs ~3 s and
// ~900 MiB even for one VPC, nearly all of it in that load: the package's
// lib/index.js eagerly requires all ~2,070 resource modules, and the kernel
// JSON.parses the package's 114 MB .jsii type assembly. Enable points the
// kernel's NODE_OPTIONS at a preload script (preload.js, kept in the cache
// directory) that, without changing a byte of the synthesized output:
//
//   - resolves the provider's lib/index.js to its sibling lib/lazy-index.js,
//     which exports the same modules through getters, so that only the
//     resources the app uses are loaded;
//   - splits the provider's .jsii, once per provider build, into a header
//     and a blob of per-type JSON, and hands the kernel a type table that
//     parses a type on first use;
//   - edits two texts as node compiles them, each a cost of every synthesis
//     that only a failure would show: jsii's kernel formats every type
//     reference for an assertion message, and cdktf captures a stack trace
//     for every token; now the message waits for the failure and cdktf
//     captures none (about a fifth of a synthesis);
//   - lets the kernel run without jsii's wrapper node process (which only
//     checks the node version and relays the kernel's pipes): the wrapper of
//     the first run saves the kernel script, and later runs of any binary
//     built from the module cache with the same jsii-runtime-go version,
//     test binaries included, start it directly through JSII_RUNTIME.
//
// It also prefers the Node that scripts/tools.sh installs (jsii supports it;
// the system Node 20 is past jsii's end of support and makes jsii print a
// banner on every run, which Enable silences when it has to use it).
//
// # Use
//
// Call Enable first thing in main, and in TestMain of every test binary that
// synthesizes, before anything calls into jsii; end with Exit, which also
// removes jsii's temporary files:
//
//	func main() {
//		jsiiboot.Enable()
//		...
//		jsiiboot.Exit(0)
//	}
//
// jsii-runtime-go builds its node child's environment when the bindings'
// package initialisers first touch it, long before main; Enable (the first
// call, even when switched off) discards that unstarted child so that node
// gets the environment as it is at the first jsii call. Called after jsii has
// started node, Enable changes nothing and Err says so.
//
// The variables Enable sets (NODE_OPTIONS, JSII_NODE, JSII_RUNTIME, ...)
// are inherited by every process the program starts. They are harmless to
// node programs other than jsii's; a child that must run jsii stock gets
// StockEnviron() as its environment.
//
// # Switch
//
// WORDPRESS_JSII_FAST=0 (or false, off, no) turns it all off: Enable leaves
// the environment untouched and jsii runs stock. WORDPRESS_JSII_DIRECT=0
// keeps only jsii's wrapper process, with the rest of the fast path.
// WORDPRESS_JSII_DEBUG=1 makes the preload report on stderr what it
// redirected.
//
// # Needs
//
// A writable cache directory, $WORDPRESS_CDKTF_CACHE/jsiiboot or else
// os.UserCacheDir()/wordpress-cdktf/jsiiboot, for the preload, the saved
// kernel (~1 MB per jsii-runtime-go version) and ~70 MB of assembly index per
// provider build. The first synth after a provider upgrade builds that index
// and costs about as much as a stock one; indexes unused for 30 days are
// pruned. The index is only used when jsii's own package cache is on (the
// default): its content-addressed directories are what make it safe to reuse.
// Anything missing or unexpected (no cache directory, a provider package
// without lib/lazy-index.js, an assembly of another shape, a $SHELL that is
// not POSIX, a user-set JSII_RUNTIME) falls back to the stock behaviour for
// that part without failing, and says so in one line on stderr unless
// WORDPRESS_JSII_QUIET=1: Enable when it does nothing at all (Err says
// why), the preload when the provider or assembly is not what it expects.
package jsiiboot

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"

	"github.com/aws/jsii-runtime-go"
)

// Environment variables Enable reads or sets.
const (
	// SwitchEnv set to 0 (or false, off, no) keeps the stock jsii path.
	SwitchEnv = "WORDPRESS_JSII_FAST"
	// DirectEnv set to 0 (or false, off, no) starts the kernel through
	// jsii's wrapper, as stock; the kernel is still saved for direct starts.
	DirectEnv = "WORDPRESS_JSII_DIRECT"
	// DebugEnv set to 1 makes the preload log what it does on stderr.
	DebugEnv = "WORDPRESS_JSII_DEBUG"
	// QuietEnv set to 1 silences the one line that says the fast path did
	// not apply.
	QuietEnv = "WORDPRESS_JSII_QUIET"
	// CacheEnv overrides the cache root shared with scripts/tools.sh.
	CacheEnv = "WORDPRESS_CDKTF_CACHE"
	// RuntimeSlotEnv tells the preload in jsii's wrapper where to save its
	// kernel, for later runs to start directly. Enable sets it; tests may.
	RuntimeSlotEnv = "JSIIBOOT_RUNTIME_SLOT"

	nodeOptionsEnv = "NODE_OPTIONS"
	jsiiNodeEnv    = "JSII_NODE"
	jsiiRuntimeEnv = "JSII_RUNTIME"

	// The exact name is in jsii's check-node (bin/jsii-runtime.js): a
	// comma-separated list of major versions whose end-of-life banner to skip.
	silenceEOLEnv = "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"

	// jsii-runtime-go's own default, which a NODE_OPTIONS in our environment
	// replaces (process.go puts its default first and ours wins), so it is
	// restored here unless the user chose a heap size.
	defaultHeap = "--max-old-space-size=4069"
	// A 4 MB young generation instead of V8's default (up to 16 MB a
	// semi-space): ~20 MiB less peak memory for the kernel, measured no
	// slower with one stack or four; unless the user chose one.
	youngGen = "--max-semi-space-size=4"
	// cdktf 0.20 calls util.isArray, which Node 22 (the cached Node) warns
	// about on every synthesis with an output that is a list or a map; the
	// warning is cdktf's to fix, not the user's. Node 20, the other Node
	// jsii may get, neither warns nor needs the flag.
	quietDeprecation = "--disable-warning=DEP0044"
)

//go:embed preload.js
var preloadJS []byte

var (
	mu      sync.Mutex
	lastErr error
	// saved holds, for each variable Enable changed, its value before the
	// first change (nil: it was unset), for StockEnviron.
	saved = map[string]*string{}
	// dropped is set once Enable has dropped jsii's init-time client.
	dropped bool
)

// Enable arranges the environment of the jsii node child for the fast path.
// It never fails: when something is missing it leaves the environment as it
// was, and Err says why. Calling it again is harmless.
//
// Whatever the switch says, the first Enable also makes jsii read the
// environment at the first jsii call rather than at package initialisation:
// jsii-runtime-go creates its kernel client while the bindings' init
// functions register their types, and that client copies os.Environ there
// and then, long before main runs. Enable drops that client (jsii.Close on
// a client whose node has not started only discards it; the type
// registrations are package-level and stay), so the next jsii call makes a
// fresh one from the environment as it is by then: Enable's changes, and
// any the program makes itself before its first jsii call.
func Enable() {
	mu.Lock()
	defer mu.Unlock()
	e := &recordingEnv{}
	lastErr = enable(e, options{runtimeID: jsiiRuntimeID()})
	if lastErr != nil {
		for _, k := range e.changed {
			restore(k)
		}
		e.changed = nil
	}
	running := kernelRunning()
	if len(e.changed) > 0 && running {
		for _, k := range e.changed {
			restore(k)
		}
		lastErr = errors.New("jsiiboot: Enable called after jsii started node")
	}
	if lastErr != nil && os.Getenv(QuietEnv) != "1" {
		fmt.Fprintf(os.Stderr, "%v: jsii takes its slower stock path\n", lastErr)
	}
	if !dropped {
		dropped = true
		if !running {
			jsii.Close()
		}
	}
}

// StockEnviron is os.Environ with Enable's changes undone: the environment
// for a child process that must take the stock path, or decide for itself.
func StockEnviron() []string {
	mu.Lock()
	defer mu.Unlock()
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if _, changed := saved[k]; !changed {
			out = append(out, kv)
		}
	}
	for k, v := range saved {
		if v != nil {
			out = append(out, k+"="+*v)
		}
	}
	return out
}

// Err reports why the last Enable left the stock path in place; it is nil
// when the fast path is on or was switched off on purpose.
func Err() error {
	mu.Lock()
	defer mu.Unlock()
	return lastErr
}

// env is the process environment, swapped for a map in tests.
type env interface {
	LookupEnv(key string) (string, bool)
	Setenv(key, value string) error
}

type osEnv struct{}

func (osEnv) LookupEnv(key string) (string, bool) { return os.LookupEnv(key) }
func (osEnv) Setenv(key, value string) error      { return os.Setenv(key, value) }

// recordingEnv is the process environment, remembering originals in saved
// and what it changed (callers hold mu).
type recordingEnv struct {
	osEnv
	changed []string
}

func (r *recordingEnv) Setenv(key, value string) error {
	if old, ok := os.LookupEnv(key); ok && old == value {
		return nil
	}
	if _, ok := saved[key]; !ok {
		if old, ok := os.LookupEnv(key); ok {
			saved[key] = &old
		} else {
			saved[key] = nil
		}
	}
	if err := os.Setenv(key, value); err != nil {
		return err
	}
	r.changed = append(r.changed, key)
	return nil
}

// restore puts key back as it was before the first Enable (callers hold mu).
func restore(key string) {
	old, ok := saved[key]
	if !ok {
		return
	}
	if old == nil {
		os.Unsetenv(key)
	} else {
		os.Setenv(key, *old)
	}
	delete(saved, key)
}

func switchedOff(e env) bool { return isOff(e, SwitchEnv) }

// isOff reports whether the variable key says 0, false, off or no.
func isOff(e env, key string) bool {
	v, _ := e.LookupEnv(key)
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "0", "false", "off", "no":
		return true
	}
	return false
}

// options are enable's inputs besides the environment; tests set them.
type options struct {
	// cacheDir overrides the cache directory; empty means the default.
	cacheDir string
	// runtimeID names the jsii runtime this binary embeds (see
	// jsiiRuntimeID); empty disables the direct kernel.
	runtimeID string
}

// enable does Enable's work against e.
func enable(e env, o options) error {
	if switchedOff(e) {
		return nil
	}
	root := cacheRoot(e)
	cacheDir := o.cacheDir
	if cacheDir == "" {
		if root == "" {
			return errors.New("jsiiboot: no cache directory: set " + CacheEnv + " or HOME")
		}
		cacheDir = filepath.Join(root, "jsiiboot")
	}
	preload, err := writePreload(cacheDir)
	if err != nil {
		return fmt.Errorf("jsiiboot: %w", err)
	}
	changes := map[string]string{}
	node, cached := nodeFor(e, root)
	opts, _ := e.LookupEnv(nodeOptionsEnv)
	merged := mergeNodeOptions(opts, preload)
	if cached && !strings.Contains(merged, quietDeprecation) {
		merged += " " + quietDeprecation
	}
	if merged != opts {
		changes[nodeOptionsEnv] = merged
	}
	if cached {
		changes[jsiiNodeEnv] = node
	} else if _, ok := e.LookupEnv(silenceEOLEnv); !ok && node == "node" {
		changes[silenceEOLEnv] = "20"
	}
	// A JSII_RUNTIME of ours may have been inherited from a parent Go
	// program built with another jsii: replaced when this binary knows its
	// own runtime, kept (like a user's) otherwise.
	custom, _ := e.LookupEnv(jsiiRuntimeEnv)
	inherited := strings.Contains(custom, directMarker)
	if (custom == "" || inherited) && o.runtimeID != "" && posixShell(e) {
		slot := filepath.Join(cacheDir, "runtime-"+o.runtimeID)
		program := filepath.Join(slot, "program.js")
		saved := isFile(program)
		switch {
		case saved && !isOff(e, DirectEnv):
			if cmd := directCommand(node, program); cmd != custom {
				changes[jsiiRuntimeEnv] = cmd
			}
		case inherited:
			changes[jsiiRuntimeEnv] = "" // jsii-runtime-go treats empty as unset
		}
		if cur, _ := e.LookupEnv(RuntimeSlotEnv); !saved && cur != slot {
			changes[RuntimeSlotEnv] = slot
		}
	}
	// NODE_OPTIONS late and JSII_RUNTIME last: if a Setenv fails, no kernel
	// starts without the preload that gives it its request channel.
	for _, k := range []string{jsiiNodeEnv, silenceEOLEnv, RuntimeSlotEnv, nodeOptionsEnv, jsiiRuntimeEnv} {
		v, ok := changes[k]
		if !ok {
			continue
		}
		if err := e.Setenv(k, v); err != nil {
			return fmt.Errorf("jsiiboot: set %s: %w", k, err)
		}
	}
	return nil
}

// nodeFor picks the node for jsii: the user's JSII_NODE, else the Node that
// scripts/tools.sh caches under root (cached is then true), else node on
// PATH.
func nodeFor(e env, root string) (node string, cached bool) {
	if node, ok := e.LookupEnv(jsiiNodeEnv); ok && node != "" {
		return node, false
	}
	if node := filepath.Join(root, "node-bin", "node"); root != "" && isExecutable(node) {
		return node, true
	}
	return "node", false
}

// jsiiRuntimeID names the jsii runtime embedded in this binary by the
// jsii-runtime-go version it was built from, or "" if the build does not say
// (then the kernel keeps its wrapper).
func jsiiRuntimeID() string {
	return runtimeIDFromSource(jsiiSource())
}

// jsiiSource is the path of the jsii-runtime-go source file this binary
// records for jsii.Close (its module's jsii.go), or "" if it records none.
func jsiiSource() string {
	fn := runtime.FuncForPC(reflect.ValueOf(jsii.Close).Pointer())
	if fn == nil {
		return ""
	}
	file, _ := fn.FileLine(fn.Entry())
	return file
}

// jsiiRuntimeModule is the module whose embedded runtime the direct kernel
// replaces.
const jsiiRuntimeModule = "github.com/aws/jsii-runtime-go"

// runtimeIDFromSource reads the jsii-runtime-go version from the path of a
// source file at the module's root, as the binary records it:
// .../github.com/aws/jsii-runtime-go@v1.119.0/jsii.go, or without the
// leading folders under -trimpath. Every build from the module cache has it,
// test binaries too, whose build information lists no dependencies; and a
// module cache folder holds exactly what go.sum verified for its version, so
// the version names the runtime. A vendored module, or one replaced by a
// folder or a fork, has no such path: "".
func runtimeIDFromSource(file string) string {
	dir := path.Dir(file) // Go records source paths with forward slashes, on Windows too
	i := strings.LastIndex(dir, jsiiRuntimeModule+"@")
	if i < 0 || (i > 0 && dir[i-1] != '/') {
		return ""
	}
	version := dir[i+len(jsiiRuntimeModule)+1:]
	if !strings.HasPrefix(version, "v") || strings.Contains(version, "/") {
		return ""
	}
	return version
}

// posixShell reports whether jsii-runtime-go will run JSII_RUNTIME through a
// shell that understands directCommand: it uses $SHELL -c, or /bin/sh.
func posixShell(e env) bool {
	if runtime.GOOS == "windows" {
		return false
	}
	sh, _ := e.LookupEnv("SHELL")
	switch filepath.Base(sh) {
	case ".", "sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "yash":
		return true
	}
	return false
}

// directCommand is the JSII_RUNTIME that starts the kernel without jsii's
// wrapper: exec, so that Go's child is node itself; --preserve-symlinks as
// the wrapper passes it; the marker that tells the preload to serve the
// request channel; and fd 3 on /dev/null so that no file the kernel opens
// gets the channel's number.
func directCommand(node, program string) string {
	return "exec " + shellQuote(node) + " --preserve-symlinks " + shellQuote(program) + directMarker + "3</dev/null"
}

// directMarker is the argument that tells the preload to serve the request
// channel itself, and tells Enable a JSII_RUNTIME is its own.
const directMarker = " --jsiiboot-direct "

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// CacheDir is the directory Enable keeps its preload and indexes in; tests
// may keep derived results there too.
func CacheDir() (string, error) {
	root := cacheRoot(osEnv{})
	if root == "" {
		return "", errors.New("jsiiboot: no cache directory: set " + CacheEnv + " or HOME")
	}
	return filepath.Join(root, "jsiiboot"), nil
}

// cacheRoot is the cache root scripts/tools.sh also uses, or "" if the
// platform has none.
func cacheRoot(e env) string {
	if v, ok := e.LookupEnv(CacheEnv); ok && v != "" {
		return v
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "wordpress-cdktf")
}

// writePreload makes sure dir holds this build's preload and returns its
// path.
//
// A file, rather than `--import=data:text/javascript,<url-encoded source>`:
// --require loads it as CommonJS, synchronously, before the kernel, in both
// of jsii's node processes, without starting node's ESM loader; it works on
// every node jsii supports; NODE_OPTIONS stays short and readable in ps; and
// the preload's own directory is where it keeps the assembly index. The name
// carries the content hash, so builds with different preloads coexist and a
// file once complete never changes; it is written under a temporary name and
// renamed, so concurrent test binaries never see half a file.
func writePreload(dir string) (string, error) {
	sum := sha256.Sum256(preloadJS)
	path := filepath.Join(dir, "preload-"+hex.EncodeToString(sum[:8])+".js")
	if got, err := os.ReadFile(path); err == nil && string(got) == string(preloadJS) {
		return path, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create cache directory: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".preload-*.tmp")
	if err != nil {
		return "", fmt.Errorf("write preload: %w", err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	if _, err := tmp.Write(preloadJS); err != nil {
		tmp.Close()
		return "", fmt.Errorf("write preload: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("write preload: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return "", fmt.Errorf("write preload: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", fmt.Errorf("write preload: %w", err)
	}
	return path, nil
}

// mergeNodeOptions appends the preload to the user's NODE_OPTIONS, keeping
// theirs first, with jsii's heap size and a smaller young generation unless
// they chose their own. It returns opts unchanged when the preload is already
// there.
func mergeNodeOptions(opts, preload string) string {
	req := requireOption(preload)
	if containsOption(opts, req) {
		return opts
	}
	parts := []string{}
	if s := strings.TrimSpace(opts); s != "" {
		parts = append(parts, s)
	}
	if !strings.Contains(opts, "--max-old-space-size") && !strings.Contains(opts, "--max_old_space_size") {
		parts = append(parts, defaultHeap)
	}
	if !strings.Contains(opts, "--max-semi-space-size") && !strings.Contains(opts, "--max_semi_space_size") {
		parts = append(parts, youngGen)
	}
	return strings.Join(append(parts, req), " ")
}

// requireOption spells --require for NODE_OPTIONS, which node splits on
// spaces and where a double-quoted stretch (with backslash escapes) keeps
// them.
func requireOption(path string) string {
	if !strings.ContainsAny(path, " \t\"\\") {
		return "--require=" + path
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `--require="` + r.Replace(path) + `"`
}

func containsOption(opts, opt string) bool {
	for from := 0; ; {
		i := strings.Index(opts[from:], opt)
		if i < 0 {
			return false
		}
		start, end := from+i, from+i+len(opt)
		if (start == 0 || opts[start-1] == ' ') && (end == len(opts) || opts[end] == ' ') {
			return true
		}
		from = start + 1
	}
}

func isFile(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}

func isExecutable(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular() && st.Mode().Perm()&0o111 != 0
}
