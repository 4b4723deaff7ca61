// Package reviewtest helps tests prove that the review outputs (diagram,
// runbook, cost) depend on what a stack builds, not on its Terraform
// addresses: Rename gives every resource another name.
package reviewtest

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Rename returns a copy of a parsed cdk.tf.json in which every resource
// carries an opaque new name ("r1", "r2", … in address order), with every
// reference and depends_on entry rewritten to match.
func Rename(doc map[string]any) (map[string]any, error) {
	raw, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("rename: %w", err)
	}
	var cp map[string]any
	if err := json.Unmarshal(raw, &cp); err != nil {
		return nil, fmt.Errorf("rename: %w", err)
	}
	resources, _ := cp["resource"].(map[string]any)
	var addrs []string
	for typ, byName := range resources {
		for name := range byName.(map[string]any) {
			addrs = append(addrs, typ+"."+name)
		}
	}
	slices.Sort(addrs)
	newName := map[string]string{}
	for i, a := range addrs {
		newName[a] = fmt.Sprintf("r%d", i+1)
	}
	for typ, byName := range resources {
		renamed := map[string]any{}
		for name, r := range byName.(map[string]any) {
			renamed[newName[typ+"."+name]] = r
		}
		resources[typ] = renamed
	}
	// An address ends where a name character cannot follow.
	ref := regexp.MustCompile(`\b(aws_[a-z0-9_]+)\.([A-Za-z0-9_-]+)`)
	var walk func(v any) any
	walk = func(v any) any {
		switch v := v.(type) {
		case string:
			return ref.ReplaceAllStringFunc(v, func(m string) string {
				if n, ok := newName[m]; ok {
					return m[:strings.IndexByte(m, '.')+1] + n
				}
				return m
			})
		case map[string]any:
			for k, e := range v {
				v[k] = walk(e)
			}
		case []any:
			for i, e := range v {
				v[i] = walk(e)
			}
		}
		return v
	}
	return walk(cp).(map[string]any), nil
}
