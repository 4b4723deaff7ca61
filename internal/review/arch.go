package review

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Architecture is what a stack builds, recognised from its resources: the
// network, the components placed in it and the flows its security groups allow.
type Architecture struct {
	VPC     Resource
	HasVPC  bool
	Zones   []string // availability zones, sorted
	Subnets []Subnet // by tier (public, app, data, other), then zone
	IGW     Resource
	HasIGW  bool
	NATs    []NAT // by zone
	// Components: load balancers, server groups, databases, file systems, caches,
	// CDNs and firewalls, in a fixed order of kind, then by address.
	Components []*Component
	Flows      []Flow
	// Services are regional services outside the VPC the stack uses.
	Services []Service
	// Links are the other relations worth drawing: a CDN's origin, a
	// firewall in front of what it protects, a DNS name's target.
	Links []Link
	// Names are DNS records pointing at a component, by record name.
	Names []Service
	// Others counts, by resource type, what none of the above depicts.
	Others map[string]int

	resources map[string]Resource
}

// Tiers in the order the diagram stacks them.
var tierOrder = []string{"public", "app", "data", "other"}

// Subnet is one subnet and where its default route goes.
type Subnet struct {
	Addr, Name, Tier, Zone, CIDR string
	// DefaultRoute is the address of the 0.0.0.0/0 target (internet or NAT
	// gateway), or "" when the subnet has no route off the VPC.
	DefaultRoute string
	RouteTable   string // route table name tag, or its address
}

// NAT is a NAT gateway, the zone it serves and its public subnet.
type NAT struct {
	Addr, Zone, Subnet, Name string
}

// Component is a part of the architecture that holds security groups and is
// placed in subnets: a load balancer, a server group, a database, ...
type Component struct {
	ID, Kind, Title string
	// Main is the resource that names the component; Members are the resources
	// that carry its security groups and placement (launch template, mount targets).
	Main    Resource
	Members []Resource
	Details []string // one short line each, for labels
	Groups  []string // security group addresses
	Subnets []string // subnet addresses
	Tier    string   // tier of its subnets, "" outside the VPC
}

// Flow is traffic a security group rule allows, between components (by ID),
// or between a component and the internet or an address range.
type Flow struct {
	From, To string
	Ports    []string
	Group    string // name of the group whose rule allows it
	Egress   bool   // an egress rule to an address range (no matching ingress rule)
}

// Service is a regional service the stack uses (secrets, logs, state, ...).
type Service struct {
	ID, Title string
	Details   []string
	From      string // component ID that uses it, or ""
	Label     string // what the component does with it
}

// Link is a relation between two components or services, by ID.
type Link struct {
	From, To, Label string
	// Traffic is true for a path requests take (a CDN to its origin).
	Traffic bool
}

// componentKinds maps resource types to components, in drawing order.
var componentKinds = []struct{ typ, kind, title string }{
	{"aws_cloudfront_distribution", "cdn", "CloudFront distribution"},
	{"aws_wafv2_web_acl", "waf", "WAF web ACL"},
	{"aws_lb", "alb", "Application Load Balancer"},
	{"aws_autoscaling_group", "web", "Web servers (Auto Scaling group)"},
	{"aws_instance", "instance", "EC2 instance"},
	{"aws_db_instance", "db", "RDS database"},
	{"aws_rds_cluster", "db", "Aurora cluster"},
	{"aws_efs_file_system", "efs", "EFS file system"},
	{"aws_elasticache_replication_group", "cache", "ElastiCache replication group"},
	{"aws_elasticache_serverless_cache", "cache", "ElastiCache serverless cache"},
}

// depicted are resource types the diagram draws as part of something else.
var depicted = map[string]bool{
	"aws_vpc": true, "aws_subnet": true, "aws_internet_gateway": true, "aws_nat_gateway": true, "aws_eip": true,
	"aws_route": true, "aws_route_table": true, "aws_route_table_association": true,
	"aws_security_group": true, "aws_vpc_security_group_ingress_rule": true, "aws_vpc_security_group_egress_rule": true,
	"aws_lb_listener": true, "aws_lb_target_group": true, "aws_launch_template": true,
	"aws_db_subnet_group": true, "aws_efs_mount_target": true, "aws_flow_log": true,
	"aws_elasticache_subnet_group": true,
	// Drawn as regional services, links or DNS names.
	"aws_cloudwatch_log_group": true, "aws_sns_topic": true, "aws_sns_topic_subscription": true,
	"aws_cloudwatch_metric_alarm": true, "aws_cloudwatch_dashboard": true, "aws_s3_bucket": true,
	"aws_wafv2_web_acl_association": true, "aws_route53_record": true, // alias records; see isPlainRecord
}

