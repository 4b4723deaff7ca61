package jsiiboottest

import (
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/wordpress-cdktf/resilient-wordpress/internal/jsiiboot"
)

// StockCacheEnv set to 0 makes CompareFastStock run the stock synth even
// when it has the result of an identical one.
const StockCacheEnv = "JSIIBOOTTEST_STOCK_CACHE"

// stockSynth runs the stock synth in a child, or returns the result of an
// earlier one by an identical test binary, with the same extra environment
// and the same node. The stock path costs ~3 s a run, and its output is a
// function of exactly those: caching it keeps `go test -count=1 ./...` cheap
// without weakening the comparison, since the fast run always runs.
func stockSynth(dir string, env []string) (Run, error) {
	key, keyErr := stockKey(env)
	var file string
	if cache, err := jsiiboot.CacheDir(); err == nil && keyErr == nil && os.Getenv(StockCacheEnv) != "0" {
		file = filepath.Join(cache, "stock-"+key+".json")
		if b, err := os.ReadFile(file); err == nil {
			var run Run
			if err := json.Unmarshal(b, &run); err == nil && len(run.Files) > 0 {
				run.Cached = true
				return run, nil
			}
		}
	}
	run, err := SynthChild(dir, false, env...)
	if err != nil || file == "" {
		return run, err
	}
	// A cache that cannot be written only costs the next run time. Every
	// rebuilt test binary adds an entry: drop those a week old.
	if old, err := filepath.Glob(filepath.Join(filepath.Dir(file), "stock-*.json")); err == nil {
		for _, f := range old {
			if st, err := os.Stat(f); err == nil && time.Since(st.ModTime()) > 7*24*time.Hour {
				os.Remove(f)
			}
		}
	}
	if b, err := json.Marshal(run); err == nil {
		if tmp, err := os.CreateTemp(filepath.Dir(file), ".stock-*.tmp"); err == nil {
			_, werr := tmp.Write(b)
			cerr := tmp.Close()
			if werr != nil || cerr != nil || os.Rename(tmp.Name(), file) != nil {
				os.Remove(tmp.Name())
			}
		}
	}
	return run, nil
}

// BinaryID identifies the running executable's build: its Go build ID (a
// hash of its content), or failing that a hash of the file. Results that
// depend only on the binary can be cached under it.
func BinaryID() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("binary id: %w", err)
	}
	id, err := buildID(exe)
	if err != nil {
		return "", fmt.Errorf("binary id: %w", err)
	}
	return id, nil
}

// stockKey identifies a stock synth: this test binary, the extra
// environment, and the node jsii would start.
func stockKey(env []string) (string, error) {
	id, err := BinaryID()
	if err != nil {
		return "", fmt.Errorf("stock cache key: %w", err)
	}
	h := sha256.New()
	fmt.Fprintf(h, "build %s\n", id)
	for _, kv := range env {
		// The stock path never loads jsiiboot's preload, the only reader
		// of these.
		if k, _, _ := strings.Cut(kv, "="); k == jsiiboot.DebugEnv || k == jsiiboot.RuntimeSlotEnv {
			continue
		}
		fmt.Fprintf(h, "env %s\n", kv)
	}
	node := os.Getenv("JSII_NODE")
	if node == "" {
		node = "node"
	}
	if p, err := exec.LookPath(node); err == nil {
		if st, err := os.Stat(p); err == nil {
			fmt.Fprintf(h, "node %s %d %d\n", p, st.Size(), st.ModTime().UnixNano())
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:16]), nil
}

// buildID reads the Go build ID note of an ELF executable, else hashes the
// whole file.
func buildID(exe string) (string, error) {
	if f, err := elf.Open(exe); err == nil {
		defer f.Close()
		if sec := f.Section(".note.go.buildid"); sec != nil {
			if b, err := sec.Data(); err == nil && len(b) > 16 {
				return strings.TrimRight(string(b[16:]), "\x00"), nil
			}
		}
	}
	f, err := os.Open(exe)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
