package review

import (
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wordpress-cdktf/resilient-wordpress/internal/review/reviewtest"
)

// small is a hand-written two-zone stack (testdata/small.tf.json) whose
// subnets carry no Tier tag, so their tier comes from their routes.
func small(t *testing.T) (*Stack, map[string]any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "small.tf.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	return FromDocument("small", doc), doc
}

func TestAnalyze(t *testing.T) {
	s, _ := small(t)
	a := Analyze(s)

	type subnet struct{ Name, Tier, Zone, Route string }
	var gotSubnets []subnet
	for _, sn := range a.Subnets {
		gotSubnets = append(gotSubnets, subnet{sn.Name, sn.Tier, sn.Zone, sn.DefaultRoute})
	}
	wantSubnets := []subnet{
		{"Public-A", "public", "us-east-1a", "aws_internet_gateway.igw"},
		{"Public-B", "public", "us-east-1b", "aws_internet_gateway.igw"},
		{"App-A", "app", "us-east-1a", "aws_nat_gateway.nat_a"},
		{"App-B", "app", "us-east-1b", "aws_nat_gateway.nat_b"},
		{"Data-A", "data", "us-east-1a", ""},
		{"Data-B", "data", "us-east-1b", ""},
	}
	if diff := cmp.Diff(wantSubnets, gotSubnets); diff != "" {
		t.Errorf("subnets (-want +got):\n%s", diff)
	}

	type component struct{ ID, Tier string }
	var gotComponents []component
	for _, c := range a.Components {
		gotComponents = append(gotComponents, component{c.ID, c.Tier})
	}
	wantComponents := []component{{"alb", "public"}, {"web", "app"}, {"db", "data"}, {"efs", "data"}}
	if diff := cmp.Diff(wantComponents, gotComponents); diff != "" {
		t.Errorf("components (-want +got):\n%s", diff)
	}

	// The EFS group admits its own members: drawn once, servers to file system.
	wantFlows := []Flow{
		{From: "192.168.0.0/16", To: "db", Ports: []string{"3306"}, Group: "DB"},
		{From: "alb", To: "web", Ports: []string{"80"}, Group: "Web"},
		{From: "internet", To: "alb", Ports: []string{"443"}, Group: "LB"},
		{From: "web", To: "db", Ports: []string{"3306"}, Group: "DB"},
		{From: "web", To: "efs", Ports: []string{"2049"}, Group: "Files"},
		{From: "web", To: "internet", Ports: []string{"443"}, Group: "Web", Egress: true},
	}
	if diff := cmp.Diff(wantFlows, a.Flows); diff != "" {
		t.Errorf("flows (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]int{"aws_iam_role_policy": 1, "aws_efs_backup_policy": 1}, a.Others); diff != "" {
		t.Errorf("other resources (-want +got):\n%s", diff)
	}
}

// withOptionalParts adds to the small stack what optional features bring:
// a CDN with a firewall and a DNS name in front of the load balancer (which
// then admits only CloudFront's prefix list), an object cache, alarms and an
// access-log bucket.
func withOptionalParts(t *testing.T) map[string]any {
	t.Helper()
	_, doc := small(t)
	var extra map[string]any
	err := json.Unmarshal([]byte(`{
	  "aws_cloudfront_distribution": {"cdn": {"comment": "small", "web_acl_id": "${aws_wafv2_web_acl.edge.arn}",
	    "origin": [{"domain_name": "${aws_lb.front.dns_name}", "origin_id": "alb"}]}},
	  "aws_wafv2_web_acl": {"edge": {"name": "small-edge", "scope": "CLOUDFRONT"}},
	  "aws_route53_record": {"site": {"name": "www.example.com", "type": "A",
	    "alias": {"name": "${aws_cloudfront_distribution.cdn.domain_name}", "zone_id": "${aws_cloudfront_distribution.cdn.hosted_zone_id}"}}},
	  "aws_elasticache_subnet_group": {"cache": {"name": "small-cache", "subnet_ids": ["${aws_subnet.data_a.id}", "${aws_subnet.data_b.id}"]}},
	  "aws_elasticache_replication_group": {"cache": {"replication_group_id": "small-cache", "engine": "valkey", "node_type": "cache.t4g.micro",
	    "num_cache_clusters": 2, "subnet_group_name": "${aws_elasticache_subnet_group.cache.name}", "security_group_ids": ["${aws_security_group.cache.id}"]}},
	  "aws_security_group": {"cache": {"name": "InternalCache"}},
	  "aws_cloudwatch_metric_alarm": {"a": {"alarm_name": "5xx"}, "b": {"alarm_name": "cpu"}},
	  "aws_s3_bucket": {"logs": {"bucket": "small-alb-logs"}}
	}`), &extra)
	if err != nil {
		t.Fatal(err)
	}
	res := doc["resource"].(map[string]any)
	for typ, byName := range extra {
		if res[typ] == nil {
			res[typ] = map[string]any{}
		}
		for name, r := range byName.(map[string]any) {
			res[typ].(map[string]any)[name] = r
		}
	}
	rules := res["aws_vpc_security_group_ingress_rule"].(map[string]any)
	rules["cache"] = map[string]any{"security_group_id": "${aws_security_group.cache.id}", "referenced_security_group_id": "${aws_security_group.web.id}", "ip_protocol": "tcp", "from_port": 6379.0, "to_port": 6379.0}
	rules["lb_443"].(map[string]any)["prefix_list_id"] = "${data.aws_ec2_managed_prefix_list.cloudfront.id}"
	delete(rules["lb_443"].(map[string]any), "cidr_ipv4")
	res["aws_lb"].(map[string]any)["front"].(map[string]any)["access_logs"] = map[string]any{"bucket": "${aws_s3_bucket.logs.id}", "enabled": true}
	return doc
}

func TestOptionalParts(t *testing.T) {
	doc := withOptionalParts(t)
	s := FromDocument("small", doc)
	a := Analyze(s)
	var components []string
	for _, c := range a.Components {
		components = append(components, c.ID+"@"+c.Tier)
	}
	if diff := cmp.Diff([]string{"cdn@", "waf@", "alb@public", "web@app", "db@data", "efs@data", "cache@data"}, components); diff != "" {
		t.Errorf("components (-want +got):\n%s", diff)
	}
	wantFlows := []Flow{
		{From: "alb", To: "web", Ports: []string{"80"}, Group: "Web"},
		{From: "cdn", To: "alb", Ports: []string{"443"}, Group: "LB"}, // the prefix list
		{From: "web", To: "cache", Ports: []string{"6379"}, Group: "InternalCache"},
	}
	for _, f := range wantFlows {
		if !slices.ContainsFunc(a.Flows, func(g Flow) bool { return cmp.Equal(f, g) }) {
			t.Errorf("no flow %+v in %+v", f, a.Flows)
		}
	}
	wantLinks := []Link{
		{From: "internet", To: "cdn", Label: "HTTPS · viewers", Traffic: true},
		{From: "cdn", To: "alb", Label: "origin", Traffic: true},
		{From: "waf", To: "cdn", Label: "filters"},
	}
	if diff := cmp.Diff(wantLinks, a.Links); diff != "" {
		t.Errorf("links (-want +got):\n%s", diff)
	}
	mmd := string(Mermaid(s))
	for _, want := range []string{"DNS A<br/>www.example.com", "dns_a_www_example_com -.->|\"alias\"| cdn", "CloudWatch monitoring<br/>2 alarms",
		"alb -.->|\"access logs\"| bucket_small_alb_logs", "ElastiCache replication group<br/>small-cache<br/>valkey cache.t4g.micro × 2"} {
		if !strings.Contains(mmd, want) {
			t.Errorf("diagram.mmd lacks %q:\n%s", want, mmd)
		}
	}
	if len(a.Others) != 2 { // the small stack's IAM policy and EFS backup policy
		t.Errorf("other resources: %v", a.Others)
	}
	renamed, err := reviewtest.Rename(doc)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Files(s), Files(FromDocument("small", renamed))); diff != "" {
		t.Errorf("renamed addresses changed the review files (-want +got):\n%s", diff)
	}
	e := EstimateCost(s, Prices())
	if e.Complete || !strings.Contains(string(e.Markdown()), "no price: aws_elasticache_replication_group is not in the price table") {
		t.Errorf("the cache should get a no-price line:\n%s", e.Markdown())
	}
}

