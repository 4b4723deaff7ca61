package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/wordpress-cdktf/resilient-wordpress/internal/review"
)

// Stack is one synthesized stack, parsed.
type Stack = map[string]any

// StackDiff is what changed in one stack.
type StackDiff struct {
	Name           string
	Added, Removed []string // addresses
	Moved          [][2]string
	Changed        []Change // by address
	// Before, After: a missing side is nil (the stack itself was added or removed).
	Before, After Stack
}

// Change is one address whose attributes differ.
type Change struct {
	Addr  string
	Attrs []AttrChange
}

// AttrChange is one attribute path and its two values (JSON, or a line diff
// for multi-line text); "" is absent.
type AttrChange struct {
	Path, Before, After string
	Lines               []string // for multi-line text: changed lines, "-" or "+" first
}

// Diff compares every stack of two synthesis outputs, by stack name.
func Diff(before, after map[string]Stack) []StackDiff {
	var out []StackDiff
	for _, n := range unionKeys(before, after) {
		out = append(out, diffStack(n, before[n], after[n]))
	}
	return out
}

// blocks flattens a stack into addressable blocks: resources by address,
// and outputs, locals, providers and terraform settings under their own names.
func blocks(s Stack) map[string]any {
	out := map[string]any{}
	for typ, byName := range asMap(s["resource"]) {
		for name, r := range asMap(byName) {
			out[typ+"."+name] = strip(r)
		}
	}
	for typ, byName := range asMap(s["data"]) {
		for name, r := range asMap(byName) {
			out["data."+typ+"."+name] = strip(r)
		}
	}
	for name, o := range asMap(s["output"]) {
		out["output."+name] = strip(o)
	}
	for name, l := range asMap(s["locals"]) {
		out["local."+name] = l
	}
	for name, p := range asMap(s["provider"]) {
		out["provider."+name] = strip(p)
	}
	for name, t := range asMap(s["terraform"]) {
		out["terraform."+name] = strip(t)
	}
	return out
}

func diffStack(name string, before, after Stack) StackDiff {
	d := StackDiff{Name: name, Before: before, After: after}
	b, a := blocks(before), blocks(after)
	var removed, added []string
	for addr := range b {
		if _, ok := a[addr]; !ok {
			removed = append(removed, addr)
		}
	}
	for addr := range a {
		if _, ok := b[addr]; !ok {
			added = append(added, addr)
		}
	}
	slices.Sort(removed)
	slices.Sort(added)
	d.Moved, removed, added = moves(b, a, removed, added)
	d.Removed, d.Added = removed, added
	renamed := map[string]string{}
	for _, m := range d.Moved {
		renamed[m[0]] = m[1]
	}
	for _, addr := range slices.Sorted(maps.Keys(b)) {
		after, ok := a[addr]
		if !ok {
			continue
		}
		if changes := diffValue(addr, rewrite(b[addr], renamed), after); len(changes) > 0 {
			d.Changed = append(d.Changed, Change{Addr: addr, Attrs: changes})
		}
	}
	return d
}

// moves pairs removed and added resources that are the same resource under
// a new address: same type, and attributes identical once references to
// already paired addresses are rewritten. Pairing repeats until nothing
// more pairs, so a renamed subnet pairs after its renamed VPC. A match must be
// unique, so twins (say, two route table associations) pair only through
// what they reference.
func moves(b, a map[string]any, removed, added []string) (pairs [][2]string, restRemoved, restAdded []string) {
	renamed := map[string]string{}
	taken := map[string]bool{}
	for progress := true; progress; {
		progress = false
		for _, old := range removed {
			if _, done := renamed[old]; done || !movable(old) {
				continue
			}
			want := canonical(rewrite(b[old], renamed))
			var match []string
			for _, nw := range added {
				if !taken[nw] && typeOf(nw) == typeOf(old) && canonical(a[nw]) == want {
					match = append(match, nw)
				}
			}
			if len(match) == 1 {
				renamed[old], taken[match[0]] = match[0], true
				pairs = append(pairs, [2]string{old, match[0]})
				progress = true
			}
		}
	}
	for _, old := range removed {
		if _, ok := renamed[old]; !ok {
			restRemoved = append(restRemoved, old)
		}
	}
	for _, nw := range added {
		if !taken[nw] {
			restAdded = append(restAdded, nw)
		}
	}
	slices.SortFunc(pairs, func(x, y [2]string) int { return strings.Compare(x[0], y[0]) })
	return pairs, restRemoved, restAdded
}