// Analyze recognises the architecture of a stack.
func Analyze(s *Stack) *Architecture {
	a := &Architecture{Others: map[string]int{}, resources: s.Resources}
	if v, ok := s.First("aws_vpc"); ok {
		a.VPC, a.HasVPC = v, true
	}
	if g, ok := s.First("aws_internet_gateway"); ok {
		a.IGW, a.HasIGW = g, true
	}
	a.Subnets = subnets(s)
	zones := map[string]bool{}
	for _, sn := range a.Subnets {
		if sn.Zone != "" {
			zones[sn.Zone] = true
		}
	}
	a.Zones = slices.Sorted(maps.Keys(zones))
	for _, n := range s.OfType("aws_nat_gateway") {
		nat := NAT{Addr: n.Addr(), Name: n.Tag("Name")}
		if sn, ok := s.Ref(n.Attrs["subnet_id"]); ok {
			nat.Subnet, nat.Zone = sn.Addr(), sn.Str("availability_zone")
		}
		a.NATs = append(a.NATs, nat)
	}
	slices.SortStableFunc(a.NATs, func(x, y NAT) int { return strings.Compare(x.Zone, y.Zone) })
	a.Components = components(s, a)
	a.Flows = flows(s, a)
	a.Services = services(s, a)
	a.Links, a.Names = links(s, a)
	used := map[string]bool{}
	for _, c := range a.Components {
		used[c.Main.Type] = true
	}
	for _, r := range s.Resources {
		if !depicted[r.Type] && !used[r.Type] || isPlainRecord(r) {
			a.Others[r.Type]++
		}
	}
	return a
}

// isPlainRecord tells a DNS record that names no resource of the stack (the
// mail domain's DKIM records), which the diagram does not draw as a name of
// something, from an alias record, which it does.
func isPlainRecord(r Resource) bool {
	return r.Type == "aws_route53_record" && r.Attrs["alias"] == nil
}

func subnets(s *Stack) []Subnet {
	// Route table of each subnet, and the default route of each table.
	tableOf := map[string]Resource{}
	for _, rta := range s.OfType("aws_route_table_association") {
		sn, ok1 := s.Ref(rta.Attrs["subnet_id"])
		rt, ok2 := s.Ref(rta.Attrs["route_table_id"])
		if ok1 && ok2 {
			tableOf[sn.Addr()] = rt
		}
	}
	defaultRoute := map[string]string{}
	addRoute := func(table string, route map[string]any) {
		if route["destination_cidr_block"] != "0.0.0.0/0" {
			return
		}
		for _, k := range []string{"nat_gateway_id", "gateway_id", "transit_gateway_id", "vpc_endpoint_id", "network_interface_id"} {
			if t, ok := s.Ref(route[k]); ok {
				defaultRoute[table] = t.Addr()
				return
			}
		}
	}
	for _, r := range s.OfType("aws_route") {
		if rt, ok := s.Ref(r.Attrs["route_table_id"]); ok {
			addRoute(rt.Addr(), r.Attrs)
		}
	}
	for _, rt := range s.OfType("aws_route_table") {
		for _, inline := range asSlice(rt.Attrs["route"]) {
			addRoute(rt.Addr(), asMap(inline))
		}
	}
	var out []Subnet
	for _, r := range s.OfType("aws_subnet") {
		sn := Subnet{Addr: r.Addr(), Name: r.Tag("Name"), Zone: r.Str("availability_zone"), CIDR: r.Str("cidr_block")}
		if rt, ok := tableOf[sn.Addr]; ok {
			sn.DefaultRoute = defaultRoute[rt.Addr()]
			sn.RouteTable = rt.Tag("Name")
			if sn.RouteTable == "" {
				sn.RouteTable = rt.Addr()
			}
		}
		sn.Tier = strings.ToLower(r.Tag("Tier"))
		if !slices.Contains(tierOrder, sn.Tier) {
			// Without a Tier tag, the default route says what the subnet is for.
			switch {
			case strings.HasPrefix(sn.DefaultRoute, "aws_internet_gateway."):
				sn.Tier = "public"
			case strings.HasPrefix(sn.DefaultRoute, "aws_nat_gateway."):
				sn.Tier = "app"
			case sn.DefaultRoute == "":
				sn.Tier = "data"
			default:
				sn.Tier = "other"
			}
		}
		if sn.Name == "" {
			sn.Name = sn.Addr
		}
		out = append(out, sn)
	}
	slices.SortStableFunc(out, func(x, y Subnet) int {
		if c := slices.Index(tierOrder, x.Tier) - slices.Index(tierOrder, y.Tier); c != 0 {
			return c
		}
		return strings.Compare(x.Zone, y.Zone)
	})
	return out
}

