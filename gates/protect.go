package gates

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// ProtectedTypes hold the site's data: a plan that deletes one of them
// (removed from the stack, or replaced because an attribute that forces
// replacement changed) loses the database or the web root, so the plan gate
// fails. Resources with lifecycle.prevent_destroy are protected by
// Terraform and OpenTofu themselves (the plan errors); this check also
// catches a protected resource whose block, prevent_destroy included, was
// removed from the stack.
var ProtectedTypes = []string{"aws_db_instance", "aws_efs_file_system"}

// ProtectedChange is a planned deletion of a protected resource.
type ProtectedChange struct {
	Address string
	Actions []string // ["delete"], or ["delete", "create"] for a replacement
}

func (c ProtectedChange) String() string {
	what := "delete"
	if len(c.Actions) > 1 {
		what = "replace (" + strings.Join(c.Actions, ", ") + ")"
	}
	return c.Address + ": " + what
}

// ProtectedDeletes reads a plan JSON (terraform/tofu show -json) and lists
// the planned deletions of resources of ProtectedTypes, in plan order.
func ProtectedDeletes(planJSON []byte) ([]ProtectedChange, error) {
	var plan struct {
		FormatVersion   string `json:"format_version"`
		ResourceChanges []struct {
			Address string `json:"address"`
			Mode    string `json:"mode"`
			Type    string `json:"type"`
			Change  struct {
				Actions []string `json:"actions"`
			} `json:"change"`
		} `json:"resource_changes"`
	}
	if err := json.Unmarshal(planJSON, &plan); err != nil {
		return nil, fmt.Errorf("read plan JSON: %w", err)
	}
	if plan.FormatVersion == "" {
		return nil, fmt.Errorf("read plan JSON: no format_version: not the output of show -json")
	}
	var out []ProtectedChange
	for _, rc := range plan.ResourceChanges {
		if rc.Mode == "managed" && slices.Contains(ProtectedTypes, rc.Type) && slices.Contains(rc.Change.Actions, "delete") {
			out = append(out, ProtectedChange{Address: rc.Address, Actions: rc.Change.Actions})
		}
	}
	return out, nil
}
