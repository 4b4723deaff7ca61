package review

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// The diagram is built once as a small graph (nodes in nested clusters,
// styled edges) and written out both as Mermaid and as Graphviz DOT, so the
// two pictures cannot disagree.

type shape int

const (
	box shape = iota
	circle
	cylinder
	note
)

type node struct {
	id    string
	lines []string
	shape shape
	class string // "net", "compute", "data", "entry", "service", "other"
}

type cluster struct {
	id, label string
	class     string // "vpc", "tier", "services"
	nodes     []node
	children  []*cluster
}

type edgeStyle int

const (
	flowEdge   edgeStyle = iota // traffic a security group allows
	egressEdge                  // egress to an address range
	routeEdge                   // a route table's default route
	useEdge                     // a component uses a regional service
)

type edge struct {
	from, to, label string
	style           edgeStyle
}

type graph struct {
	title    string
	top      []node // outside every cluster
	clusters []*cluster
	edges    []edge
	// rows are node IDs that share a level, left to right, top to bottom.
	// They only guide the layout.
	rows [][]string
}

var tierTitles = map[string]string{
	"public": "Public subnets",
	"app":    "App subnets",
	"data":   "Data subnets",
	"other":  "Other subnets",
}

// diagramGraph lays out the architecture: the internet and edge services on
// top, the VPC with one cluster per subnet tier (subnets by zone, NAT
// gateways, and the components placed in that tier), regional services beside.
func diagramGraph(s *Stack, a *Architecture) *graph {
	g := &graph{title: "WordPress stack " + s.Name}
	needInternet := a.HasIGW
	for _, f := range a.Flows {
		needInternet = needInternet || f.From == "internet" || f.To == "internet"
	}
	if needInternet {
		g.top = append(g.top, node{id: "internet", lines: []string{"Internet"}, shape: circle, class: "entry"})
	}
	for _, n := range a.Names {
		g.top = append(g.top, node{id: n.ID, lines: append([]string{n.Title}, n.Details...), class: "entry"})
	}
	for _, c := range a.Components {
		if c.Tier == "" {
			g.top = append(g.top, componentNode(a, c))
		}
	}
	// Address ranges other than the internet that rules name.
	for _, f := range a.Flows {
		for _, end := range []string{f.From, f.To} {
			if strings.Contains(end, "/") || end == "prefix list" {
				id := nodeID("range " + end)
				if !slices.ContainsFunc(g.top, func(n node) bool { return n.id == id }) {
					g.top = append(g.top, node{id: id, lines: []string{end}, shape: circle, class: "entry"})
				}
			}
		}
	}

	var topRow []string
	for _, n := range g.top {
		topRow = append(topRow, n.id)
	}
	g.rows = append(g.rows, topRow)

	if a.HasVPC || len(a.Subnets) > 0 {
		vpc := &cluster{id: "vpc", class: "vpc", label: strings.TrimSpace(fmt.Sprintf("VPC %s %s", a.VPC.Tag("Name"), a.VPC.Str("cidr_block")))}
		if len(a.Zones) > 0 {
			vpc.label += " · zones " + strings.Join(a.Zones, ", ")
		}
		if a.HasIGW {
			vpc.nodes = append(vpc.nodes, node{id: "igw", lines: []string{"Internet gateway"}, class: "net"})
			g.rows = append(g.rows, []string{"igw"})
		}
		for _, tier := range tierOrder {
			tc := &cluster{id: "tier_" + tier, class: "tier", label: tierTitles[tier]}
			var subnetRow, componentRow []string
			for _, sn := range a.Subnets {
				if sn.Tier != tier {
					continue
				}
				subnetRow = append(subnetRow, subnetID(sn))
				lines := []string{sn.Name, sn.Zone + " · " + sn.CIDR}
				if sn.DefaultRoute == "" {
					lines = append(lines, "no route off the VPC")
				}
				tc.nodes = append(tc.nodes, node{id: subnetID(sn), lines: lines, class: "net"})
			}
			if tier == "public" {
				for _, n := range a.NATs {
					tc.nodes = append(tc.nodes, node{id: natID(n), lines: []string{"NAT gateway", n.Zone + ", Elastic IP"}, class: "net"})
					// Beside the subnet it sits in.
					at := slices.Index(subnetRow, nodeID("subnet public "+n.Zone)) + 1
					if at == 0 {
						at = len(subnetRow)
					}
					subnetRow = slices.Insert(subnetRow, at, natID(n))
				}
			}
			for _, c := range a.Components {
				if c.Tier == tier {
					tc.nodes = append(tc.nodes, componentNode(a, c))
					componentRow = append(componentRow, c.ID)
				}
			}
			g.rows = append(g.rows, subnetRow, componentRow)
			if len(tc.nodes) > 0 {
				vpc.children = append(vpc.children, tc)
			}
		}
		g.clusters = append(g.clusters, vpc)
	}

	if len(a.Services) > 0 || len(a.Others) > 0 {
		sc := &cluster{id: "services", class: "services", label: "Regional services (" + orUnknown(s.Region) + ")"}
		for _, sv := range a.Services {
			sc.nodes = append(sc.nodes, node{id: sv.ID, lines: append([]string{sv.Title}, sv.Details...), class: "service"})
		}
		if len(a.Others) > 0 {
			lines := []string{"Also in this stack"}
			for _, typ := range slices.Sorted(maps.Keys(a.Others)) {
				lines = append(lines, fmt.Sprintf("%s × %d", strings.TrimPrefix(typ, "aws_"), a.Others[typ]))
			}
			sc.nodes = append(sc.nodes, node{id: "others", lines: lines, shape: note, class: "other"})
		}
		g.clusters = append(g.clusters, sc)
	}

	// Edges: allowed flows first (they shape the layout), then routes, then uses.
	for _, f := range a.Flows {
		label := strings.Join(f.Ports, ", ") + " · " + f.Group
		from, to := flowEnd(f.From), flowEnd(f.To)
		if f.Egress {
			g.edges = append(g.edges, edge{from: from, to: to, label: "egress " + label, style: egressEdge})
			continue
		}
		g.edges = append(g.edges, edge{from: from, to: to, label: label, style: flowEdge})
	}
	if a.HasIGW && needInternet {
		g.edges = append(g.edges, edge{from: "igw", to: "internet", style: routeEdge})
	}
	for _, sn := range a.Subnets {
		switch {
		case sn.DefaultRoute == a.IGW.Addr() && a.HasIGW:
			g.edges = append(g.edges, edge{from: subnetID(sn), to: "igw", label: "0.0.0.0/0", style: routeEdge})
		case strings.HasPrefix(sn.DefaultRoute, "aws_nat_gateway."):
			for _, n := range a.NATs {
				if n.Addr == sn.DefaultRoute {
					g.edges = append(g.edges, edge{from: subnetID(sn), to: natID(n), label: "0.0.0.0/0", style: routeEdge})
				}
			}
		}
	}
	if a.HasIGW {
		for _, n := range a.NATs {
			g.edges = append(g.edges, edge{from: natID(n), to: "igw", style: routeEdge})
		}
	}
	for _, sv := range a.Services {
		if sv.From != "" {
			g.edges = append(g.edges, edge{from: sv.From, to: sv.ID, label: sv.Label, style: useEdge})
		}
	}
	for _, l := range a.Links {
		st := useEdge
		if l.Traffic {
			st = flowEdge
		}
		g.edges = append(g.edges, edge{from: l.From, to: l.To, label: l.Label, style: st})
	}
	for _, n := range a.Names {
		g.edges = append(g.edges, edge{from: n.ID, to: n.From, label: n.Label, style: useEdge})
	}
	return g
}