func components(s *Stack, a *Architecture) []*Component {
	tierOf := map[string]string{}
	for _, sn := range a.Subnets {
		tierOf[sn.Addr] = sn.Tier
	}
	var out []*Component
	count := map[string]int{}
	for _, ck := range componentKinds {
		for _, r := range byName(s.OfType(ck.typ), "name", "identifier", "replication_group_id", "creation_token", "comment") {
			c := &Component{Kind: ck.kind, Title: ck.title, Main: r, Members: []Resource{r}}
			c.Members = append(c.Members, members(s, r)...)
			var placement []string
			for _, m := range c.Members {
				for _, addr := range s.RefsIn(m.Attrs) {
					ref := s.Resources[addr]
					switch ref.Type {
					case "aws_security_group":
						c.Groups = append(c.Groups, addr)
					case "aws_subnet":
						placement = append(placement, addr)
					case "aws_db_subnet_group", "aws_elasticache_subnet_group":
						placement = append(placement, s.RefsIn(ref.Attrs["subnet_ids"])...)
					}
				}
			}
			slices.Sort(c.Groups)
			c.Groups = slices.Compact(c.Groups)
			slices.Sort(placement)
			c.Subnets = slices.Compact(placement)
			for _, sn := range c.Subnets {
				if c.Tier == "" || slices.Index(tierOrder, tierOf[sn]) < slices.Index(tierOrder, c.Tier) {
					c.Tier = tierOf[sn]
				}
			}
			c.Details = details(s, c)
			count[c.Kind]++
			out = append(out, c)
		}
	}
	seen := map[string]int{}
	for _, c := range out {
		c.ID = c.Kind
		if count[c.Kind] > 1 {
			seen[c.Kind]++
			c.ID = fmt.Sprintf("%s_%d", c.Kind, seen[c.Kind])
		}
	}
	return out
}

// members are the resources that carry a component's security groups and
// placement besides the main one.
func members(s *Stack, main Resource) []Resource {
	var out []Resource
	switch main.Type {
	case "aws_autoscaling_group":
		// The launch template holds the servers' groups, directly or in a mixed instances policy.
		for _, addr := range s.RefsIn([]any{main.Attrs["launch_template"], main.Attrs["mixed_instances_policy"]}) {
			if r := s.Resources[addr]; r.Type == "aws_launch_template" {
				out = append(out, r)
			}
		}
	case "aws_efs_file_system":
		for _, mt := range s.OfType("aws_efs_mount_target") {
			if fs, ok := s.Ref(mt.Attrs["file_system_id"]); ok && fs.Addr() == main.Addr() {
				out = append(out, mt)
			}
		}
	}
	return out
}

// launchTemplate returns a server group's launch template.
func launchTemplate(c *Component) (Resource, bool) {
	for _, m := range c.Members {
		if m.Type == "aws_launch_template" {
			return m, true
		}
	}
	return Resource{}, false
}

