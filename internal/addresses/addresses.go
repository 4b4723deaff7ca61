// Package addresses names the Terraform addresses of a stack for the people
// who read plans: a resource's address is its type and the ID of its
// construct (aws_subnet.app_a), not cdktf's hashed construct path
// (aws_subnet.network_app-a_A0424B3D). Stack is a cdktf TerraformStack that
// names its elements so; constructs/wordpress builds every environment on
// one, and internal/stacktest every tier test's stack.
//
// It needs nothing from the tiers: only cdktf, and the provider bindings'
// module path to know a resource's Go type.
package addresses

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"sync"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
)

// The rule. Terraform addresses are what a reviewer reads in a plan and
// what state is keyed by, so they are named, not hashed: a resource's
// address is its type and the ID of its construct, with hyphens as
// underscores ("app-a" becomes aws_subnet.app_a). cdktf's own logical IDs join the whole construct path
// and append a hash (aws_subnet.network_app-a_A0424B3D).
//
// Resources of different types often deserve one name (the database's
// instance, subnet group and parameter group are all "database"), but
// siblings cannot share a construct ID. The part of an ID from its first
// "." on only tells such siblings apart and is not part of the address:
// "database", "database.subnet-group" and "database.parameters" become
// aws_db_instance.database, aws_db_subnet_group.database and
// aws_db_parameter_group.database.
//
// Names are unique per type in a stack; synthesis fails on a clash, which
// only a construct ID chosen twice causes, naming both constructs. Renaming
// an address after a deploy replaces the resource unless a moved block says
// where it went (see README, "Addresses").

// reName is what a name may look like: lowercase words joined by
// single underscores, ending in a letter or in a word of its own such as
// "a" (a zone letter), never in a bare number (an index).
var reName = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]*[a-z][a-z0-9]*)*$`)

// Name returns the Terraform name of a construct ID.
func Name(constructID string) string {
	name, _, _ := strings.Cut(constructID, ".")
	return strings.ReplaceAll(name, "-", "_")
}

// CheckName reports a name that carries no meaning a reviewer can read: a
// hash, an index, or characters other than lowercase words.
func CheckName(name string) error {
	if !reName.MatchString(name) {
		return fmt.Errorf("got %q, want lowercase words joined by underscores, not ending in a number (no hash, no index)", name)
	}
	return nil
}

// Stack is a TerraformStack whose elements are named by Name instead of
// cdktf's hashed path: cdktf asks the stack for an element's
// logical ID (allocateLogicalId, designed to be overridden) the first time
// the element is referenced or synthesized.
//
// A bad name is recorded, not panicked on: a Go panic inside a jsii callback
// leaves the node kernel about three times slower for the rest of the
// process (measured with jsii-runtime-go v1.119.0). Err reports it after
// synthesis.
type Stack struct {
	cdktf.TerraformStack
	taken map[string]string // address -> the path of the construct holding it
	errs  []error
}

// NewStack adds a stack named id to scope (a cdktf App). Children go on the
// returned value: it is the jsii stack itself, registered as the override.
func NewStack(scope constructs.Construct, id string) *Stack {
	s := &Stack{taken: map[string]string{}}
	cdktf.NewTerraformStack_Override(s, scope, jsii.String(id))
	return s
}

// AllocateLogicalId is called by cdktf, in node, once per element. Each
// jsii call here is a round trip to node, so for a resource or data source
// it asks only for the construct's path (its last part is the construct
// ID), and for the Terraform type once per Go type (kindOf).
func (s *Stack) AllocateLogicalId(tfElement interface{}) *string {
	path, ok := elementPath(tfElement)
	if !ok {
		s.errs = append(s.errs, fmt.Errorf("allocate logical ID: got a %T, want a construct", tfElement))
		return jsii.String("invalid")
	}
	id := path[strings.LastIndex(path, "/")+1:]
	name := Name(id)
	kind := kindOf(tfElement)
	if kind == "" {
		return jsii.String(name) // providers, backends, outputs: named by their ID as they are
	}
	if err := CheckName(name); err != nil {
		s.errs = append(s.errs, fmt.Errorf("address of %s: construct ID %q: %w", path, id, err))
	}
	address := kind + "." + name
	if other, ok := s.taken[address]; ok && other != path {
		s.errs = append(s.errs, fmt.Errorf("address %s: both %s and %s: give one of them another construct ID", address, other, path))
	}
	s.taken[address] = path
	return jsii.String(name)
}

// elementPath is the construct path of a Terraform element. A construct's
// toString is its path, one round trip instead of two (node, then path),
// but locals and variables override it with their Terraform expression.
func elementPath(e any) (string, bool) {
	switch e := e.(type) {
	case cdktf.TerraformResource:
		return *e.ToString(), true
	case cdktf.TerraformDataSource:
		return *e.ToString(), true
	case constructs.IConstruct:
		return *e.Node().Path(), true
	case constructs.Node:
		return *e.Path(), true
	}
	return "", false
}

// Err reports every construct of the stack that got no readable address or
// the address of another, naming both; nil when every address is fine. Only
// meaningful after synthesis, when cdktf has named every element.
func (s *Stack) Err() error { return errors.Join(s.errs...) }

// kindOf is addressKind, asked of node once per generated resource type
// in the process: each Go type of the provider bindings is one Terraform
// type.
func kindOf(e any) string {
	t := reflect.TypeOf(e)
	if t.Kind() != reflect.Pointer || !strings.HasPrefix(t.Elem().PkgPath(), providerBindings) {
		return addressKind(e)
	}
	if kind, ok := kinds.Load(t); ok {
		return kind.(string)
	}
	kind := addressKind(e)
	kinds.Store(t, kind)
	return kind
}

// kinds caches kindOf: reflect.Type -> string.
var kinds sync.Map

// providerBindings is the module path of the generated provider bindings.
const providerBindings = "github.com/cdktf/cdktf-provider-aws-go/"

// addressKind is the first part of an element's Terraform address ("aws_vpc",
// "data.aws_region", "local"), or "" for an element that has none.
func addressKind(e any) string {
	switch r := e.(type) {
	case cdktf.TerraformResource:
		return *r.TerraformResourceType()
	case cdktf.TerraformDataSource:
		return "data." + *r.TerraformResourceType()
	case cdktf.TerraformLocal:
		return "local"
	}
	return ""
}
