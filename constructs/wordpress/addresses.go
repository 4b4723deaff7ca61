package wordpress

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
)

// Terraform addresses are what a reviewer reads in a plan and what state is
// keyed by, so they are named, not hashed: a resource's address is its type
// and the ID of its construct, with hyphens as underscores ("app-a" becomes
// aws_subnet.app_a). cdktf's own logical IDs join the whole construct path
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
// Names are unique per type in a stack; nameAddresses panics on a clash,
// which only a construct ID chosen twice causes. Renaming an address after
// a deploy replaces the resource unless a moved block says where it went
// (see README, "Addresses").

// reAddressName is what a name may look like: lowercase words joined by
// single underscores, ending in a letter or in a word of its own such as
// "a" (a zone letter), never in a bare number (an index).
var reAddressName = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]*[a-z][a-z0-9]*)*$`)

// AddressName returns the Terraform name of a construct ID.
func AddressName(constructID string) string {
	name, _, _ := strings.Cut(constructID, ".")
	return strings.ReplaceAll(name, "-", "_")
}

// CheckAddressName reports a name that carries no meaning a reviewer can
// read: a hash, an index, or characters other than lowercase words.
func CheckAddressName(name string) error {
	if !reAddressName.MatchString(name) {
		return fmt.Errorf("got %q, want lowercase words joined by underscores, not ending in a number (no hash, no index)", name)
	}
	return nil
}

// namedStack is a TerraformStack whose elements are named by AddressName
// instead of cdktf's hashed path: cdktf asks the stack for an element's
// logical ID (allocateLogicalId, designed to be overridden) the first time
// the element is referenced or synthesized.
type namedStack struct {
	cdktf.TerraformStack
	taken map[string]string // address -> construct path
}

func newNamedStack(scope constructs.Construct, id string) cdktf.TerraformStack {
	s := &namedStack{taken: map[string]string{}}
	cdktf.NewTerraformStack_Override(s, scope, jsii.String(id))
	return s
}

// AllocateLogicalId is called by cdktf, in node, once per element. A panic
// here reaches the caller as a jsii error naming the clash.
func (s *namedStack) AllocateLogicalId(tfElement interface{}) *string {
	var node constructs.Node
	switch e := tfElement.(type) {
	case constructs.IConstruct:
		node = e.Node()
	case constructs.Node:
		node = e
	default:
		panic(fmt.Errorf("allocate logical ID: got a %T, want a construct", tfElement))
	}
	name := AddressName(*node.Id())
	kind := addressKind(tfElement)
	if kind == "" {
		return jsii.String(name) // providers, backends, outputs: named by their ID as they are
	}
	path := *node.Path()
	if err := CheckAddressName(name); err != nil {
		panic(fmt.Errorf("address of %s: construct ID %q: %w", path, *node.Id(), err))
	}
	address := kind + "." + name
	if other, ok := s.taken[address]; ok && other != path {
		panic(fmt.Errorf("address %s: both %s and %s: give one of them another construct ID", address, other, path))
	}
	s.taken[address] = path
	return jsii.String(name)
}

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