// TestEstimateArithmetic prices the small stack with round numbers; every
// figure below is computed by hand.
func TestEstimateArithmetic(t *testing.T) {
	s, _ := small(t)
	s.Region = "test-1"
	table := PriceTable{
		HoursPerMonth: 100,
		Assumptions:   PriceAssumptions{EFSStandardGB: 10, ALBLCU: 2},
		Regions: map[string]RegionPrices{"test-1": {
			EC2Hour:                   map[string]float64{"t4g.small": 0.5},
			RDSMySQLSingleAZHour:      map[string]float64{"db.t4g.medium": 1},
			RDSGP3GBMonthSingleAZ:     0.1,
			EBSGP3GBMonth:             0.1,
			NATGatewayHour:            0.25,
			ALBHour:                   0.2,
			ALBLCUHour:                0.01,
			PublicIPv4Hour:            0.01,
			EFSStandardGBMonth:        0.3,
			SecretsManagerSecretMonth: 0.4,
		}},
	}
	e := EstimateCost(s, table)
	got := map[string][2]float64{}
	for _, l := range e.Lines {
		if l.NoPrice != "" {
			t.Errorf("%s: %s", l.Item, l.NoPrice)
		}
		got[strings.Fields(l.Item)[0]+" "+strings.Fields(l.Item)[1]] = [2]float64{l.Monthly, l.MonthlyAtMax}
	}
	want := map[string][2]float64{
		"Application Load": {20, 20},   // 0.2 × 100 h
		"ALB capacity":     {2, 2},     // 2 LCU × 100 h × 0.01
		"Web servers":      {100, 200}, // 2 (max 4) × 0.5 × 100 h
		"Server root":      {3.2, 6.4}, // 2 (max 4) × 16 GB × 0.1
		"RDS mysql":        {200, 200}, // Multi-AZ: 2 × 1 × 100 h
		"RDS storage":      {4, 4},     // 2 × 20 GB × 0.1
		"Secrets Manager":  {0.4, 0.4},
		"EFS storage":      {3, 3},   // 10 GB × 0.3
		"NAT gateways":     {50, 50}, // 2 × 0.25 × 100 h
		"Public IPv4":      {4, 4},   // (2 Elastic IPs + 2 load balancer subnets) × 0.01 × 100 h
	}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(x, y float64) bool { return math.Abs(x-y) < 1e-9 })); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
	if math.Abs(e.Total-386.6) > 1e-9 || math.Abs(e.TotalAtMax-489.8) > 1e-9 || !e.Complete {
		t.Errorf("total %v, at max %v, complete %v; want 386.6, 489.8, true", e.Total, e.TotalAtMax, e.Complete)
	}
}

