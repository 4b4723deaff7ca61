// Package review turns one synthesized stack (its cdk.tf.json) into what a
// reviewer or an operator would otherwise draw and write by hand: an
// architecture diagram (Mermaid and Graphviz DOT), a runbook with the
// environment's real names, and a monthly cost estimate at list price.
//
// It reads only the Terraform JSON. Parts are recognised by resource type,
// attributes, tags and the "${type.name.attr}" references between them, never
// by address, so renaming a construct changes none of its output. It needs no
// other package of this project; constructs/wordpress calls it at synthesis.
package review

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// Stack is one parsed cdk.tf.json with the parts the outputs describe.
type Stack struct {
	// Name is the stack (environment) name.
	Name string
	// Region is the AWS provider's region.
	Region string
	// AliasRegions are the regions of the aliased AWS providers, by the
	// reference resources use ("aws.us_east_1").
	AliasRegions map[string]string
	// Resources by address ("type.name").
	Resources map[string]Resource
	// Locals and Outputs as the JSON holds them.
	Locals  map[string]any
	Outputs map[string]any
	// Backend is "local" or the backend block's type, with its settings.
	Backend         string
	BackendSettings map[string]any
	// DefaultTags of the provider.
	DefaultTags map[string]any
}

// Resource is one Terraform resource.
type Resource struct {
	Type, Name string
	Attrs      map[string]any
}

// Addr is the Terraform address.
func (r Resource) Addr() string { return r.Type + "." + r.Name }

// Str is a string attribute, or "".
func (r Resource) Str(key string) string { s, _ := r.Attrs[key].(string); return s }

// Num is a number attribute, or 0.
func (r Resource) Num(key string) float64 { return num(r.Attrs[key]) }

// Tag is a tag value, or "".
func (r Resource) Tag(key string) string { s, _ := asMap(r.Attrs["tags"])[key].(string); return s }

// Parse reads a stack's Terraform JSON.
func Parse(name string, tfJSON []byte) (*Stack, error) {
	var doc map[string]any
	if err := json.Unmarshal(tfJSON, &doc); err != nil {
		return nil, fmt.Errorf("review: parse stack %s: %w", name, err)
	}
	return FromDocument(name, doc), nil
}

// FromDocument builds a Stack from an already parsed cdk.tf.json.
func FromDocument(name string, doc map[string]any) *Stack {
	s := &Stack{
		Name:      name,
		Resources: map[string]Resource{},
		Locals:    asMap(doc["locals"]),
		Outputs:   asMap(doc["output"]),
		Backend:   "local",
	}
	for typ, byName := range asMap(doc["resource"]) {
		for n, attrs := range asMap(byName) {
			r := Resource{Type: typ, Name: n, Attrs: asMap(attrs)}
			s.Resources[r.Addr()] = r
		}
	}
	s.AliasRegions = map[string]string{}
	for _, p := range asSlice(asMap(doc["provider"])["aws"]) {
		p := asMap(p)
		if alias, aliased := p["alias"].(string); aliased {
			s.AliasRegions["aws."+alias], _ = p["region"].(string)
			continue
		}
		s.Region, _ = p["region"].(string)
		for _, dt := range asSlice(p["default_tags"]) {
			s.DefaultTags = asMap(asMap(dt)["tags"])
		}
	}
	for kind, settings := range asMap(asMap(doc["terraform"])["backend"]) {
		s.Backend, s.BackendSettings = kind, asMap(settings)
	}
	return s
}

// ElsewhereRegion is the region of a resource whose provider is an aliased
// one in another region than the stack's (a CloudFront WAF's log group, in
// us-east-1), or "" for a resource in the stack's region.
func (s *Stack) ElsewhereRegion(r Resource) string {
	if region := s.AliasRegions[r.Str("provider")]; region != s.Region {
		return region
	}
	return ""
}

// OfType returns the resources of a type, sorted by address.
func (s *Stack) OfType(types ...string) []Resource {
	var out []Resource
	for _, r := range s.Resources {
		if slices.Contains(types, r.Type) {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b Resource) int { return strings.Compare(a.Addr(), b.Addr()) })
	return out
}

// First returns the first resource of a type by address, if any.
func (s *Stack) First(typ string) (Resource, bool) {
	rs := s.OfType(typ)
	if len(rs) == 0 {
		return Resource{}, false
	}
	return rs[0], true
}

// Ref resolves a "${type.name.attr}" expression to the resource it names.
func (s *Stack) Ref(v any) (Resource, bool) {
	str, _ := v.(string)
	m := refPattern.FindStringSubmatch(str)
	if m == nil {
		return Resource{}, false
	}
	r, ok := s.Resources[m[1]]
	return r, ok
}

// RefsIn returns the addresses of the resources referenced anywhere in v, sorted and unique.
func (s *Stack) RefsIn(v any) []string {
	var out []string
	walkStrings(v, func(str string) {
		for _, m := range refPattern.FindAllStringSubmatch(str, -1) {
			if _, ok := s.Resources[m[1]]; ok {
				out = append(out, m[1])
			}
		}
	})
	slices.Sort(out)
	return slices.Compact(out)
}

// refPattern matches a resource reference inside a Terraform expression.
var refPattern = regexp.MustCompile(`\$\{(?:[a-z0-9_]+\()*([a-z][a-z0-9_]*\.[A-Za-z0-9_-]+)\.`)

// localPattern matches a reference to a local value.
var localPattern = regexp.MustCompile(`\blocal\.([A-Za-z0-9_-]+)`)

// Text returns the string a value stands for when it is a literal or a
// reference to a local value holding one (such as user data passed through
// base64encode).
func (s *Stack) Text(v any) string {
	str, _ := v.(string)
	if m := localPattern.FindStringSubmatch(str); m != nil {
		if l, ok := s.Locals[m[1]].(string); ok {
			return l
		}
	}
	return str
}

func walkStrings(v any, f func(string)) {
	switch v := v.(type) {
	case string:
		f(v)
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			walkStrings(v[k], f)
		}
	case []any:
		for _, e := range v {
			walkStrings(e, f)
		}
	}
}

func asMap(v any) map[string]any {
	switch v := v.(type) {
	case map[string]any:
		return v
	case []any: // a single nested block may be written as a one-element list
		if len(v) == 1 {
			m, _ := v[0].(map[string]any)
			return m
		}
	}
	return nil
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

func num(v any) float64 {
	switch v := v.(type) {
	case float64:
		return v
	case string:
		var f float64
		if _, err := fmt.Sscan(v, &f); err == nil {
			return f
		}
	}
	return 0
}

func boolean(v any) bool {
	switch v := v.(type) {
	case bool:
		return v
	case string:
		return v == "true"
	}
	return false
}