func details(s *Stack, c *Component) []string {
	r := c.Main
	name := firstNonEmpty(r.Str("name"), r.Str("identifier"), r.Str("replication_group_id"), r.Str("creation_token"), r.Tag("Name"))
	var d []string
	if name != "" {
		d = append(d, name)
	}
	switch r.Type {
	case "aws_lb":
		for _, l := range listeners(s, r) {
			d = append(d, l)
		}
	case "aws_autoscaling_group":
		lt, _ := launchTemplate(c)
		size := fmt.Sprintf("%g–%g", r.Num("min_size"), r.Num("max_size"))
		if r.Num("min_size") == r.Num("max_size") {
			size = fmt.Sprintf("%g", r.Num("min_size"))
		}
		d = append(d, fmt.Sprintf("%s × %s", orUnknown(lt.Str("instance_type")), size))
	case "aws_db_instance":
		line := fmt.Sprintf("%s %s, %s", r.Str("engine"), r.Str("engine_version"), r.Str("instance_class"))
		if boolean(r.Attrs["multi_az"]) {
			line += ", Multi-AZ"
		}
		d = append(d, line, fmt.Sprintf("%g GiB %s (up to %g)", r.Num("allocated_storage"), r.Str("storage_type"), r.Num("max_allocated_storage")))
	case "aws_efs_file_system":
		var mounts int
		for _, m := range c.Members {
			if m.Type == "aws_efs_mount_target" {
				mounts++
			}
		}
		d = append(d, fmt.Sprintf("%s throughput, %d mount targets", orUnknown(r.Str("throughput_mode")), mounts))
	case "aws_elasticache_replication_group":
		d = append(d, fmt.Sprintf("%s %s × %g", r.Str("engine"), r.Str("node_type"), r.Num("num_cache_clusters")))
	}
	return d
}

// listeners describes a load balancer's listeners, by port.
func listeners(s *Stack, lb Resource) []string {
	type listener struct {
		port float64
		text string
	}
	var ls []listener
	for _, l := range s.OfType("aws_lb_listener") {
		if ref, ok := s.Ref(l.Attrs["load_balancer_arn"]); !ok || ref.Addr() != lb.Addr() {
			continue
		}
		action := ""
		for _, a := range asSlice(l.Attrs["default_action"]) {
			a := asMap(a)
			switch a["type"] {
			case "forward":
				action = "forward to web servers"
			case "redirect":
				rd := asMap(a["redirect"])
				action = fmt.Sprintf("redirect to %v :%v", rd["protocol"], rd["port"])
			default:
				action = fmt.Sprint(a["type"])
			}
		}
		ls = append(ls, listener{l.Num("port"), fmt.Sprintf("%s :%g → %s", l.Str("protocol"), l.Num("port"), action)})
	}
	slices.SortFunc(ls, func(x, y listener) int { return int(x.port - y.port) })
	var out []string
	for _, l := range ls {
		out = append(out, l.text)
	}
	return out
}

func flows(s *Stack, a *Architecture) []Flow {
	holders := map[string][]string{} // security group → component IDs
	for _, c := range a.Components {
		for _, g := range c.Groups {
			holders[g] = append(holders[g], c.ID)
		}
	}
	type key struct{ from, to, group string }
	ports := map[key][]string{}
	var order []key
	add := func(k key, p string) {
		if _, ok := ports[k]; !ok {
			order = append(order, k)
		}
		if !slices.Contains(ports[k], p) {
			ports[k] = append(ports[k], p)
		}
	}
	peer := func(rule Resource) []string {
		if g, ok := s.Ref(rule.Attrs["referenced_security_group_id"]); ok {
			return holders[g.Addr()]
		}
		for _, k := range []string{"cidr_ipv4", "cidr_ipv6"} {
			if c := rule.Str(k); c != "" {
				if c == "0.0.0.0/0" || c == "::/0" {
					return []string{"internet"}
				}
				return []string{c}
			}
		}
		if pl := rule.Str("prefix_list_id"); pl != "" {
			// In front of a load balancer, a managed prefix list is CloudFront's
			// origin-facing one: draw the flow from the CDN.
			for _, c := range a.Components {
				if c.Kind == "cdn" {
					return []string{c.ID}
				}
			}
			return []string{"prefix list"}
		}
		return nil
	}
	for _, rule := range s.OfType("aws_vpc_security_group_ingress_rule") {
		g, ok := s.Ref(rule.Attrs["security_group_id"])
		if !ok {
			continue
		}
		for _, from := range peer(rule) {
			for _, to := range holders[g.Addr()] {
				// A group that admits its own members (EFS: the mount targets and
				// the servers) is drawn one way: from client to server, in the
				// order components are listed.
				if from != to && (!slices.Contains(holders[g.Addr()], from) || rank(a, from) < rank(a, to)) {
					add(key{from, to, groupName(g)}, portRange(rule))
				}
			}
		}
	}
	// Egress to address ranges has no ingress rule on the other side: draw it too.
	for _, rule := range s.OfType("aws_vpc_security_group_egress_rule") {
		g, ok := s.Ref(rule.Attrs["security_group_id"])
		if !ok || rule.Attrs["referenced_security_group_id"] != nil {
			continue
		}
		for _, from := range holders[g.Addr()] {
			for _, to := range peer(rule) {
				add(key{from, "egress:" + to, groupName(g)}, portRange(rule))
			}
		}
	}
	var out []Flow
	for _, k := range order {
		p := ports[k]
		slices.SortFunc(p, comparePorts)
		f := Flow{From: k.from, To: k.to, Ports: p, Group: k.group}
		if rest, ok := strings.CutPrefix(k.to, "egress:"); ok {
			f.To, f.Egress = rest, true
		}
		out = append(out, f)
	}
	slices.SortStableFunc(out, func(x, y Flow) int {
		return strings.Compare(x.From+"\x00"+x.To, y.From+"\x00"+y.To)
	})
	return out
}

