package gates

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Stack is one synthesized stack the gates check.
type Stack struct {
	Name string
	// Dir is the stack folder (cdktf.out/stacks/<name>), copied whole into
	// the scratch folder; "" when the stack was given as a file.
	Dir string
	// JSON is the stack's Terraform JSON: Dir/cdk.tf.json, or the file given.
	JSON string
}

// FindStacks turns the command-line arguments into stacks. Each argument is
// a folder of stack folders (cdktf.out/stacks), one stack folder (holding
// cdk.tf.json), or a Terraform JSON file (testdata/variant.tf.json: a stack
// named variant). Stack names must be unique.
func FindStacks(args []string) ([]Stack, error) {
	var stacks []Stack
	seen := map[string]string{}
	add := func(s Stack, from string) error {
		if prev, ok := seen[s.Name]; ok {
			return fmt.Errorf("two stacks named %s: %s and %s: give one of them on its own", s.Name, prev, from)
		}
		seen[s.Name] = from
		stacks = append(stacks, s)
		return nil
	}
	for _, arg := range args {
		abs, err := filepath.Abs(arg)
		if err != nil {
			return nil, fmt.Errorf("stack %s: %w", arg, err)
		}
		fi, err := os.Stat(abs)
		if err != nil {
			return nil, fmt.Errorf("no stack or stacks folder %s (synthesize first: make synth, or go run .)", arg)
		}
		switch {
		case !fi.IsDir():
			if !strings.HasSuffix(abs, ".tf.json") {
				return nil, fmt.Errorf("stack file %s: want a Terraform JSON file named <stack>.tf.json", arg)
			}
			if err := add(Stack{Name: strings.TrimSuffix(filepath.Base(abs), ".tf.json"), JSON: abs}, arg); err != nil {
				return nil, err
			}
		case isFile(filepath.Join(abs, stackFile)):
			if err := add(Stack{Name: filepath.Base(abs), Dir: abs, JSON: filepath.Join(abs, stackFile)}, arg); err != nil {
				return nil, err
			}
		default:
			found, _ := filepath.Glob(filepath.Join(abs, "*", stackFile))
			if len(found) == 0 {
				return nil, fmt.Errorf("no */%s under %s (synthesize first: make synth, or go run .)", stackFile, arg)
			}
			sort.Strings(found)
			for _, f := range found {
				dir := filepath.Dir(f)
				if err := add(Stack{Name: filepath.Base(dir), Dir: dir, JSON: f}, filepath.Join(arg, filepath.Base(dir))); err != nil {
					return nil, err
				}
			}
		}
	}
	return stacks, nil
}

func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}

// notCopied are what a scratch copy leaves out of a stack folder: what an
// earlier init or the gates made there. The lock file stays with the
// folder: the gates choose the provider themselves, and never touch the
// lock file `cdktf deploy` uses. State files are copied: a local backend
// plans against the environment's real state.
func notCopied(d fs.DirEntry) bool {
	name := d.Name()
	if d.IsDir() {
		return name == ".terraform"
	}
	return name == ".terraform.lock.hcl" || name == planFile || strings.HasSuffix(name, ".tfplan") || strings.HasPrefix(name, "zz_gates_")
}

// copyStack copies the stack into dst, as cdk.tf.json with the rest of its
// folder (assets, state of a local backend).
func copyStack(s Stack, dst string) error {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	if s.Dir == "" {
		return copyFile(s.JSON, filepath.Join(dst, stackFile))
	}
	return filepath.WalkDir(s.Dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(s.Dir, path)
		if err != nil || rel == "." {
			return err
		}
		if notCopied(d) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case d.Type().IsRegular():
			return copyFile(path, target)
		default:
			return nil // sockets, links: nothing Terraform reads in a stack folder
		}
	})
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// writeFileAtomic writes path through a temporary file beside it, so a
// reader never sees half a file.
func writeFileAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// providerSkip is set on every aws provider block in the scratch copy: the
// provider never asks AWS who the dummy credentials belong to.
var providerSkip = map[string]any{
	"skip_credentials_validation": true,
	"skip_requesting_account_id":  true,
	"skip_metadata_api_check":     true,
	"max_retries":                 1,
}

// Override is what the gates add to a scratch copy of a stack.
type Override struct {
	// Files maps file names to contents: zz_gates_override.tf.json, and
	// zz_gates_provider.tf.json when the stack has no aws provider block
	// (an override file cannot create one).
	Files map[string][]byte
	// Backend says what the plan uses for state.
	Backend string
	// StateFrom is a state file outside the stack folder that the local
	// backend named: the scratch copy plans against a copy of it, at the
	// statePath given to MakeOverride.
	StateFrom string
	// StatePath is the state file of a local backend kept as synthesized,
	// relative to the stack folder; "" otherwise.
	StatePath string
}

