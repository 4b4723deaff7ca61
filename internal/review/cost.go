package review

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// prices.json is the pinned price table: list prices of one date, named with
// their source, read at synthesis without any network. Update it by hand
// (date, source and figures together) when AWS changes a price.
//
//go:embed prices.json
var pricesJSON []byte

// PriceTable is the pinned price table.
type PriceTable struct {
	AsOf          string                  `json:"as_of"`
	Source        string                  `json:"source"`
	Currency      string                  `json:"currency"`
	HoursPerMonth float64                 `json:"hours_per_month"`
	Assumptions   PriceAssumptions        `json:"assumptions"`
	Regions       map[string]RegionPrices `json:"regions"`
}

// PriceAssumptions are the usage figures the estimate assumes where the
// stack does not say.
type PriceAssumptions struct {
	// EFSStandardGB is the web root's size (WordPress and uploads).
	EFSStandardGB float64 `json:"efs_standard_gb"`
	// ALBLCU is the load balancer's average capacity units (light traffic).
	ALBLCU float64 `json:"alb_lcu"`
}

// RegionPrices are one region's list prices.
type RegionPrices struct {
	EC2Hour                   map[string]float64 `json:"ec2_hour"`
	RDSMySQLSingleAZHour      map[string]float64 `json:"rds_mysql_single_az_hour"`
	RDSGP3GBMonthSingleAZ     float64            `json:"rds_gp3_gb_month_single_az"`
	EBSGP3GBMonth             float64            `json:"ebs_gp3_gb_month"`
	NATGatewayHour            float64            `json:"nat_gateway_hour"`
	NATGatewayGB              float64            `json:"nat_gateway_gb"`
	ALBHour                   float64            `json:"alb_hour"`
	ALBLCUHour                float64            `json:"alb_lcu_hour"`
	PublicIPv4Hour            float64            `json:"public_ipv4_hour"`
	EFSStandardGBMonth        float64            `json:"efs_standard_gb_month"`
	SecretsManagerSecretMonth float64            `json:"secrets_manager_secret_month"`
	CloudWatchLogsIngestGB    float64            `json:"cloudwatch_logs_ingest_gb"`
	KMSKeyMonth               float64            `json:"kms_key_month"`
	// CloudWatchAlarmMetricMonth is a standard-resolution alarm's price per
	// metric it evaluates (an alarm on an expression pays for each input).
	CloudWatchAlarmMetricMonth float64 `json:"cloudwatch_alarm_metric_month"`
	CloudWatchDashboardMonth   float64 `json:"cloudwatch_dashboard_month"`
}

// Prices returns the pinned price table.
func Prices() PriceTable {
	var t PriceTable
	if err := json.Unmarshal(pricesJSON, &t); err != nil {
		panic(fmt.Sprintf("review: embedded prices.json: %v", err)) // a build-time fault, covered by tests
	}
	return t
}

// CostLine is one item of an estimate. Without a price, Monthly is 0 and
// NoPrice says why.
type CostLine struct {
	Item, Quantity, UnitPrice string
	Monthly                   float64
	// MonthlyAtMax is the item at the scaling groups' maximum size.
	MonthlyAtMax float64
	NoPrice      string
}

// Estimate is a stack's monthly cost at list price.
type Estimate struct {
	Stack, Region string
	Lines         []CostLine
	// Total and TotalAtMax sum the priced lines (minimum and maximum size of
	// the scaling groups).
	Total, TotalAtMax float64
	// Complete is false when a line has no price.
	Complete bool
	Table    PriceTable
}

