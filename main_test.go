package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wordpress-cdktf/resilient-wordpress/constructs/wordpress"
	"github.com/wordpress-cdktf/resilient-wordpress/internal/jsiiboot"
	"github.com/wordpress-cdktf/resilient-wordpress/internal/jsiiboot/jsiiboottest"
	"github.com/wordpress-cdktf/resilient-wordpress/internal/stacktest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// The stacks under test: the zero-configuration stack and every environment
// of the committed environments.json. TestMain synthesizes them once, in the
// one jsii runtime this test binary starts, and every test reads the result.
var (
	configs  []wordpress.StackConfig
	synthOut string                      // the cdktf.out folder of that synthesis
	stacks   map[string]*stacktest.Stack // parsed cdk.tf.json by stack name
)

func TestMain(m *testing.M) {
	jsiiboot.Enable()
	// In the child processes of TestFastPathChangesNothing: synthesize and exit.
	jsiiboottest.RunChild(func(dir string) error {
		cfgs, err := stacksUnderTest()
		if err != nil {
			return err
		}
		return wordpress.Synth(dir, cfgs)
	})
	flag.Parse()
	code, err := synthAll()
	if err != nil {
		fmt.Fprintf(os.Stderr, "synthesize the stacks under test: %v\n", err)
		os.Exit(1)
	}
	os.Exit(code(m))
}

// stacksUnderTest is the zero-configuration stack, the variant, the
// throw-away stack and the committed environments.
func stacksUnderTest() ([]wordpress.StackConfig, error) {
	fileCfgs, err := wordpress.LoadConfig("environments.json")
	if err != nil {
		return nil, err
	}
	return append([]wordpress.StackConfig{wordpress.DefaultConfig().Resolve(), variantConfig(), edgeConfig(), throwawayConfig()}, fileCfgs...), nil
}

func synthAll() (func(*testing.M) int, error) {
	var err error
	if configs, err = stacksUnderTest(); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "wordpress-synth-")
	if err != nil {
		return nil, fmt.Errorf("temp dir: %w", err)
	}
	synthOut = filepath.Join(tmp, "cdktf.out")
	if err := wordpress.Synth(synthOut, configs); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(configs))
	for _, c := range configs {
		names = append(names, c.Environment)
	}
	if stacks, err = stacktest.Load(synthOut, names...); err != nil {
		return nil, err
	}
	return func(m *testing.M) int {
		defer os.RemoveAll(tmp)
		return m.Run()
	}, nil
}

// forEachStack runs f as a subtest per stack under test.
func forEachStack(t *testing.T, f func(t *testing.T, c wordpress.StackConfig, s *stacktest.Stack)) {
	t.Helper()
	for _, c := range configs {
		t.Run(c.Environment, func(t *testing.T) { f(t, c, stacks[c.Environment]) })
	}
}

// variantConfig turns on, in one more stack of the same synthesis, every
// option the committed environments leave off: S3 state, HTTPS, x86 web
// servers, relaxed data protection, stickiness, extra tags, three zones, an
// overridden subnet, a site title and admin e-mail of its own, WAF and a
// domain name without a CDN, alarm e-mails, other log retentions, a backup
// copy to a second region and mail through SES.
func variantConfig() wordpress.StackConfig {
	c := wordpress.DefaultConfig()
	c.Environment = "variant"
	c.Region = "eu-west-1"
	c.AvailabilityZones = []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}
	c.SubnetCIDRs = map[string]string{"app-c": "10.0.64.0/20"}
	c.StateBucket = "example-terraform-state"
	c.Tags = map[string]string{"cost-center": "web"}
	c.DataProtection = false
	c.InstanceType = "t3.small"
	c.CertificateARN = "arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
	c.LoadBalancerDeletionProtection = false
	c.SiteTitle = `Ann's "Resilient" Blog & $5 Tips`
	c.AdminEmail = "web-team+wordpress@example.org"
	c.Stickiness = true
	// WAF on the load balancer, a domain whose DNS is managed elsewhere.
	c.WAF = true
	c.DomainName = "www.example.org"
	c.AlarmEmails = []string{"ops@example.com", "web-team+alerts@example.org"}
	c.AccessLogRetentionDays = 400
	c.LogRetentionDays = 365
	c.BackupRetentionDays = 90
	c.BackupCopyRegion = "eu-central-1"
	c.MailFrom = "wordpress@blog.example.com"
	c = c.Resolve()
	if err := c.Validate(nil); err != nil {
		panic(fmt.Sprintf("variant configuration: %v", err))
	}
	return c
}

// edgeConfig turns on, in one more stack, every option in front of and
// beside the site: CloudFront with a certificate the stack issues for its
// domain, WAF on CloudFront, DNS records and the object cache, in a region
// other than us-east-1 so the us-east-1 resources show their provider.
func edgeConfig() wordpress.StackConfig {
	c := wordpress.DefaultConfig()
	c.Environment = "edge"
	c.Region = "eu-central-1"
	c.CDN = true
	c.WAF = true
	c.WAFLoginRateLimit = 50
	c.ObjectCache = true
	c.DomainName = "www.example.com"
	c.HostedZoneID = "Z0123456789EXAMPLE"
	c = c.Resolve()
	if err := c.Validate(nil); err != nil {
		panic(fmt.Sprintf("edge configuration: %v", err))
	}
	return c
}