// TestPinnedPrices checks the pinned us-east-1 table on the small stack,
// whose sizes are the default configuration's, against a hand sum.
func TestPinnedPrices(t *testing.T) {
	s, _ := small(t)
	e := EstimateCost(s, Prices())
	// 2 × 0.0168 × 730 (t4g.small) + 2 × 16 × 0.08 (root volumes)
	// + 2 × 0.065 × 730 (db.t4g.medium Multi-AZ) + 2 × 20 × 0.115 (storage) + 0.40 (secret)
	// + 0.0225 × 730 (ALB) + 1 × 0.008 × 730 (LCU) + 5 × 0.30 (EFS)
	// + 2 × 0.045 × 730 (NAT) + 4 × 0.005 × 730 (public IPv4)
	want := 24.528 + 2.56 + 94.9 + 4.6 + 0.4 + 16.425 + 5.84 + 1.5 + 65.7 + 14.6
	if math.Abs(e.Total-want) > 1e-9 {
		t.Errorf("total %v, want %v", e.Total, want)
	}
	if got := e.Summary(); got != "~$231.05/month" {
		t.Errorf("summary %q, want ~$231.05/month", got)
	}
	p := Prices()
	if p.AsOf == "" || p.Source == "" || p.HoursPerMonth != 730 {
		t.Errorf("price table without date, source or 730 hours: %+v", p)
	}
	md := string(e.Markdown())
	for _, want := range []string{"Prices as of " + p.AsOf, "Assumptions:", "| **Total** | | | **231.05** |"} {
		if !strings.Contains(md, want) {
			t.Errorf("cost.md lacks %q", want)
		}
	}
}

