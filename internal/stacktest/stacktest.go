// Package stacktest synthesizes cdktf stacks inside a test binary and
// queries the Terraform JSON they produce. The tier packages under
// constructs/ build only the tiers they test into small stacks; the root
// package synthesizes whole environments with wordpress.Synth and loads them
// with Load. Either way a test reads one parsed cdk.tf.json per stack.
//
// jsii starts one Node child per process and cannot restart it, so a test
// binary synthesizes all its stacks at once. TestMain starts that synthesis
// in the background, so that tests of plain functions run meanwhile, and
// each test that reads a stack waits for it. With a table of cases, one
// stack each:
//
//	var stacks *stacktest.Table[netCase]
//
//	func TestMain(m *testing.M) {
//		stacks = stacktest.StartTable(cases, func(c netCase) stacktest.Case {
//			return stacktest.Case{Name: c.name, Build: func(s cdktf.TerraformStack) { network.NewNetwork(s, "network", c.cfg) }}
//		})
//		jsiiboot.Exit(m.Run())
//	}
//
//	func TestVPC(t *testing.T) {
//		stacks.Run(t, func(t *testing.T, c netCase, s *stacktest.Stack) {
//			_, vpc := s.Only(t, "aws_vpc")
//			...
//		})
//	}
//
// It needs nothing from the tier packages (they import it from their tests);
// what it knows of the architecture is its tags ("Tier" on subnets) and the
// shape of security group rules. Stacks are addresses.Stack: a test sees the
// addresses a reviewer sees (aws_subnet.app_a), and a clash fails Synth.
package stacktest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/provider"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/wordpress-cdktf/resilient-wordpress/internal/addresses"
	"github.com/wordpress-cdktf/resilient-wordpress/internal/jsiiboot"
)

// Stack is one synthesized stack: its cdk.tf.json, parsed.
type Stack struct {
	Name string
	JSON map[string]any
}

// Case is one stack to synthesize: Build adds its constructs.
type Case struct {
	Name string
	// Region of the stack's AWS provider.
	// Default: "us-east-1"
	Region string
	Build  func(stack cdktf.TerraformStack)
}

// Synth builds every case as a stack of one cdktf app, with an AWS
// provider, synthesizes the app into a temporary folder and returns the
// stacks by name. It calls jsiiboot.Enable first, so a TestMain need not.
func Synth(cases ...Case) (stacks map[string]*Stack, err error) {
	jsiiboot.Enable()
	dir, err := os.MkdirTemp("", "stacktest-")
	if err != nil {
		return nil, fmt.Errorf("stacktest: temp dir: %w", err)
	}
	defer os.RemoveAll(dir)
	// jsii turns JavaScript exceptions, and constructs their invalid
	// configurations, into panics: report them as an error of this call,
	// with the stack, so that every test reading a stack shows where.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("stacktest: synth: %v\n%s", r, debug.Stack())
		}
	}()
	app := cdktf.NewApp(&cdktf.AppConfig{Outdir: jsii.String(dir), StackTraces: jsii.Bool(false)})
	names := make([]string, 0, len(cases))
	var named []*addresses.Stack
	for _, c := range cases {
		stack := addresses.NewStack(app, c.Name)
		named = append(named, stack)
		region := c.Region
		if region == "" {
			region = "us-east-1"
		}
		provider.NewAwsProvider(stack, jsii.String("aws"), &provider.AwsProviderConfig{Region: jsii.String(region)})
		c.Build(stack)
		names = append(names, c.Name)
	}
	app.Synth()
	for i, st := range named {
		if err := st.Err(); err != nil {
			return nil, fmt.Errorf("stacktest: stack %s: %w", names[i], err)
		}
	}
	return Load(dir, names...)
}

// Set is a synthesis under way, or done.
type Set struct {
	done   chan struct{}
	stacks map[string]*Stack
	err    error
}

// Start runs Synth in the background; Get waits for it. Call it from
// TestMain, once: it calls jsiiboot.Enable before it returns, so before
// anything else in the test binary can touch jsii.
func Start(cases ...Case) *Set {
	jsiiboot.Enable()
	s := &Set{done: make(chan struct{})}
	go func() {
		defer close(s.done)
		s.stacks, s.err = Synth(cases...)
	}()
	return s
}

// Table is a table of test cases, each synthesized as one stack.
type Table[C any] struct {
	set   *Set
	cases []C
	names []string
}

// StartTable starts synthesizing one stack per case, as Start does; stack
// says how to build each.
func StartTable[C any](cases []C, stack func(C) Case) *Table[C] {
	tb := &Table[C]{cases: cases}
	var all []Case
	for _, c := range cases {
		sc := stack(c)
		all = append(all, sc)
		tb.names = append(tb.names, sc.Name)
	}
	tb.set = Start(all...)
	return tb
}