// movable tells the blocks a move can pair: resources and locals (the boot
// script is a local, and a launch template refers to it by name).
func movable(addr string) bool {
	for _, p := range []string{"output.", "provider.", "terraform.", "data."} {
		if strings.HasPrefix(addr, p) {
			return false
		}
	}
	return true
}

func typeOf(addr string) string { t, _, _ := strings.Cut(addr, "."); return t }

// addrRef matches an address ("type.name", "local.name") where one can
// start: not inside a longer name.
var addrRef = regexp.MustCompile(`(^|[^A-Za-z0-9_.-])([a-z][a-z0-9_]*\.[A-Za-z0-9_-]+)`)

// rewrite replaces references to renamed addresses inside v, in one pass, so
// a chain of renames (a to b, b to c) rewrites each reference once.
func rewrite(v any, renamed map[string]string) any {
	if len(renamed) == 0 {
		return v
	}
	switch v := v.(type) {
	case string:
		return addrRef.ReplaceAllStringFunc(v, func(m string) string {
			sub := addrRef.FindStringSubmatch(m)
			if nw, ok := renamed[sub[2]]; ok {
				return sub[1] + nw
			}
			return m
		})
	case map[string]any:
		out := map[string]any{}
		for k, e := range v {
			out[k] = rewrite(e, renamed)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = rewrite(e, renamed)
		}
		return out
	}
	return v
}

func canonical(v any) string {
	data, _ := json.Marshal(v) // maps marshal with sorted keys
	return string(data)
}

// diffValue lists the leaf paths where two values differ.
func diffValue(path string, before, after any) []AttrChange {
	bm, bIsMap := before.(map[string]any)
	am, aIsMap := after.(map[string]any)
	if bIsMap && aIsMap {
		var out []AttrChange
		for _, k := range unionKeys(bm, am) {
			out = append(out, diffValue(join(path, k), bm[k], am[k])...)
		}
		return out
	}
	bl, bIsList := before.([]any)
	al, aIsList := after.([]any)
	if bIsList && aIsList && len(bl) == len(al) {
		var out []AttrChange
		for i := range bl {
			out = append(out, diffValue(fmt.Sprintf("%s[%d]", path, i), bl[i], al[i])...)
		}
		return out
	}
	if canonical(before) == canonical(after) {
		return nil
	}
	c := AttrChange{Path: path, Before: show(before), After: show(after)}
	bs, ok1 := before.(string)
	as, ok2 := after.(string)
	if ok1 && ok2 && (strings.Contains(bs, "\n") || strings.Contains(as, "\n")) {
		c.Lines = lineDiff(bs, as)
		c.Before = fmt.Sprintf("(%d lines)", strings.Count(bs, "\n")+1)
		c.After = fmt.Sprintf("(%d lines)", strings.Count(as, "\n")+1)
	}
	return []AttrChange{c}
}

// join appends an attribute to a path; the block's own address is the root.
func join(path, key string) string { return path + "\x00" + key }

// attrPath is the part of a joined path after the address.
func attrPath(p string) string {
	_, rest, _ := strings.Cut(p, "\x00")
	return strings.ReplaceAll(rest, "\x00", ".")
}

func show(v any) string {
	if v == nil {
		return ""
	}
	s := canonical(v)
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return s
}