// MakeOverride reads a stack's Terraform JSON and returns the gates'
// override. A local backend (or none) is kept as synthesized, so the plan
// reads the environment's state as `terraform plan` in the stack folder
// would. A local backend at an absolute path (cdktf's implicit backend
// writes one) is moved to statePath, with a copy of its state: the gates
// write nothing outside their scratch folder. Any other backend needs the
// network and credentials the gates do not have, and is replaced by an
// empty local state at statePath.
func MakeOverride(stackJSON []byte, statePath string) (Override, error) {
	var doc struct {
		Provider  map[string]json.RawMessage `json:"provider"`
		Terraform struct {
			Backend map[string]map[string]any `json:"backend"`
		} `json:"terraform"`
	}
	if err := json.Unmarshal(stackJSON, &doc); err != nil {
		return Override{}, fmt.Errorf("%s is not valid JSON: %w", stackFile, err)
	}
	// An aws provider is a block or a list of blocks; aliases keep each
	// override on its own block.
	var blocks []map[string]any
	if raw, ok := doc.Provider["aws"]; ok {
		if err := json.Unmarshal(raw, &blocks); err != nil {
			var one map[string]any
			if err := json.Unmarshal(raw, &one); err != nil {
				return Override{}, fmt.Errorf("%s: provider.aws: want a block or a list of blocks: %w", stackFile, err)
			}
			blocks = []map[string]any{one}
		}
	}
	override := map[string]any{}
	files := map[string][]byte{}
	if len(blocks) == 0 {
		b, err := json.MarshalIndent(map[string]any{"provider": map[string]any{"aws": []any{providerSkip}}}, "", "  ")
		if err != nil {
			return Override{}, err
		}
		files["zz_gates_provider.tf.json"] = b
	} else {
		var aws []map[string]any
		for _, b := range blocks {
			o := map[string]any{}
			for k, v := range providerSkip {
				o[k] = v
			}
			if alias, ok := b["alias"]; ok {
				o["alias"] = alias
			}
			aws = append(aws, o)
		}
		override["provider"] = map[string]any{"aws": aws}
	}

	var backend, stateFrom, localState string
	types := make([]string, 0, len(doc.Terraform.Backend))
	for t := range doc.Terraform.Backend {
		types = append(types, t)
	}
	sort.Strings(types)
	switch {
	case len(types) == 0:
		backend, localState = "none in the stack: local terraform.tfstate in the stack folder", "terraform.tfstate"
	case len(types) == 1 && types[0] == "local":
		path, _ := doc.Terraform.Backend["local"]["path"].(string)
		if path == "" {
			path = "terraform.tfstate"
		}
		backend, localState = fmt.Sprintf("local %q, as synthesized", path), path
		if filepath.IsAbs(path) {
			localState = ""
			override["terraform"] = map[string]any{"backend": map[string]any{"local": map[string]any{"path": statePath}}}
			backend = fmt.Sprintf("local %q, outside the stack folder: planned against a copy of it in the scratch folder", path)
			stateFrom = path
		}
	default:
		override["terraform"] = map[string]any{"backend": map[string]any{"local": map[string]any{"path": statePath}}}
		backend = fmt.Sprintf("%s replaced by an empty local state in the scratch copy (the gates have no access to it)", strings.Join(types, ", "))
	}
	if len(override) > 0 {
		b, err := json.MarshalIndent(override, "", "  ")
		if err != nil {
			return Override{}, err
		}
		files["zz_gates_override.tf.json"] = b
	}
	return Override{Files: files, Backend: backend, StateFrom: stateFrom, StatePath: localState}, nil
}

// lockedVersion reads the version of provider addr from a lock file.
func lockedVersion(lockFile, addr string) (string, error) {
	b, err := os.ReadFile(lockFile)
	if err != nil {
		return "", err
	}
	_, rest, ok := strings.Cut(string(b), fmt.Sprintf("provider %q {", addr))
	if !ok {
		return "", errors.New("no " + addr + " in " + lockFile)
	}
	for _, line := range strings.Split(rest, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if ok && strings.TrimSpace(k) == "version" {
			return strings.Trim(strings.TrimSpace(v), `"`), nil
		}
		if strings.TrimSpace(line) == "}" {
			break
		}
	}
	return "", errors.New("no version for " + addr + " in " + lockFile)
}

// requiredAWS reads the stack's hashicorp/aws version constraint, for hints.
func requiredAWS(stackJSON []byte) string {
	var doc struct {
		Terraform struct {
			RequiredProviders map[string]struct {
				Version string `json:"version"`
			} `json:"required_providers"`
		} `json:"terraform"`
	}
	if json.Unmarshal(stackJSON, &doc) != nil || doc.Terraform.RequiredProviders["aws"].Version == "" {
		return "any version"
	}
	return doc.Terraform.RequiredProviders["aws"].Version
}