// EstimateCost prices a stack with a price table.
func EstimateCost(s *Stack, t PriceTable) Estimate {
	e := Estimate{Stack: s.Name, Region: s.Region, Complete: true, Table: t}
	p, regionKnown := t.Regions[s.Region]
	h := t.HoursPerMonth
	add := func(l CostLine) {
		if !regionKnown {
			l.Monthly, l.MonthlyAtMax = 0, 0
			l.UnitPrice = ""
			l.NoPrice = fmt.Sprintf("no price: region %s is not in the price table", orUnknown(s.Region))
		}
		if l.NoPrice != "" {
			e.Complete = false
		}
		if l.MonthlyAtMax == 0 {
			l.MonthlyAtMax = l.Monthly
		}
		e.Total += l.Monthly
		e.TotalAtMax += l.MonthlyAtMax
		e.Lines = append(e.Lines, l)
	}
	hourly := func(item string, count float64, rate float64, ok bool, what string) CostLine {
		l := CostLine{Item: item, Quantity: fmt.Sprintf("%g × %g h", count, h)}
		if !ok {
			l.NoPrice = fmt.Sprintf("no price for %s in %s", what, s.Region)
			return l
		}
		l.UnitPrice = fmt.Sprintf("$%g/h", rate)
		l.Monthly = count * rate * h
		return l
	}

	a := Analyze(s)
	for _, c := range a.Components {
		switch c.Main.Type {
		case "aws_autoscaling_group":
			lt, _ := launchTemplate(c)
			typ := lt.Str("instance_type")
			minN, maxN := c.Main.Num("min_size"), c.Main.Num("max_size")
			rate, ok := p.EC2Hour[typ]
			l := hourly(fmt.Sprintf("Web servers %s (%s, %g to %g)", c.Main.Str("name"), orUnknown(typ), minN, maxN), minN, rate, ok, "instance type "+orUnknown(typ))
			l.MonthlyAtMax = maxN * rate * h
			add(l)
			var gb float64
			for _, bd := range asSlice(lt.Attrs["block_device_mappings"]) {
				ebs := asMap(asMap(bd)["ebs"])
				if ebs["volume_type"] == "gp3" {
					gb += num(ebs["volume_size"])
				}
			}
			if gb > 0 {
				add(CostLine{
					Item: "Server root volumes (gp3)", Quantity: fmt.Sprintf("%g × %g GB", minN, gb),
					UnitPrice: fmt.Sprintf("$%g/GB-month", p.EBSGP3GBMonth),
					Monthly:   minN * gb * p.EBSGP3GBMonth, MonthlyAtMax: maxN * gb * p.EBSGP3GBMonth,
				})
			}
		case "aws_db_instance":
			class := c.Main.Str("instance_class")
			copies, az := 1.0, "Single-AZ"
			if boolean(c.Main.Attrs["multi_az"]) {
				copies, az = 2, "Multi-AZ: primary and standby"
			}
			rate, ok := p.RDSMySQLSingleAZHour[class]
			if c.Main.Str("engine") != "mysql" {
				ok = false
			}
			add(hourly(fmt.Sprintf("RDS %s %s (%s, %s)", c.Main.Str("engine"), c.Main.Str("identifier"), class, az), copies, rate, ok, c.Main.Str("engine")+" "+class))
			gb := c.Main.Num("allocated_storage")
			l := CostLine{Item: fmt.Sprintf("RDS storage (%s, %s)", c.Main.Str("storage_type"), az), Quantity: fmt.Sprintf("%g × %g GB", copies, gb)}
			if c.Main.Str("storage_type") == "gp3" {
				l.UnitPrice = fmt.Sprintf("$%g/GB-month", p.RDSGP3GBMonthSingleAZ)
				l.Monthly = copies * gb * p.RDSGP3GBMonthSingleAZ
			} else {
				l.NoPrice = "no price for RDS storage type " + orUnknown(c.Main.Str("storage_type"))
			}
			add(l)
			if boolean(c.Main.Attrs["manage_master_user_password"]) {
				add(CostLine{Item: "Secrets Manager secret (database credentials)", Quantity: "1",
					UnitPrice: fmt.Sprintf("$%g/month", p.SecretsManagerSecretMonth), Monthly: p.SecretsManagerSecretMonth})
			}
		case "aws_lb":
			if c.Main.Str("load_balancer_type") != "" && c.Main.Str("load_balancer_type") != "application" {
				add(CostLine{Item: "Load balancer " + c.Main.Str("name"), NoPrice: "no price for load balancer type " + c.Main.Str("load_balancer_type")})
				continue
			}
			add(hourly("Application Load Balancer "+c.Main.Str("name"), 1, p.ALBHour, true, ""))
			lcu := t.Assumptions.ALBLCU
			add(CostLine{Item: "ALB capacity units (assumed average)", Quantity: fmt.Sprintf("%g LCU × %g h", lcu, h),
				UnitPrice: fmt.Sprintf("$%g/LCU-h", p.ALBLCUHour), Monthly: lcu * h * p.ALBLCUHour})
		case "aws_efs_file_system":
			gb := t.Assumptions.EFSStandardGB
			add(CostLine{Item: "EFS storage " + firstNonEmpty(c.Main.Str("creation_token"), c.Main.Tag("Name")) + " (Standard, assumed size)",
				Quantity: fmt.Sprintf("%g GB", gb), UnitPrice: fmt.Sprintf("$%g/GB-month", p.EFSStandardGBMonth), Monthly: gb * p.EFSStandardGBMonth})
		default:
			add(CostLine{Item: c.Title + " " + firstNonEmpty(c.Details...), NoPrice: "no price: " + c.Main.Type + " is not in the price table"})
		}
	}
	// Secrets the stack creates itself (the RDS-managed one is priced with
	// its database above).
	for _, sec := range s.OfType("aws_secretsmanager_secret") {
		add(CostLine{Item: "Secrets Manager secret " + firstNonEmpty(sec.Str("name"), sec.Str("name_prefix")+"…"), Quantity: "1",
			UnitPrice: fmt.Sprintf("$%g/month", p.SecretsManagerSecretMonth), Monthly: p.SecretsManagerSecretMonth})
	}
	if n := float64(len(s.OfType("aws_kms_key"))); n > 0 {
		add(CostLine{Item: "KMS customer managed keys", Quantity: fmt.Sprintf("%g", n),
			UnitPrice: fmt.Sprintf("$%g/month", p.KMSKeyMonth), Monthly: n * p.KMSKeyMonth})
	}
	var alarms, metrics float64
	for _, al := range s.OfType("aws_cloudwatch_metric_alarm") {
		alarms++
		inputs := 0
		for _, q := range asSlice(al.Attrs["metric_query"]) {
			if q, _ := q.(map[string]any); q != nil && q["metric"] != nil {
				inputs++
			}
		}
		metrics += float64(max(inputs, 1))
	}
	if alarms > 0 {
		add(CostLine{Item: fmt.Sprintf("CloudWatch alarms (%g, standard resolution)", alarms), Quantity: fmt.Sprintf("%g metrics", metrics),
			UnitPrice: fmt.Sprintf("$%g/metric-month", p.CloudWatchAlarmMetricMonth), Monthly: metrics * p.CloudWatchAlarmMetricMonth})
	}
	if n := float64(len(s.OfType("aws_cloudwatch_dashboard"))); n > 0 {
		add(CostLine{Item: "CloudWatch dashboards (beyond the account's 3 free)", Quantity: fmt.Sprintf("%g", n),
			UnitPrice: fmt.Sprintf("$%g/month", p.CloudWatchDashboardMonth), Monthly: n * p.CloudWatchDashboardMonth})
	}
	if n := float64(len(a.NATs)); n > 0 {
		label := "NAT gateways (one per zone)"
		if len(a.NATs) == 1 {
			label = "NAT gateway (one for all zones)"
		}
		add(hourly(label, n, p.NATGatewayHour, true, ""))
	}
	// Public IPv4 addresses: the NAT gateways' Elastic IPs and one per zone
	// of each internet-facing load balancer.
	var ips float64
	ips += float64(len(s.OfType("aws_eip")))
	for _, lb := range s.OfType("aws_lb") {
		if !boolean(lb.Attrs["internal"]) {
			ips += float64(len(asSlice(lb.Attrs["subnets"])))
		}
	}
	if ips > 0 {
		add(hourly("Public IPv4 addresses (Elastic IPs, load balancer nodes)", ips, p.PublicIPv4Hour, true, ""))
	}
	return e
}