// Run runs f as a subtest per case, named after its stack, with that stack.
func (tb *Table[C]) Run(t *testing.T, f func(t *testing.T, c C, s *Stack)) {
	t.Helper()
	for i, c := range tb.cases {
		t.Run(tb.names[i], func(t *testing.T) { f(t, c, tb.set.Get(t, tb.names[i])) })
	}
}

// Get waits for the synthesis and returns the named stack (see Set.Get).
func (tb *Table[C]) Get(t testing.TB, name string) *Stack {
	t.Helper()
	return tb.set.Get(t, name)
}

// Get waits for the synthesis and returns the named stack, failing t if
// the synthesis failed or made no such stack.
func (s *Set) Get(t testing.TB, name string) *Stack {
	t.Helper()
	<-s.done
	if s.err != nil {
		t.Fatalf("synthesize the stacks under test: %v", s.err)
	}
	st, ok := s.stacks[name]
	if !ok {
		t.Fatalf("no stack %q among %v", name, SortedNames(s.stacks))
	}
	return st
}

// File is where cdktf writes a stack's Terraform JSON under outdir.
func File(outdir, stack string) string {
	return filepath.Join(outdir, "stacks", stack, "cdk.tf.json")
}

// Load parses the named stacks of a synthesis into outdir.
func Load(outdir string, names ...string) (map[string]*Stack, error) {
	stacks := map[string]*Stack{}
	for _, name := range names {
		data, err := os.ReadFile(File(outdir, name))
		if err != nil {
			return nil, fmt.Errorf("stacktest: %w", err)
		}
		s := &Stack{Name: name}
		if err := json.Unmarshal(data, &s.JSON); err != nil {
			return nil, fmt.Errorf("stacktest: parse stack %s: %w", name, err)
		}
		stacks[name] = s
	}
	return stacks, nil
}

// Block returns a top-level block of the stack: "output", "locals",
// "provider", "terraform".
func (s *Stack) Block(key string) map[string]any { return AsMap(s.JSON[key]) }

// Resources returns the stack's resources of a Terraform type, by name.
func (s *Stack) Resources(t testing.TB, typ string) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for name, r := range AsMap(s.Block("resource")[typ]) {
		out[name] = AsMap(r)
	}
	return out
}

// Only returns the single resource of a type, failing t if there is not exactly one.
func (s *Stack) Only(t testing.TB, typ string) (string, map[string]any) {
	t.Helper()
	rs := s.Resources(t, typ)
	if len(rs) != 1 {
		t.Fatalf("stack %s: got %d %s, want 1", s.Name, len(rs), typ)
	}
	for name, r := range rs {
		return name, r
	}
	return "", nil
}

// Where returns the single resource of a type whose attribute attr is
// value (a string, number or bool), failing t if there is not exactly one.
// It tells apart resources of one type that different tiers create, without
// relying on their addresses.
func (s *Stack) Where(t testing.TB, typ, attr string, value any) (string, map[string]any) {
	t.Helper()
	var names []string
	rs := s.Resources(t, typ)
	for name, r := range rs {
		if r[attr] == value {
			names = append(names, name)
		}
	}
	if len(names) != 1 {
		t.Fatalf("stack %s: got %d %s with %s = %v, want 1", s.Name, len(names), typ, attr, value)
	}
	return names[0], rs[names[0]]
}

// SubnetRefs returns the id references of one tier's subnets (by their
// "Tier" tag: "public", "app", "data"), sorted.
func (s *Stack) SubnetRefs(t testing.TB, tier string) []string {
	t.Helper()
	var out []string
	for name, r := range s.Resources(t, "aws_subnet") {
		if AsMap(r["tags"])["Tier"] == tier {
			out = append(out, Ref("aws_subnet", name, "id"))
		}
	}
	sort.Strings(out)
	return out
}

// Pick returns the attributes of r that want names, so a test compares only
// what it asserts.
func Pick(r, want map[string]any) map[string]any {
	got := map[string]any{}
	for k := range want {
		got[k] = r[k]
	}
	return got
}

// Ref is the Terraform expression for an attribute of a resource, as cdktf writes it.
func Ref(typ, name, attr string) string { return fmt.Sprintf("${%s.%s.%s}", typ, name, attr) }

// ByTag indexes resources by one of their tags.
func ByTag(rs map[string]map[string]any, tag string) map[string]string {
	out := map[string]string{}
	for name, r := range rs {
		if v, ok := AsMap(r["tags"])[tag].(string); ok {
			out[v] = name
		}
	}
	return out
}

// AsMap returns v as a JSON object, or nil.
func AsMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// AsSlice returns v as a JSON list, or nil.
func AsSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

// SortedStrings returns a JSON list of strings, sorted.
func SortedStrings(v any) []string {
	var out []string
	for _, e := range AsSlice(v) {
		s, _ := e.(string)
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// SortedNames returns the keys of m, sorted.
func SortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// SetOf returns xs as a set.
func SetOf(xs []string) map[string]bool {
	m := map[string]bool{}
	for _, x := range xs {
		m[x] = true
	}
	return m
}