// walkClusters visits the clusters depth first: open, its nodes, its
// children, close; each level indented two more spaces.
func (g *graph) walkClusters(indent string, open func(*cluster, string), writeNode func(node, string), close func(*cluster, string)) {
	var walk func(c *cluster, indent string)
	walk = func(c *cluster, indent string) {
		open(c, indent)
		for _, n := range c.nodes {
			writeNode(n, indent+"  ")
		}
		for _, ch := range c.children {
			walk(ch, indent+"  ")
		}
		close(c, indent)
	}
	for _, c := range g.clusters {
		walk(c, indent)
	}
}

func componentNode(a *Architecture, c *Component) node {
	lines := append([]string{c.Title}, c.Details...)
	var groups []string
	for _, addr := range c.Groups {
		if r, ok := a.resources[addr]; ok {
			groups = append(groups, groupName(r))
		}
	}
	if len(groups) > 0 {
		// By name: the order of c.Groups follows addresses, which must not
		// show in the review.
		slices.Sort(groups)
		lines = append(lines, "SG "+strings.Join(groups, ", "))
	}
	if zones := componentZones(a, c); len(zones) > 0 {
		lines = append(lines, "zones "+strings.Join(zones, ", "))
	}
	n := node{id: c.ID, lines: lines, class: "compute"}
	switch c.Kind {
	case "db", "efs", "cache":
		n.shape, n.class = cylinder, "data"
	case "cdn", "waf", "alb":
		n.class = "entry"
	}
	return n
}