// throwawayConfig is the cheap environment the choices that cost resilience
// are made for: one NAT gateway for all zones, a database restored from a
// snapshot, no data protection.
func throwawayConfig() wordpress.StackConfig {
	c := wordpress.DefaultConfig()
	c.Environment = "throwaway"
	c.VpcCIDR = "10.30.0.0/16"
	c.NatGateways = "single"
	c.DBSnapshotIdentifier = "wordpress-prod-before-upgrade"
	c.DataProtection = false
	c.LoadBalancerDeletionProtection = false
	c = c.Resolve()
	if err := c.Validate(nil); err != nil {
		panic(fmt.Sprintf("throwaway configuration: %v", err))
	}
	return c
}

// normalize does what cdktf's Testing.synth does to a stack before a
// snapshot: drop the "//" metadata (paths, cdktf version), sort keys, indent.
// A golden file then changes only when the Terraform does. The boot script,
// one long string, is replaced by a digest that names the golden text file
// holding it (scripts returns them by file name), so a one-line change of
// the script is a one-line diff there.
func normalize(t *testing.T, raw []byte) (stack []byte, scripts map[string]string) {
	t.Helper()
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("parse stack: %v", err)
	}
	var strip func(v any) any
	strip = func(v any) any {
		switch v := v.(type) {
		case map[string]any:
			delete(v, "//")
			for k, e := range v {
				v[k] = strip(e)
			}
		case []any:
			for i, e := range v {
				v[i] = strip(e)
			}
		}
		return v
	}
	doc = strip(doc)
	scripts = map[string]string{}
	locals := stacktest.AsMap(stacktest.AsMap(doc)["locals"])
	for _, name := range stacktest.SortedNames(locals) {
		text, ok := locals[name].(string)
		if !ok || !strings.HasPrefix(text, "#!") {
			continue
		}
		sum := sha256.Sum256([]byte(text))
		file := fmt.Sprintf("boot-script-%x.sh", sum[:4])
		scripts[file] = text
		locals[name] = fmt.Sprintf("sha256:%x, text in testdata/%s", sum, file)
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out) // maps marshal with sorted keys
	enc.SetEscapeHTML(false)     // policies and scripts read as written: & < >
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		t.Fatalf("marshal stack: %v", err)
	}
	return out.Bytes(), scripts
}

func TestGolden(t *testing.T) {
	// Every boot script any stack renders; with -update, script goldens no
	// stack renders any more are removed.
	rendered := map[string]bool{}
	for _, c := range configs {
		t.Run(c.Environment, func(t *testing.T) {
			raw, err := os.ReadFile(stacktest.File(synthOut, c.Environment))
			if err != nil {
				t.Fatal(err)
			}
			got, scripts := normalize(t, raw)
			files := map[string]string{c.Environment + ".tf.json": string(got)}
			for name, text := range scripts {
				files[name] = text
				rendered[name] = true
			}
			for _, name := range stacktest.SortedNames(files) {
				checkGolden(t, filepath.Join("testdata", name), files[name])
			}
		})
	}
	if *update {
		old, _ := filepath.Glob(filepath.Join("testdata", "boot-script-*.sh")) // the pattern is valid
		for _, f := range old {
			if !rendered[filepath.Base(f)] {
				if err := os.Remove(f); err != nil {
					t.Error(err)
				}
			}
		}
	}
}

// checkGolden compares got with the golden file, after rewriting it with -update.
func checkGolden(t *testing.T, golden, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("read golden (run go test ./... -update to create it): %v", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want +got); if intended, run go test ./... -update and review the diff:\n%s", golden, diff)
	}
}

// TestFastPathChangesNothing synthesizes every stack under test in two
// child processes, one on jsii's stock path and one on the project's fast
// path (internal/jsiiboot), and expects identical files.
func TestFastPathChangesNothing(t *testing.T) {
	// The stock run is cached per test binary and environment; the stacks
	// also depend on environments.json, read at run time, so its hash goes
	// into that environment.
	cfg, err := os.ReadFile("environments.json")
	if err != nil {
		t.Fatal(err)
	}
	stock, fast := jsiiboottest.CompareFastStock(t, fmt.Sprintf("WORDPRESS_TEST_INPUTS=%x", sha256.Sum256(cfg)))
	t.Logf("stock: %v, fast: %v", stock.Result, fast.Result)
}

// TestDeterministic synthesizes again, from another working directory and
// through a relative output path, and expects every file byte for byte.
func TestDeterministic(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := wordpress.Synth("again", configs); err != nil {
		t.Fatal(err)
	}
	want, got := readTree(t, synthOut), readTree(t, filepath.Join(dir, "again"))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("second synthesis differs (-want +got):\n%s", diff)
	}
	for name, data := range got {
		if bytes.Contains(data, []byte(dir)) || bytes.Contains(data, []byte(os.TempDir())) {
			t.Errorf("%s holds an absolute path", name)
		}
	}
}

func readTree(t *testing.T, root string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		rel, _ := filepath.Rel(root, path) // path is under root by construction
		files[rel] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// BenchmarkSynth measures one full synthesis of the default stack in the
// warm jsii runtime of this test binary (the start-up cost is measured by
// scripts/bench-synth.sh, per process).
func BenchmarkSynth(b *testing.B) {
	cfgs := []wordpress.StackConfig{wordpress.DefaultConfig().Resolve()}
	dir := b.TempDir()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := wordpress.Synth(filepath.Join(dir, fmt.Sprint(i)), cfgs); err != nil {
			b.Fatal(err)
		}
	}
}