func TestNoPrice(t *testing.T) {
	tests := []struct {
		name        string
		edit        func(doc map[string]any)
		wantSummary string
		wantLines   []string
	}{
		{
			name: "unknown region",
			edit: func(doc map[string]any) {
				doc["provider"] = map[string]any{"aws": []any{map[string]any{"region": "xx-test-1"}}}
			},
			wantSummary: "no price for region xx-test-1",
			wantLines:   []string{"**No price: region xx-test-1 is not in the price table**", "| **Total** | | | — | — |"},
		},
		{
			name: "unknown instance type",
			edit: func(doc map[string]any) {
				lt := doc["resource"].(map[string]any)["aws_launch_template"].(map[string]any)["lt"].(map[string]any)
				lt["instance_type"] = "t9.huge"
			},
			wantSummary: "~$206.53/month + items without a price", // 231.053 - 24.528 (the servers)
			wantLines:   []string{"| Web servers small-web (t9.huge, 2 to 4) | 2 × 730 h | no price for instance type t9.huge in us-east-1 | — | — |", "items without a price are not included"},
		},
		{
			name: "unknown database class",
			edit: func(doc map[string]any) {
				db := doc["resource"].(map[string]any)["aws_db_instance"].(map[string]any)["db"].(map[string]any)
				db["instance_class"] = "db.x9.huge"
			},
			wantSummary: "~$136.15/month + items without a price", // 231.053 - 94.9 (the database)
			wantLines:   []string{"| RDS mysql small-mysql (db.x9.huge, Multi-AZ: primary and standby) | 2 × 730 h | no price for mysql db.x9.huge in us-east-1 | — | — |"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, doc := small(t)
			tt.edit(doc)
			e := EstimateCost(FromDocument("small", doc), Prices())
			if got := e.Summary(); got != tt.wantSummary {
				t.Errorf("summary %q, want %q", got, tt.wantSummary)
			}
			md := string(e.Markdown())
			for _, l := range tt.wantLines {
				if !strings.Contains(md, l) {
					t.Errorf("cost.md lacks %q:\n%s", l, md)
				}
			}
		})
	}
}

func TestRunbookNames(t *testing.T) {
	s, _ := small(t)
	rb := string(Runbook(s))
	for _, want := range []string{
		"`small-web` (2 to 4 × `t4g.small`)",
		"aws ssm start-session",
		"`/var/log/boot.log` on the server; `journalctl -t boot`",
		"sudo systemctl start app-creds.service",
		"`app-creds.timer` repeats that every 5min",
		"Values=small-web",
		"`/etc/app/creds.php`",
		"with the ARN of the `secret`",
		"aws rds reboot-db-instance --db-instance-identifier small-mysql --force-failover",
		"--db-subnet-group-name small-data --db-parameter-group-name <parameter group>",
		"# the live instance's security groups (DB), for the restored one",
		"SG_IDS=$(aws rds describe-db-instances --db-instance-identifier small-mysql \\\n  --query 'DBInstances[0].VpcSecurityGroups[].VpcSecurityGroupId' --output text)",
		"--vpc-security-group-ids $SG_IDS --no-publicly-accessible --manage-master-user-password",
		"the efs output",
		"its own NAT gateway",
	} {
		if !strings.Contains(rb, want) {
			t.Errorf("runbook lacks %q", want)
		}
	}
}

// TestRenameChangesNothing: the outputs find every part by type, attributes
// and references, so other addresses give the same files.
func TestRenameChangesNothing(t *testing.T) {
	s, doc := small(t)
	renamed, err := reviewtest.Rename(doc)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := renamed["resource"].(map[string]any)["aws_lb"].(map[string]any)["front"]; ok {
		t.Fatal("rename kept the load balancer's name")
	}
	want, got := Files(s), Files(FromDocument("small", renamed))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("renamed addresses changed the review files (-want +got):\n%s", diff)
	}
}

// TestDOTRenders runs Graphviz over the diagram when it is installed
// (scripts/tools.sh graphviz; make synth needs it, synthesis does not).
func TestDOTRenders(t *testing.T) {
	dot, err := exec.LookPath("dot")
	if err != nil {
		t.Skip("Graphviz dot is not installed (bash scripts/tools.sh graphviz)")
	}
	s, _ := small(t)
	cmd := exec.Command(dot, "-Tsvg")
	cmd.Stdin = strings.NewReader(string(DOT(s)))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("dot: %v\n%s", err, out)
	}
	for _, want := range []string{"Application Load Balancer", "NAT gateway", "3306 · DB", "10.0.9.0/24"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
}
