package review

import (
	"fmt"
	"os"
	"path/filepath"
)

// StackFile is the Terraform JSON of a stack inside its folder, as cdktf writes it.
const StackFile = "cdk.tf.json"

// Files renders every review file of a stack, by file name.
func Files(s *Stack) map[string][]byte {
	return map[string][]byte{
		"diagram.mmd": Mermaid(s),
		"diagram.dot": DOT(s),
		"runbook.md":  Runbook(s),
		"cost.md":     EstimateCost(s, Prices()).Markdown(),
	}
}

// WriteFiles reads the stack in dir (a cdktf.out/stacks/<name> folder) and
// writes the review files beside it.
func WriteFiles(dir string) error {
	s, err := Load(dir)
	if err != nil {
		return err
	}
	for name, data := range Files(s) {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return fmt.Errorf("review: write %s: %w", name, err)
		}
	}
	return nil
}

// Load reads the stack in dir, named after the folder.
func Load(dir string) (*Stack, error) {
	data, err := os.ReadFile(filepath.Join(dir, StackFile))
	if err != nil {
		return nil, fmt.Errorf("review: %w", err)
	}
	return Parse(filepath.Base(dir), data)
}

// Summaries are the Summary lines of every stack in an output folder
// (cdktf.out), by stack name.
func Summaries(outdir string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(outdir, "stacks"))
	if err != nil {
		return nil, fmt.Errorf("review: %w", err)
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		line, err := Summary(filepath.Join(outdir, "stacks", e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, line)
	}
	return out, nil
}

// Summary is one stack in one line: name, resource count, estimated monthly
// cost and folder, as printed after a synthesis.
func Summary(dir string) (string, error) {
	s, err := Load(dir)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s: %d resources, %s, %s", s.Name, len(s.Resources), EstimateCost(s, Prices()).Summary(), dir), nil
}
