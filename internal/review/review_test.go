package review

import (
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
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
	if diff := cmp.Diff(map[string]int{"aws_iam_role_policy": 1, "aws_efs_backup_policy": 1, "aws_sns_topic": 1}, a.Others); diff != "" {
		t.Errorf("other resources (-want +got):\n%s", diff)
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
		"--vpc-security-group-ids <id of DB> --no-publicly-accessible --manage-master-user-password",
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