// lineDiff returns the lines only one side has, in order, marked "-" or "+"
// (a longest-common-subsequence diff).
func lineDiff(before, after string) []string {
	x, y := strings.Split(before, "\n"), strings.Split(after, "\n")
	lcs := make([][]int, len(x)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []string
	i, j := 0, 0
	for i < len(x) || j < len(y) {
		switch {
		case i < len(x) && j < len(y) && x[i] == y[j]:
			i, j = i+1, j+1
		case j < len(y) && (i == len(x) || lcs[i][j+1] > lcs[i+1][j]):
			out = append(out, "+"+y[j])
			j++
		default:
			out = append(out, "-"+x[i])
			i++
		}
	}
	return out
}

// strip drops cdktf's "//" metadata (construct paths), which is not Terraform.
func strip(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := map[string]any{}
	for k, e := range m {
		if k != "//" {
			out[k] = e
		}
	}
	return out
}

// Markdown renders the differences for a terminal or a CI job summary.
func Markdown(diffs []StackDiff, base string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "## Stack changes against `%s`\n\n", base)
	unchanged := false
	for _, d := range diffs {
		if d.Before != nil && d.After != nil && len(d.Added)+len(d.Removed)+len(d.Moved)+len(d.Changed) == 0 {
			fmt.Fprintf(&b, "- `%s`: no change.%s\n", d.Name, costNote(d))
			unchanged = true
		}
	}
	if unchanged {
		b.WriteString("\n")
	}
	for _, d := range diffs {
		switch {
		case d.Before == nil:
			fmt.Fprintf(&b, "### `%s` (new stack)\n\n", d.Name)
		case d.After == nil:
			fmt.Fprintf(&b, "### `%s` (stack removed)\n\n", d.Name)
		case len(d.Added)+len(d.Removed)+len(d.Moved)+len(d.Changed) == 0:
			continue
		default:
			fmt.Fprintf(&b, "### `%s`\n\n", d.Name)
		}
		fmt.Fprintf(&b, "%d added, %d removed, %d moved, %d changed.%s\n\n", len(d.Added), len(d.Removed), len(d.Moved), len(d.Changed), costNote(d))
		if len(d.Moved) > 0 {
			b.WriteString("Moved: the same resource under a new address (identical attributes). Once an environment is deployed, each needs a `moved` block, or Terraform replaces the resource.\n\n")
		}
		if d.Before == nil || d.After == nil {
			continue
		}
		for _, a := range d.Added {
			fmt.Fprintf(&b, "- **added** `%s`\n", a)
		}
		for _, r := range d.Removed {
			fmt.Fprintf(&b, "- **removed** `%s`\n", r)
		}
		for _, m := range d.Moved {
			fmt.Fprintf(&b, "- **moved** `%s` → `%s`\n", m[0], m[1])
		}
		for _, c := range d.Changed {
			fmt.Fprintf(&b, "- **changed** `%s`\n", c.Addr)
			for _, a := range c.Attrs {
				p := attrPath(a.Path)
				if p == "" {
					p = "(value)"
				}
				switch {
				case a.Before == "":
					fmt.Fprintf(&b, "  - `%s`: added `%s`\n", p, a.After)
				case a.After == "":
					fmt.Fprintf(&b, "  - `%s`: removed (was `%s`)\n", p, a.Before)
				default:
					fmt.Fprintf(&b, "  - `%s`: `%s` → `%s`\n", p, a.Before, a.After)
				}
				if len(a.Lines) > 0 {
					shown := a.Lines
					if len(shown) > 40 {
						shown = shown[:40]
					}
					b.WriteString("\n    ```diff\n")
					for _, l := range shown {
						fmt.Fprintf(&b, "    %s\n", l)
					}
					if len(a.Lines) > len(shown) {
						fmt.Fprintf(&b, "    … %d more changed lines\n", len(a.Lines)-len(shown))
					}
					b.WriteString("    ```\n\n")
				}
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

// costNote is the estimated monthly cost before and after (internal/review).
func costNote(d StackDiff) string {
	cost := func(s Stack) (review.Estimate, bool) {
		if s == nil {
			return review.Estimate{}, false
		}
		return review.EstimateCost(review.FromDocument(d.Name, s), review.Prices()), true
	}
	before, okB := cost(d.Before)
	after, okA := cost(d.After)
	switch {
	case okB && okA && before.Summary() == after.Summary() && before.TotalAtMax != after.TotalAtMax:
		return fmt.Sprintf(" Estimated cost unchanged at minimum size (%s); at maximum size $%.2f → $%.2f a month.", after.Summary(), before.TotalAtMax, after.TotalAtMax)
	case okB && okA && before.Summary() == after.Summary():
		return " Estimated cost unchanged: " + after.Summary() + "."
	case okB && okA && before.Complete && after.Complete:
		return fmt.Sprintf(" Estimated cost: %s → %s (%+.2f USD/month).", before.Summary(), after.Summary(), after.Total-before.Total)
	case okB && okA:
		return fmt.Sprintf(" Estimated cost: %s → %s.", before.Summary(), after.Summary())
	case okA:
		return " Estimated cost: " + after.Summary() + "."
	case okB:
		return " Estimated cost was " + before.Summary() + "."
	}
	return ""
}

// unionKeys are the keys of either map, sorted.
func unionKeys[V any](a, b map[string]V) []string {
	keys := slices.Collect(maps.Keys(a))
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}