// rank is a component's position in Components.
func rank(a *Architecture, id string) int {
	return slices.IndexFunc(a.Components, func(c *Component) bool { return c.ID == id })
}

func groupName(g Resource) string {
	return firstNonEmpty(g.Str("name"), g.Tag("Name"), g.Addr())
}

func portRange(rule Resource) string {
	if p := rule.Str("ip_protocol"); p == "-1" || p == "all" {
		return "all"
	}
	from, to := rule.Num("from_port"), rule.Num("to_port")
	if from == to {
		return fmt.Sprintf("%g", from)
	}
	return fmt.Sprintf("%g-%g", from, to)
}

func comparePorts(x, y string) int {
	var a, b float64
	fmt.Sscan(x, &a)
	fmt.Sscan(y, &b)
	if a != b {
		if a < b {
			return -1
		}
		return 1
	}
	return strings.Compare(x, y)
}

func services(s *Stack, a *Architecture) []Service {
	var out []Service
	web := ""
	for _, c := range a.Components {
		if c.Kind == "web" {
			web = c.ID
			break
		}
	}
	policies := ""
	for _, p := range s.OfType("aws_iam_role_policy", "aws_iam_policy") {
		policies += p.Str("policy")
	}
	for _, db := range s.OfType("aws_db_instance", "aws_rds_cluster") {
		if !boolean(db.Attrs["manage_master_user_password"]) {
			continue
		}
		sv := Service{ID: "secret", Title: "Secrets Manager", Details: []string{"database credentials (RDS-managed, rotated)"}}
		if web != "" && strings.Contains(policies, "${"+db.Addr()+".master_user_secret") {
			sv.From, sv.Label = web, "reads credentials"
		}
		out = append(out, sv)
		break
	}
	flowLogs := map[string]bool{}
	for _, fl := range s.OfType("aws_flow_log") {
		if lg, ok := s.Ref(fl.Attrs["log_destination"]); ok {
			flowLogs[lg.Addr()] = true
		}
	}
	if groups := byName(s.OfType("aws_cloudwatch_log_group"), "name"); len(groups) > 0 {
		sv := Service{ID: "logs", Title: "CloudWatch Logs"}
		for _, lg := range groups {
			line := fmt.Sprintf("%s (%s)", lg.Str("name"), logGroupTerms(s, lg))
			if flowLogs[lg.Addr()] {
				line = "VPC flow logs: " + line
			}
			sv.Details = append(sv.Details, line)
		}
		out = append(out, sv)
	}
	for _, t := range byName(s.OfType("aws_sns_topic"), "name") {
		var subs int
		for _, sub := range s.OfType("aws_sns_topic_subscription") {
			if ref, ok := s.Ref(sub.Attrs["topic_arn"]); ok && ref.Addr() == t.Addr() {
				subs++
			}
		}
		out = append(out, Service{ID: nodeID("topic " + t.Str("name")), Title: "SNS topic",
			Details: []string{firstNonEmpty(t.Str("name"), t.Tag("Name")), fmt.Sprintf("%d subscriptions", subs)}})
	}
	if alarms, dashboards := s.OfType("aws_cloudwatch_metric_alarm"), s.OfType("aws_cloudwatch_dashboard"); len(alarms)+len(dashboards) > 0 {
		sv := Service{ID: "monitoring", Title: "CloudWatch monitoring", Details: []string{fmt.Sprintf("%d alarms", len(alarms))}}
		for _, d := range byName(dashboards, "dashboard_name") {
			sv.Details = append(sv.Details, "dashboard "+d.Str("dashboard_name"))
		}
		out = append(out, sv)
	}
	for _, b := range byName(s.OfType("aws_s3_bucket"), "bucket") {
		sv := Service{ID: nodeID("bucket " + b.Str("bucket") + b.Str("bucket_prefix")), Title: "S3 bucket", Details: []string{firstNonEmpty(b.Str("bucket"), b.Str("bucket_prefix")+"…", b.Tag("Name"))}}
		for _, c := range a.Components {
			if c.Kind == "alb" || c.Kind == "cdn" {
				for _, addr := range s.RefsIn([]any{c.Main.Attrs["access_logs"], c.Main.Attrs["logging_config"]}) {
					if addr == b.Addr() {
						sv.From, sv.Label = c.ID, "access logs"
					}
				}
			}
		}
		out = append(out, sv)
	}
	for _, att := range s.OfType("aws_iam_role_policy_attachment") {
		if strings.HasSuffix(att.Str("policy_arn"), "/AmazonSSMManagedInstanceCore") {
			out = append(out, Service{ID: "ssm", Title: "Systems Manager", Details: []string{"Session Manager shell access"}, From: web, Label: "agent (HTTPS via NAT)"})
			break
		}
	}
	if s.Backend == "s3" {
		out = append(out, Service{ID: "state", Title: "S3 state bucket",
			Details: []string{fmt.Sprint(s.BackendSettings["bucket"]), fmt.Sprint(s.BackendSettings["key"])}})
	}
	return out
}