func componentZones(a *Architecture, c *Component) []string {
	var zones []string
	for _, sn := range a.Subnets {
		if slices.Contains(c.Subnets, sn.Addr) && !slices.Contains(zones, sn.Zone) {
			zones = append(zones, sn.Zone)
		}
	}
	slices.Sort(zones)
	return zones
}

func flowEnd(end string) string {
	if strings.Contains(end, "/") || end == "prefix list" {
		return nodeID("range " + end)
	}
	return end
}

func subnetID(sn Subnet) string { return nodeID("subnet " + sn.Tier + " " + sn.Zone) }
func natID(n NAT) string        { return nodeID("nat " + n.Zone) }

// nodeID makes an identifier both Mermaid and DOT accept from a description,
// independent of Terraform addresses.
func nodeID(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

// Mermaid renders the diagram as a Mermaid flowchart.
func Mermaid(s *Stack) []byte {
	a := Analyze(s)
	g := diagramGraph(s, a)
	var b strings.Builder
	fmt.Fprintf(&b, "---\ntitle: %s\n---\n", g.title)
	b.WriteString("flowchart TB\n")
	for _, n := range g.top {
		writeMermaidNode(&b, n, "  ")
	}
	g.walkClusters("  ", func(c *cluster, indent string) {
		fmt.Fprintf(&b, "%ssubgraph %s[\"%s\"]\n", indent, c.id, mermaidText(c.label))
		if c.class == "tier" {
			fmt.Fprintf(&b, "%s  direction LR\n", indent)
		}
	}, func(n node, indent string) { writeMermaidNode(&b, n, indent) }, func(c *cluster, indent string) {
		fmt.Fprintf(&b, "%send\n", indent)
	})
	// Layout only: stack the tiers top to bottom.
	for _, c := range g.clusters {
		for i := 1; i < len(c.children); i++ {
			fmt.Fprintf(&b, "  %s ~~~ %s\n", c.children[i-1].id, c.children[i].id)
		}
	}
	for _, e := range g.edges {
		arrow := map[edgeStyle]string{flowEdge: "==>", egressEdge: "-.->", routeEdge: "-.->", useEdge: "-.->"}[e.style]
		if e.label == "" {
			fmt.Fprintf(&b, "  %s %s %s\n", e.from, arrow, e.to)
		} else {
			fmt.Fprintf(&b, "  %s %s|\"%s\"| %s\n", e.from, arrow, mermaidText(e.label), e.to)
		}
	}
	b.WriteString("  classDef entry fill:#fff4e0,stroke:#c77700\n")
	b.WriteString("  classDef compute fill:#e8f1ff,stroke:#2f6fce\n")
	b.WriteString("  classDef data fill:#e9f7ec,stroke:#2e8b46\n")
	b.WriteString("  classDef net fill:#f4f4f4,stroke:#777\n")
	b.WriteString("  classDef service fill:#f6ecff,stroke:#7a3fb8\n")
	b.WriteString("  classDef other fill:#ffffff,stroke:#999,stroke-dasharray:3 3\n")
	classes := map[string][]string{}
	var walk func(ns []node, cs []*cluster)
	walk = func(ns []node, cs []*cluster) {
		for _, n := range ns {
			classes[n.class] = append(classes[n.class], n.id)
		}
		for _, c := range cs {
			walk(c.nodes, c.children)
		}
	}
	walk(g.top, g.clusters)
	for _, class := range slices.Sorted(maps.Keys(classes)) {
		fmt.Fprintf(&b, "  class %s %s\n", strings.Join(classes[class], ","), class)
	}
	return []byte(b.String())
}

func writeMermaidNode(b *strings.Builder, n node, indent string) {
	label := mermaidText(strings.Join(n.lines, "\n"))
	open, close := "[\"", "\"]"
	switch n.shape {
	case circle:
		open, close = "((\"", "\"))"
	case cylinder:
		open, close = "[(\"", "\")]"
	}
	fmt.Fprintf(b, "%s%s%s%s%s\n", indent, n.id, open, label, close)
}

func mermaidText(s string) string {
	return strings.NewReplacer(`"`, "#quot;", "\n", "<br/>", "<", "#lt;", ">", "#gt;").Replace(s)
}

// DOT renders the diagram as Graphviz DOT (`dot -Tsvg diagram.dot`).
func DOT(s *Stack) []byte {
	a := Analyze(s)
	g := diagramGraph(s, a)
	var b strings.Builder
	fmt.Fprintf(&b, "digraph %s {\n", dotText(g.title))
	legend := g.title + "\nblue: traffic the security groups allow · orange dashed: egress to an address range · grey dotted: default routes · purple dashed: use of a regional service"
	b.WriteString("  graph [rankdir=TB, newrank=true, compound=true, nodesep=0.35, ranksep=0.55, fontname=\"Helvetica\", fontsize=13, labelloc=t, label=" + dotText(legend) + "];\n")
	b.WriteString("  node [shape=box, style=\"rounded,filled\", fillcolor=white, fontname=\"Helvetica\", fontsize=10, margin=\"0.12,0.06\"];\n")
	b.WriteString("  edge [fontname=\"Helvetica\", fontsize=9];\n")
	for _, n := range g.top {
		writeDOTNode(&b, n, "  ")
	}
	g.walkClusters("  ", func(c *cluster, indent string) {
		fmt.Fprintf(&b, "%ssubgraph cluster_%s {\n", indent, c.id)
		style := map[string]string{
			"vpc":      `style="rounded", color="#2f6fce", penwidth=1.6`,
			"tier":     `style="rounded,filled", color="#bbbbbb", fillcolor="#fafafa"`,
			"services": `style="rounded,dashed", color="#7a3fb8"`,
		}[c.class]
		fmt.Fprintf(&b, "%s  graph [label=%s, labeljust=l, %s];\n", indent, dotText(c.label), style)
	}, func(n node, indent string) { writeDOTNode(&b, n, indent) }, func(c *cluster, indent string) {
		fmt.Fprintf(&b, "%s}\n", indent)
	})
	// Layout only: each row on one level, in order.
	var rows [][]string
	for _, r := range g.rows {
		if len(r) > 0 {
			rows = append(rows, r)
		}
	}
	for i, r := range rows {
		fmt.Fprintf(&b, "  { rank=same; %s; }\n", strings.Join(r, "; "))
		if len(r) > 1 { // left to right in this order
			fmt.Fprintf(&b, "  %s [style=invis];\n", strings.Join(r, " -> "))
		}
		if i > 0 {
			fmt.Fprintf(&b, "  %s -> %s [style=invis];\n", rows[i-1][0], r[0])
		}
	}
	for _, e := range g.edges {
		attrs := map[edgeStyle]string{
			flowEdge:   `color="#2f6fce", penwidth=1.8`,
			egressEdge: `color="#c77700", style=dashed`,
			routeEdge:  `color="#888888", style=dotted, arrowsize=0.7`,
			useEdge:    `color="#7a3fb8", style=dashed, arrowsize=0.7`,
		}[e.style]
		if e.label != "" {
			attrs += ", label=" + dotText(e.label)
		}
		if e.style == routeEdge || e.style == useEdge {
			attrs += ", constraint=false"
		}
		fmt.Fprintf(&b, "  %s -> %s [%s];\n", e.from, e.to, attrs)
	}
	b.WriteString("}\n")
	return []byte(b.String())
}

func writeDOTNode(b *strings.Builder, n node, indent string) {
	fill := map[string]string{
		"entry": "#fff4e0", "compute": "#e8f1ff", "data": "#e9f7ec", "net": "#f4f4f4", "service": "#f6ecff", "other": "#ffffff",
	}[n.class]
	shapeAttr := map[shape]string{box: "box", circle: "ellipse", cylinder: "cylinder", note: "note"}[n.shape]
	fmt.Fprintf(b, "%s%s [label=%s, shape=%s, fillcolor=%q];\n", indent, n.id, dotText(strings.Join(n.lines, "\n")), shapeAttr, fill)
}

func dotText(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}
