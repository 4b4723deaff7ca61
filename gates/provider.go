package gates

import (
	"context"
	"debug/buildinfo"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"time"
)

// Where the gates found hashicorp/aws, in the order they look.
const (
	SourceRegistry  = "registry"          // a reachable registry: plain init
	SourcePluginDir = "plugin directory"  // a local plugin directory or filesystem mirror
	SourceDevBuild  = "development build" // scripts/tools.sh provider: built from the Go module proxy
)

// ProviderSource is where an engine's init takes hashicorp/aws from.
type ProviderSource struct {
	Kind string
	// Host is the registry host the engine resolves the stacks' bare "aws"
	// source to (registry.terraform.io or registry.opentofu.org).
	Host string
	// Release: a registry, or a plugin whose build info shows no development
	// build. False means a development build stands in.
	Release bool
	// Packages are what the mirror offers (plugin directory, development build).
	Packages []ProviderPackage
	// Skipped says why the earlier sources were not used.
	Skipped []string
}

// ProviderPackage is one hashicorp/aws build for this platform in a plugin
// directory, in either of Terraform's mirror layouts.
type ProviderPackage struct {
	Version string // 5.100.0
	Path    string // unpacked: the <os>_<arch> folder; packed: the .zip
	Packed  bool
	Build   string // what its Go build info says, for the record
	Dev     bool   // the build info shows a development build
}

// Describe says in one line what the source is, for the gates' header.
func (s ProviderSource) Describe() string {
	switch s.Kind {
	case SourceRegistry:
		return fmt.Sprintf("from the registry %s (plain init; releases only)", s.Host)
	default:
		var vs []string
		for _, p := range s.Packages {
			vs = append(vs, fmt.Sprintf("%s in %s (%s)", p.Version, p.Path, p.Build))
		}
		what := "released"
		if !s.Release {
			what = "DEVELOPMENT BUILD"
		}
		return fmt.Sprintf("%s, %s: %s", what, s.Kind, strings.Join(vs, "; "))
	}
}

// ProviderOptions say where to look for hashicorp/aws.
type ProviderOptions struct {
	// PluginDirs are searched in order for released builds.
	PluginDirs []string
	// DevMirror is the filesystem mirror scripts/tools.sh provider fills with
	// a development build: the last resort.
	DevMirror string
	// Probe returns nil when the registry at host answers.
	Probe func(ctx context.Context, host string) error
}

// DefaultPluginDirs are the machine image's plugin directory and the
// implied local mirror directories of Terraform and OpenTofu on Linux.
func DefaultPluginDirs(home string) []string {
	dirs := []string{"/opt/tf-plugins"}
	if home != "" {
		dirs = append(dirs,
			filepath.Join(home, ".terraform.d", "plugins"),
			filepath.Join(home, ".local", "share", "terraform", "plugins"),
			filepath.Join(home, ".local", "share", "opentofu", "plugins"))
	}
	return append(dirs,
		"/usr/local/share/terraform/plugins", "/usr/share/terraform/plugins",
		"/usr/local/share/opentofu/plugins", "/usr/share/opentofu/plugins")
}

