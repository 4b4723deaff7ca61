package gates

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Engine is a CLI that plans Terraform configuration: Terraform or OpenTofu.
type Engine struct {
	Name    string // terraform or tofu
	Path    string
	Version string // 1.11.4; a development build says 1.11.4-dev
	// Host is the registry host the engine resolves a bare provider source
	// ("aws", as cdktf writes it) to.
	Host string
}

// Release says whether the engine reports a release version.
func (e Engine) Release() bool { return e.Version != "" && !strings.Contains(e.Version, "-") }

// Describe says which engine this is, for the gates' output.
func (e Engine) Describe() string {
	what := "a release"
	if !e.Release() {
		what = "NOT a release"
	}
	return fmt.Sprintf("%s %s (%s, %s)", e.Name, e.Version, e.Path, what)
}

// Engines the gates know, with the registry host each resolves "aws" to.
var engineHosts = map[string]string{
	"terraform": "registry.terraform.io",
	"tofu":      "registry.opentofu.org",
}

// FindEngine looks name up on PATH, then in the tools cache's bin folder
// (where scripts/tools.sh builds it), and asks it for its version.
func FindEngine(ctx context.Context, name, cacheBin string) (Engine, error) {
	host, ok := engineHosts[name]
	if !ok {
		return Engine{}, fmt.Errorf("engine %q: want terraform or tofu", name)
	}
	path, err := exec.LookPath(name)
	if err != nil {
		path = filepath.Join(cacheBin, name)
		if !isExecutable(path) {
			return Engine{}, fmt.Errorf("%s is neither on PATH nor in %s: run `bash scripts/tools.sh %s` (or `make tools`)", name, cacheBin, name)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, "version", "-json")
	cmd.Env = append(os.Environ(), "CHECKPOINT_DISABLE=1")
	out, err := cmd.Output()
	if err != nil {
		return Engine{}, fmt.Errorf("%s version -json: %w", path, err)
	}
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err := json.Unmarshal(out, &v); err != nil || v.Version == "" {
		return Engine{}, fmt.Errorf("%s version -json: no terraform_version in %q", path, out)
	}
	return Engine{Name: name, Path: path, Version: v.Version, Host: host}, nil
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// nowhere is a closed port on this machine: any AWS API or proxied call
// made through it fails at once.
const nowhere = "http://127.0.0.1:9"

// engineEnv is the environment of every engine command: the caller's, less
// anything that would change what Terraform or the AWS provider does (TF_*,
// TOFU_*, AWS_*, proxies), plus the gates' own CLI configuration, dummy AWS
// credentials and no AWS config files or instance metadata. offline also
// points every AWS endpoint and proxy at a closed local port.
func engineEnv(base []string, cliConfig, scratch string, offline bool) []string {
	var env []string
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		switch u := strings.ToUpper(k); {
		case strings.HasPrefix(u, "TF_"), strings.HasPrefix(u, "TOFU_"), strings.HasPrefix(u, "AWS_"),
			u == "HTTP_PROXY", u == "HTTPS_PROXY", u == "NO_PROXY", u == "ALL_PROXY", u == "CHECKPOINT_DISABLE":
			continue
		}
		env = append(env, kv)
	}
	env = append(env,
		"TF_CLI_CONFIG_FILE="+cliConfig,
		"CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1", "TF_INPUT=0",
		"AWS_ACCESS_KEY_ID=gates-dummy-access-key-id",
		"AWS_SECRET_ACCESS_KEY=gates-dummy-secret-access-key",
		"AWS_CONFIG_FILE="+filepath.Join(scratch, "no-aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(scratch, "no-aws-credentials"),
		"AWS_EC2_METADATA_DISABLED=true",
	)
	if offline {
		env = append(env,
			"AWS_ENDPOINT_URL="+nowhere, "AWS_EC2_METADATA_SERVICE_ENDPOINT="+nowhere,
			"HTTPS_PROXY="+nowhere, "HTTP_PROXY="+nowhere, "https_proxy="+nowhere, "http_proxy="+nowhere,
			"NO_PROXY=", "no_proxy=")
	}
	return env
}

// errTimeout marks a command killed for running past its timeout.
var errTimeout = errors.New("timed out")

// runCommand runs name args in dir with env, its output (stdout and stderr
// interleaved) returned; past timeout the command and every process it
// started (provider plugins) are killed.
func runCommand(ctx context.Context, timeout time.Duration, dir string, env []string, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if ctx.Err() == context.DeadlineExceeded {
		return out.String(), fmt.Errorf("%w after %s", errTimeout, timeout)
	}
	return out.String(), err
}
