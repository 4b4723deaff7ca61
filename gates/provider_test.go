package gates

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fakeProvider lays out a provider "binary" (not a Go program: its build
// info is unreadable) in a plugin directory's unpacked layout.
func fakeProvider(t *testing.T, dir, host, version string) string {
	t.Helper()
	target := filepath.Join(dir, host, "hashicorp", "aws", version, platform())
	writeFiles(t, target, map[string]string{"terraform-provider-aws_v" + version + "_x5": "#!/bin/sh\n"})
	return target
}

func TestFindProviderPackages(t *testing.T) {
	dir := t.TempDir()
	v5100 := fakeProvider(t, dir, "registry.terraform.io", "5.100.0")
	v584 := fakeProvider(t, dir, "registry.terraform.io", "5.84.0")
	fakeProvider(t, dir, "registry.terraform.io", "5.99.0")
	// Not for this platform, not aws, no binary: ignored.
	writeFiles(t, dir, map[string]string{
		"registry.terraform.io/hashicorp/aws/5.101.0/windows_amd64/terraform-provider-aws_v5.101.0_x5.exe": "",
		"registry.terraform.io/hashicorp/random/3.6.0/" + platform() + "/terraform-provider-random":        "",
		"registry.terraform.io/hashicorp/aws/5.102.0/" + platform() + "/LICENSE.txt":                       "",
		"registry.terraform.io/hashicorp/aws/terraform-provider-aws_5.98.0_" + platform() + ".zip":         "zip",
		"registry.terraform.io/hashicorp/aws/terraform-provider-aws_5.97.0_darwin_arm64.zip":               "zip",
	})
	got, err := FindProviderPackages(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []ProviderPackage{
		{Version: "5.100.0", Path: v5100, Build: "build info unreadable"},
		{Version: "5.99.0", Path: filepath.Join(dir, "registry.terraform.io/hashicorp/aws/5.99.0", platform()), Build: "build info unreadable"},
		{Version: "5.98.0", Path: filepath.Join(dir, "registry.terraform.io/hashicorp/aws/terraform-provider-aws_5.98.0_"+platform()+".zip"), Packed: true, Build: "packed: build info not read"},
		{Version: "5.84.0", Path: v584, Build: "build info unreadable"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if pkgs, err := FindProviderPackages(filepath.Join(dir, "missing")); err != nil || pkgs != nil {
		t.Errorf("missing folder: %v, %v; want nothing, no error", pkgs, err)
	}
}

func TestClassifyBuild(t *testing.T) {
	tests := []struct {
		name     string
		bi       debug.BuildInfo
		wantDesc string
		wantDev  bool
	}{
		{
			name: "release: clean checkout of a tag",
			bi: debug.BuildInfo{GoVersion: "go1.23.10", Main: debug.Module{Path: "github.com/hashicorp/terraform-provider-aws", Version: "(devel)"},
				Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "f7a3b98da589ab1d"}, {Key: "vcs.time", Value: "2025-06-12T17:14:49Z"}, {Key: "vcs.modified", Value: "false"}}},
			wantDesc: "git f7a3b98 of 2025-06-12, go1.23.10",
		},
		{
			name:     "go install of a pseudo-version",
			bi:       debug.BuildInfo{Main: debug.Module{Path: "github.com/hashicorp/terraform-provider-aws", Version: "v1.60.1-0.20260602190131-5f2286d6d836"}},
			wantDesc: "module github.com/hashicorp/terraform-provider-aws@v1.60.1-0.20260602190131-5f2286d6d836: a development build", wantDev: true,
		},
		{
			name: "modified checkout",
			bi: debug.BuildInfo{Main: debug.Module{Path: "github.com/hashicorp/terraform-provider-aws", Version: "(devel)"},
				Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abcdef0123"}, {Key: "vcs.modified", Value: "true"}}},
			wantDesc: "git abcdef0 with local changes: a development build", wantDev: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			desc, dev := classifyBuild(&tc.bi)
			if diff := cmp.Diff([]any{tc.wantDesc, tc.wantDev}, []any{desc, dev}); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestResolveProvider(t *testing.T) {
	empty, image, home, dev := t.TempDir(), t.TempDir(), t.TempDir(), t.TempDir()
	release := fakeProvider(t, image, "registry.terraform.io", "5.100.0")
	fakeProvider(t, home, "registry.terraform.io", "5.100.0") // the same version again: the first folder wins
	older := fakeProvider(t, home, "registry.opentofu.org", "5.90.0")
	// scripts/tools.sh lays its build out under both hosts; hosts are read
	// in name order and the first of a version is taken.
	fakeProvider(t, dev, "registry.terraform.io", "5.84.0")
	devBuild := fakeProvider(t, dev, "registry.opentofu.org", "5.84.0")
	up := func(context.Context, string) error { return nil }
	down := func(context.Context, string) error { return errors.New("no such host") }

	tests := []struct {
		name        string
		opts        ProviderOptions
		wantKind    string
		wantRelease bool
		wantPaths   []string
		wantErr     string
	}{
		{"registry reachable", ProviderOptions{PluginDirs: []string{image}, DevMirror: dev, Probe: up}, SourceRegistry, true, nil, ""},
		{"plugin directories, in order", ProviderOptions{PluginDirs: []string{empty, image, home}, DevMirror: dev, Probe: down}, SourcePluginDir, true, []string{release, older}, ""},
		{"development build last", ProviderOptions{PluginDirs: []string{empty}, DevMirror: dev, Probe: down}, SourceDevBuild, true, []string{devBuild}, ""},
		{"nothing", ProviderOptions{PluginDirs: []string{empty}, DevMirror: filepath.Join(empty, "none"), Probe: down}, "", false, nil,
			"no hashicorp/aws provider for registry.opentofu.org: registry registry.opentofu.org not reachable (no such host); no released hashicorp/aws for " + platform() + " in " + empty + "; no development build in " + filepath.Join(empty, "none")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src, err := ResolveProvider(context.Background(), "registry.opentofu.org", tc.opts)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var paths []string
			for _, p := range src.Packages {
				paths = append(paths, p.Path)
			}
			if diff := cmp.Diff([]any{tc.wantKind, tc.wantRelease, tc.wantPaths}, []any{src.Kind, src.Release, paths}); diff != "" {
				t.Errorf("kind, release, packages (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLayOutMirror: OpenTofu looks a plugin from the image's
// registry.terraform.io folder up under registry.opentofu.org.
func TestLayOutMirror(t *testing.T) {
	image, mirror := t.TempDir(), filepath.Join(t.TempDir(), "mirror")
	target := fakeProvider(t, image, "registry.terraform.io", "5.100.0")
	src := ProviderSource{Kind: SourcePluginDir, Host: "registry.opentofu.org", Release: true,
		Packages: []ProviderPackage{{Version: "5.100.0", Path: target}, {Version: "5.99.0", Path: "/x/terraform-provider-aws_5.99.0_linux_amd64.zip", Packed: true}}}
	if err := LayOutMirror(mirror, src); err != nil {
		t.Fatal(err)
	}
	for link, want := range map[string]string{
		filepath.Join(mirror, "registry.opentofu.org/hashicorp/aws/5.100.0", platform()):                           target,
		filepath.Join(mirror, "registry.opentofu.org/hashicorp/aws/terraform-provider-aws_5.99.0_linux_amd64.zip"): "/x/terraform-provider-aws_5.99.0_linux_amd64.zip",
	} {
		if got, err := os.Readlink(link); err != nil || got != want {
			t.Errorf("%s -> %q (%v), want %q", link, got, err, want)
		}
	}
	cfg := CLIConfig(src, mirror)
	for _, want := range []string{`path    = "` + mirror + `"`, `include = ["registry.opentofu.org/hashicorp/aws"]`, `exclude = ["registry.opentofu.org/hashicorp/aws"]`} {
		if !strings.Contains(cfg, want) {
			t.Errorf("CLI config lacks %q:\n%s", want, cfg)
		}
	}
	if cfg := CLIConfig(ProviderSource{Kind: SourceRegistry}, mirror); strings.Contains(cfg, "provider_installation") {
		t.Errorf("registry CLI config is not a plain init:\n%s", cfg)
	}
}

func TestFindProvider(t *testing.T) {
	image, dev := t.TempDir(), t.TempDir()
	fakeProvider(t, image, "registry.terraform.io", "5.100.0")
	down := func(context.Context, string) error { return errors.New("no such host") }
	var out bytes.Buffer
	if code := FindProvider(context.Background(), &out, []string{"terraform", "tofu"}, ProviderOptions{PluginDirs: []string{image}, DevMirror: dev, Probe: down}); code != ExitPassed {
		t.Errorf("release in a plugin directory: exit %d, want %d\n%s", code, ExitPassed, out.String())
	}
	out.Reset()
	if code := FindProvider(context.Background(), &out, []string{"terraform"}, ProviderOptions{DevMirror: dev, Probe: down}); code != ExitFailed {
		t.Errorf("no release: exit %d, want %d\n%s", code, ExitFailed, out.String())
	}
	if !strings.Contains(out.String(), "no development build in "+dev) {
		t.Errorf("output does not say where it looked:\n%s", out.String())
	}
	if code := FindProvider(context.Background(), &out, []string{"terragrunt"}, ProviderOptions{}); code != ExitUsage {
		t.Errorf("unknown engine: exit %d, want %d", code, ExitUsage)
	}
}

func TestVersionLess(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"5.84.0", "5.100.0", true},
		{"5.100.0", "5.84.0", false},
		{"5.9.0", "5.10.0", true},
		{"5.100.0", "5.100.0", false},
		{"5.100", "5.100.1", true},
		{"6.0.0-beta1", "6.0.0-beta2", true},
	} {
		if got := versionLess(tc.a, tc.b); got != tc.want {
			t.Errorf("versionLess(%s, %s) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestEngineEnv(t *testing.T) {
	base := []string{"PATH=/bin", "HOME=/root", "TF_CLI_CONFIG_FILE=/root/.terraformrc", "TF_LOG=trace", "TOFU_CLI_CONFIG_FILE=x",
		"AWS_PROFILE=prod", "https_proxy=http://proxy", "NO_PROXY=*", "CHECKPOINT_DISABLE=", "GOFLAGS=-mod=mod"}
	env := engineEnv(base, "/s/terraform.tfrc", "/s", true)
	got := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		if _, dup := got[k]; dup {
			t.Errorf("%s set twice", k)
		}
		got[k] = v
	}
	for k, want := range map[string]string{
		"PATH": "/bin", "HOME": "/root", "GOFLAGS": "-mod=mod",
		"TF_CLI_CONFIG_FILE": "/s/terraform.tfrc", "CHECKPOINT_DISABLE": "1",
		"AWS_ACCESS_KEY_ID": "gates-dummy-access-key-id", "AWS_ENDPOINT_URL": nowhere, "https_proxy": nowhere, "NO_PROXY": "",
	} {
		if got[k] != want {
			t.Errorf("%s = %q, want %q", k, got[k], want)
		}
	}
	for _, k := range []string{"TF_LOG", "TOFU_CLI_CONFIG_FILE", "AWS_PROFILE"} {
		if _, ok := got[k]; ok {
			t.Errorf("%s leaked into the engine's environment", k)
		}
	}
	if online := engineEnv(base, "/s/t.tfrc", "/s", false); strings.Contains(strings.Join(online, "\n"), nowhere) {
		t.Error("an init from a registry must not have its network closed")
	}
}