// Summary is the estimate in a few words, for one line of output.
func (e Estimate) Summary() string {
	if len(e.Lines) == 0 {
		return "no priced resources"
	}
	if _, ok := e.Table.Regions[e.Region]; !ok {
		return fmt.Sprintf("no price for region %s", orUnknown(e.Region))
	}
	s := fmt.Sprintf("~$%.2f/month", e.Total)
	if !e.Complete {
		s += " + items without a price"
	}
	return s
}

// Markdown renders the estimate.
func (e Estimate) Markdown() []byte {
	var b strings.Builder
	t := e.Table
	fmt.Fprintf(&b, "# Monthly cost estimate: %s\n\n", e.Stack)
	fmt.Fprintf(&b, "List prices (On-Demand, %s) for region %s, %g hours a month. Prices as of %s, from %s. Not a quote: check the AWS Pricing Calculator before committing to a budget.\n\n",
		t.Currency, orUnknown(e.Region), t.HoursPerMonth, t.AsOf, t.Source)
	if _, ok := t.Regions[e.Region]; !ok {
		fmt.Fprintf(&b, "**No price: region %s is not in the price table** (it has %s). The quantities below are what would be billed.\n\n",
			orUnknown(e.Region), strings.Join(slices.Sorted(maps.Keys(t.Regions)), ", "))
	} else if e.Complete {
		fmt.Fprintf(&b, "**$%.2f a month** at the scaling groups' minimum size, $%.2f at their maximum.\n\n", e.Total, e.TotalAtMax)
	} else {
		fmt.Fprintf(&b, "**$%.2f a month** for the priced items at the scaling groups' minimum size ($%.2f at their maximum); items without a price are not included.\n\n", e.Total, e.TotalAtMax)
	}
	b.WriteString("| Item | Quantity | Unit price | Monthly (min) | Monthly (max) |\n|---|---|---|--:|--:|\n")
	for _, l := range e.Lines {
		if l.NoPrice != "" {
			fmt.Fprintf(&b, "| %s | %s | %s | — | — |\n", l.Item, l.Quantity, l.NoPrice)
			continue
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %.2f | %.2f |\n", l.Item, l.Quantity, l.UnitPrice, l.Monthly, l.MonthlyAtMax)
	}
	p, known := t.Regions[e.Region]
	if known {
		fmt.Fprintf(&b, "| **Total** | | | **%.2f** | **%.2f** |\n\n", e.Total, e.TotalAtMax)
	} else {
		b.WriteString("| **Total** | | | — | — |\n\n")
	}
	b.WriteString("Assumptions:\n\n")
	fmt.Fprintf(&b, "- Servers run all month at the scaling group's minimum size (\"min\") or maximum size (\"max\"); no Savings Plans, reserved instances or free tier.\n")
	fmt.Fprintf(&b, "- Multi-AZ RDS is billed as two instances and twice the storage (primary and standby); automated backups up to the allocated storage are free.\n")
	fmt.Fprintf(&b, "- EFS holds %g GB in the Standard class (WordPress and uploads; infrequently read files move to the cheaper IA class after 30 days).\n", t.Assumptions.EFSStandardGB)
	fmt.Fprintf(&b, "- The load balancer averages %g capacity unit (light traffic).\n", t.Assumptions.ALBLCU)
	fmt.Fprintf(&b, "- Every public IPv4 address is billed, including the NAT gateways' Elastic IPs and one per zone for an internet-facing load balancer.\n\n")
	b.WriteString("Not included (usage-based): ")
	if known {
		fmt.Fprintf(&b, "NAT data processing ($%g/GB), data transfer out to the internet, CloudWatch Logs ingestion ($%g/GB: flow logs, database and server logs) and storage, EFS Infrequent Access and elastic throughput, load balancer capacity beyond the assumption, backup storage (AWS Backup's daily recovery points and their copies) beyond the free allowance, access logs in S3, KMS and SES requests, SNS notifications, taxes.\n",
			p.NATGatewayGB, p.CloudWatchLogsIngestGB)
	} else {
		b.WriteString("NAT data processing, data transfer out, CloudWatch Logs, EFS throughput, extra load balancer capacity, backup storage beyond the free allowance, taxes.\n")
	}
	return []byte(b.String())
}
