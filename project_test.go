package main

import (
	"bytes"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
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

// TestBindingBinariesEndWithExit fails for a program or test binary that
// links the provider bindings and never calls jsiiboot.Exit (or
// jsiiboottest.Main, which does): the bindings unpack jsii's runtime into a
// new temporary folder as they initialise, and only jsii.Close removes it,
// so every run of such a binary would leave ~2 MB in /tmp. It reads import
// blocks only, so it costs the edit loop nothing to speak of; that the call
// ends the program is the reviewer's to see.
func TestBindingBinariesEndWithExit(t *testing.T) {
	const module = "github.com/wordpress-cdktf/resilient-wordpress"
	bindings := []string{"github.com/cdktf/cdktf-provider-aws-go/", "github.com/hashicorp/terraform-cdk-go/", "github.com/aws/constructs-go/"}
	type pkg struct {
		name                 string
		imports, testImports []string
		exits, testExits     bool // a call of jsiiboot.Exit or jsiiboottest.Main
	}
	pkgs := map[string]*pkg{} // by directory, relative to the module root
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if strings.HasPrefix(d.Name(), ".") && path != "." {
			return filepath.SkipDir
		}
		files, err := filepath.Glob(filepath.Join(path, "*.go"))
		if err != nil || len(files) == 0 {
			return err
		}
		p := &pkg{}
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				return err
			}
			parsed, err := parser.ParseFile(token.NewFileSet(), f, src, parser.ImportsOnly)
			if err != nil {
				return err
			}
			exits := bytes.Contains(src, []byte("jsiiboot.Exit(")) || bytes.Contains(src, []byte("jsiiboottest.Main("))
			for _, imp := range parsed.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				if strings.HasSuffix(f, "_test.go") {
					p.testImports = append(p.testImports, path)
				} else {
					p.imports = append(p.imports, path)
				}
			}
			if strings.HasSuffix(f, "_test.go") {
				p.testExits = p.testExits || exits
			} else {
				p.name, p.exits = parsed.Name.Name, p.exits || exits
			}
		}
		pkgs[filepath.ToSlash(path)] = p
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	links := map[string]bool{}
	var linksBindings func(importPath string) bool
	linksBindings = func(importPath string) bool {
		for _, b := range bindings {
			if strings.HasPrefix(importPath, b) {
				return true
			}
		}
		rel, ok := strings.CutPrefix(importPath, module)
		if !ok {
			return false
		}
		rel = strings.TrimPrefix(rel, "/")
		if rel == "" {
			rel = "."
		}
		if v, done := links[rel]; done {
			return v
		}
		links[rel] = false // an import cycle cannot link what it does not already
		p := pkgs[rel]
		if p != nil && slices.ContainsFunc(p.imports, linksBindings) {
			links[rel] = true
		}
		return links[rel]
	}

	checked := 0
	for _, dir := range slices.Sorted(maps.Keys(pkgs)) {
		p := pkgs[dir]
		if p.name == "main" && slices.ContainsFunc(p.imports, linksBindings) {
			checked++
			if !p.exits {
				t.Errorf("%s: a program that links the provider bindings, want it to end with jsiiboot.Exit", dir)
			}
		}
		if len(p.testImports) > 0 && slices.ContainsFunc(append(slices.Clip(p.imports), p.testImports...), linksBindings) {
			checked++
			if !p.testExits {
				t.Errorf("%s: its test binary links the provider bindings, want a TestMain that ends with jsiiboot.Exit(m.Run())", dir)
			}
		}
	}
	if checked < 10 {
		t.Errorf("checked %d binaries that link the bindings, want the module's (at least 10): is the walk right?", checked)
	}
}