// ResolveProvider finds hashicorp/aws for an engine resolving to host:
// a reachable registry first, then a released build in a plugin directory,
// and only then the development build of the dev mirror. It fails when
// there is none of them.
func ResolveProvider(ctx context.Context, host string, opts ProviderOptions) (ProviderSource, error) {
	src := ProviderSource{Host: host}
	if opts.Probe != nil {
		err := opts.Probe(ctx, host)
		if err == nil {
			src.Kind, src.Release = SourceRegistry, true
			return src, nil
		}
		src.Skipped = append(src.Skipped, fmt.Sprintf("registry %s not reachable (%v)", host, err))
	}

	var searched []string
	seen := map[string]bool{}
	for _, dir := range opts.PluginDirs {
		pkgs, err := FindProviderPackages(dir)
		if err != nil {
			return src, err
		}
		searched = append(searched, dir)
		for _, p := range pkgs {
			if p.Dev {
				src.Skipped = append(src.Skipped, fmt.Sprintf("%s is a development build (%s)", p.Path, p.Build))
				continue
			}
			if !seen[p.Version] { // the first directory offering a version wins
				seen[p.Version] = true
				src.Packages = append(src.Packages, p)
			}
		}
	}
	if len(src.Packages) > 0 {
		src.Kind, src.Release = SourcePluginDir, true
		return src, nil
	}
	src.Skipped = append(src.Skipped, "no released hashicorp/aws for "+platform()+" in "+strings.Join(searched, ", "))

	if opts.DevMirror != "" {
		pkgs, err := FindProviderPackages(opts.DevMirror)
		if err != nil {
			return src, err
		}
		dedup := map[string]bool{}
		for _, p := range pkgs {
			if !dedup[p.Version] {
				dedup[p.Version] = true
				src.Packages = append(src.Packages, p)
			}
		}
		if len(src.Packages) > 0 {
			src.Kind = SourceDevBuild
			// Only the build info decides: a release laid out there still counts.
			src.Release = !src.Packages[0].Dev
			return src, nil
		}
		src.Skipped = append(src.Skipped, "no development build in "+opts.DevMirror)
	}
	return src, fmt.Errorf("no hashicorp/aws provider for %s: %s", host, strings.Join(src.Skipped, "; "))
}

func platform() string { return runtime.GOOS + "_" + runtime.GOARCH }

var (
	// <host>/hashicorp/aws/<version>/<os>_<arch>/terraform-provider-aws*
	unpackedRE = regexp.MustCompile(`^[^/]+/hashicorp/aws/([^/]+)/([^/]+)$`)
	// <host>/hashicorp/aws/terraform-provider-aws_<version>_<os>_<arch>.zip
	packedRE = regexp.MustCompile(`^[^/]+/hashicorp/aws/terraform-provider-aws_([^_/]+)_([^/]+)\.zip$`)
)

// FindProviderPackages lists the hashicorp/aws builds for this platform
// under a plugin directory, for any registry host, sorted by version (newest
// first). A directory that does not exist holds none.
func FindProviderPackages(dir string) ([]ProviderPackage, error) {
	var pkgs []ProviderPackage
	hosts, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read plugin directory: %w", err)
	}
	for _, h := range hosts {
		awsDir := filepath.Join(dir, h.Name(), "hashicorp", "aws")
		entries, err := os.ReadDir(awsDir)
		if err != nil {
			continue // another host layout, or no aws provider there
		}
		for _, e := range entries {
			rel := h.Name() + "/hashicorp/aws/" + e.Name()
			if m := packedRE.FindStringSubmatch(rel); m != nil && m[2] == platform() {
				pkgs = append(pkgs, ProviderPackage{Version: m[1], Path: filepath.Join(awsDir, e.Name()), Packed: true, Build: "packed: build info not read"})
				continue
			}
			target := filepath.Join(awsDir, e.Name(), platform())
			if !unpackedRE.MatchString(rel+"/"+platform()) || !isDir(target) {
				continue
			}
			bins, _ := filepath.Glob(filepath.Join(target, "terraform-provider-aws*"))
			if len(bins) == 0 {
				continue
			}
			p := ProviderPackage{Version: e.Name(), Path: target}
			p.Build, p.Dev = describeBuild(bins[0])
			pkgs = append(pkgs, p)
		}
	}
	sort.SliceStable(pkgs, func(i, j int) bool { return versionLess(pkgs[j].Version, pkgs[i].Version) })
	return pkgs, nil
}

// describeBuild reads a provider binary's Go build info. HashiCorp's
// releases are built from a clean checkout of the release tag (module
// version "(devel)", vcs.modified=false); `go install module@version` of an
// untagged commit records a pseudo-version (v1.60.1-0.2026...).
func describeBuild(bin string) (desc string, dev bool) {
	bi, err := buildinfo.ReadFile(bin)
	if err != nil {
		return "build info unreadable", false
	}
	return classifyBuild(bi)
}

func classifyBuild(bi *debug.BuildInfo) (desc string, dev bool) {
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	v := bi.Main.Version
	switch {
	case strings.Contains(v, "-"):
		return fmt.Sprintf("module %s@%s: a development build", bi.Main.Path, v), true
	case settings["vcs.modified"] == "true":
		return fmt.Sprintf("git %s with local changes: a development build", short(settings["vcs.revision"])), true
	case settings["vcs.revision"] != "":
		return fmt.Sprintf("git %s of %s, %s", short(settings["vcs.revision"]), strings.SplitN(settings["vcs.time"], "T", 2)[0], bi.GoVersion), false
	default:
		return fmt.Sprintf("module %s@%s, %s", bi.Main.Path, v, bi.GoVersion), false
	}
}

