// Command stackdiff prints, for every stack, what the working tree changes
// against a git ref: added, removed, moved and changed Terraform addresses
// with the changed attributes, and the estimated monthly cost before and after.
//
//	go run ./cmd/stackdiff [-base REF]      (make diff)
//
// Both sides are synthesized, so the comparison is of the real Terraform:
// the base in a temporary git worktree at REF (removed afterwards), the
// working tree where it stands, each with `go run . -q` into a temporary
// folder. It needs what synthesis needs (Go, Node), no AWS access, and
// changes nothing in the checkout. Output is Markdown, for a terminal or a
// CI job summary.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

func main() {
	base := flag.String("base", "HEAD", "git ref to compare the working tree with")
	flag.Parse()
	if err := run(*base); err != nil {
		fmt.Fprintf(os.Stderr, "stackdiff: %v\n", err)
		os.Exit(1)
	}
}

func run(base string) (err error) {
	root, err := git("", "rev-parse", "--show-toplevel")
	if err != nil {
		return err
	}
	commit, err := git(root, "rev-parse", "--verify", "--quiet", base+"^{commit}")
	if err != nil {
		return fmt.Errorf("-base: got %q, want a git ref of this repository: %w", base, err)
	}
	tmp, err := os.MkdirTemp("", "stackdiff-")
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, os.RemoveAll(tmp)) }()

	tree := filepath.Join(tmp, "base")
	if _, err := git(root, "worktree", "add", "--detach", "--quiet", tree, commit); err != nil {
		return err
	}
	defer func() {
		_, rmErr := git(root, "worktree", "remove", "--force", tree)
		err = errors.Join(err, rmErr)
	}()

	before, err := synthesize(tree, filepath.Join(tmp, "before"))
	if err != nil {
		return fmt.Errorf("synthesize %s: %w", base, err)
	}
	after, err := synthesize(root, filepath.Join(tmp, "after"))
	if err != nil {
		return fmt.Errorf("synthesize the working tree: %w", err)
	}
	fmt.Print(Markdown(Diff(before, after), base))
	return nil
}

// synthesize runs the app of the checkout in dir into out and reads every stack.
func synthesize(dir, out string) (map[string]Stack, error) {
	cmd := exec.Command("go", "run", ".", "-q")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CDKTF_OUTDIR="+out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go run . in %s: %w\n%s", dir, err, msg)
	}
	return readStacks(out)
}

// readStacks parses every cdktf.out/stacks/<name>/cdk.tf.json under out.
func readStacks(out string) (map[string]Stack, error) {
	files, err := filepath.Glob(filepath.Join(out, "stacks", "*", "cdk.tf.json"))
	if err != nil {
		return nil, err
	}
	stacks := map[string]Stack{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var s Stack
		if err := json.Unmarshal(data, &s); err != nil {
			return nil, fmt.Errorf("parse %s: %w", f, err)
		}
		stacks[filepath.Base(filepath.Dir(f))] = s
	}
	return stacks, nil
}

func git(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(ee.Stderr)))
		}
		return "", fmt.Errorf("git %s: %w", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out)), nil
}