// links finds a CDN's origin, what a firewall protects, and DNS names.
func links(s *Stack, a *Architecture) (out []Link, names []Service) {
	byAddr := map[string]string{}
	for _, c := range a.Components {
		byAddr[c.Main.Addr()] = c.ID
	}
	for _, c := range a.Components {
		switch c.Kind {
		case "cdn":
			out = append(out, Link{From: "internet", To: c.ID, Label: "HTTPS · viewers", Traffic: true})
			for _, addr := range s.RefsIn(c.Main.Attrs["origin"]) {
				if to, ok := byAddr[addr]; ok {
					out = append(out, Link{From: c.ID, To: to, Label: "origin", Traffic: true})
				}
			}
			for _, addr := range s.RefsIn(c.Main.Attrs["web_acl_id"]) {
				if waf, ok := byAddr[addr]; ok {
					out = append(out, Link{From: waf, To: c.ID, Label: "filters"})
				}
			}
		}
	}
	for _, assoc := range s.OfType("aws_wafv2_web_acl_association") {
		waf, ok1 := s.Ref(assoc.Attrs["web_acl_arn"])
		target, ok2 := s.Ref(assoc.Attrs["resource_arn"])
		if ok1 && ok2 && byAddr[waf.Addr()] != "" && byAddr[target.Addr()] != "" {
			out = append(out, Link{From: byAddr[waf.Addr()], To: byAddr[target.Addr()], Label: "filters"})
		}
	}
	for _, rec := range byName(s.OfType("aws_route53_record"), "name") {
		for _, addr := range s.RefsIn(rec.Attrs["alias"]) {
			if to, ok := byAddr[addr]; ok {
				names = append(names, Service{ID: nodeID("dns " + rec.Str("type") + " " + rec.Str("name")), Title: "DNS " + rec.Str("type"),
					Details: []string{rec.Str("name")}, From: to, Label: "alias"})
			}
		}
	}
	return out, names
}

// byName orders resources by the first of the attributes they have (their
// name), not by address, so that a rename does not reorder what is drawn.
func byName(rs []Resource, attrs ...string) []Resource {
	key := func(r Resource) string {
		for _, a := range attrs {
			if v := r.Str(a); v != "" {
				return v
			}
		}
		return r.Tag("Name")
	}
	slices.SortStableFunc(rs, func(x, y Resource) int { return strings.Compare(key(x), key(y)) })
	return rs
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func orUnknown(s string) string {
	if s == "" {
		return "?"
	}
	return s
}

// logGroupTerms is how long a log group keeps its events, and where it is
// when that is not the stack's region: "90 days" or "90 days, us-east-1".
func logGroupTerms(s *Stack, lg Resource) string {
	terms := fmt.Sprintf("%g days", lg.Num("retention_in_days"))
	if region := s.ElsewhereRegion(lg); region != "" {
		terms += ", " + region
	}
	return terms
}