func short(rev string) string {
	if len(rev) > 7 {
		return rev[:7]
	}
	return rev
}

func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

// versionLess compares dotted numeric versions (5.84.0 < 5.100.0); any
// non-numeric part compares as text.
func versionLess(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		if pa[i] == pb[i] {
			continue
		}
		var na, nb int
		_, ea := fmt.Sscanf(pa[i], "%d", &na)
		_, eb := fmt.Sscanf(pb[i], "%d", &nb)
		if ea == nil && eb == nil && na != nb {
			return na < nb
		}
		return pa[i] < pb[i]
	}
	return len(pa) < len(pb)
}

// LayOutMirror makes dir a filesystem mirror offering the source's packages
// under host, as symbolic links to the plugin directories: Terraform and
// OpenTofu look the same plugin up under different hosts.
func LayOutMirror(dir string, src ProviderSource) error {
	for _, p := range src.Packages {
		base := filepath.Join(dir, src.Host, "hashicorp", "aws")
		link := filepath.Join(base, p.Version, platform())
		if p.Packed {
			link = filepath.Join(base, filepath.Base(p.Path))
		}
		if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
			return fmt.Errorf("lay out provider mirror: %w", err)
		}
		if err := os.Symlink(p.Path, link); err != nil {
			return fmt.Errorf("lay out provider mirror: %w", err)
		}
	}
	return nil
}

// CLIConfig is the engine's CLI configuration for the source: nothing for a
// registry (plain init), otherwise hashicorp/aws from the mirror at dir only.
func CLIConfig(src ProviderSource, dir string) string {
	if src.Kind == SourceRegistry {
		return "# The gates' CLI configuration: providers from the registry, as a plain init.\n"
	}
	return fmt.Sprintf(`# The gates' CLI configuration: hashicorp/aws from a filesystem mirror (%s).
provider_installation {
  filesystem_mirror {
    path    = %q
    include = ["%s/hashicorp/aws"]
  }
  direct {
    exclude = ["%s/hashicorp/aws"]
  }
}
`, src.Kind, dir, src.Host, src.Host)
}

// ProbeRegistry asks the registry at host for its service discovery
// document, within timeout: a registry that cannot answer that is not
// reachable for init either.
func ProbeRegistry(timeout time.Duration) func(ctx context.Context, host string) error {
	return func(ctx context.Context, host string) error {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+host+"/.well-known/terraform.json", nil)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("no answer within %s", timeout)
			}
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("service discovery answered %s", resp.Status)
		}
		var doc map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil || doc["providers.v1"] == nil {
			return fmt.Errorf("service discovery document offers no providers.v1")
		}
		return nil
	}
}

// FindProvider says where each engine's hashicorp/aws would come from,
// without running anything: scripts/tools.sh asks it before building a
// development build. It returns ExitPassed when a release is available to
// every engine, ExitFailed when not, ExitUsage for an unknown engine.
func FindProvider(ctx context.Context, w io.Writer, engines []string, opts ProviderOptions) int {
	code := ExitPassed
	for _, name := range engines {
		host, ok := engineHosts[name]
		if !ok {
			fmt.Fprintf(w, "gates: engine %q: want terraform or tofu\n", name)
			return ExitUsage
		}
		src, err := ResolveProvider(ctx, host, opts)
		for _, why := range src.Skipped {
			fmt.Fprintf(w, "gates: %s: skipped: %s\n", name, why)
		}
		switch {
		case err != nil:
			fmt.Fprintf(w, "gates: %s: %v\n", name, err)
			code = ExitFailed
		case !src.Release:
			fmt.Fprintf(w, "gates: %s: hashicorp/aws %s\n", name, src.Describe())
			code = ExitFailed
		default:
			fmt.Fprintf(w, "gates: %s: hashicorp/aws %s\n", name, src.Describe())
		}
	}
	return code
}
