// Package network builds the VPC of the architecture: in each availability
// zone a public, an app and a data subnet; an internet gateway; a NAT gateway
// with its own Elastic IP per zone; and the route tables that make the public
// tier public, send each app subnet out through the NAT of its own zone, and
// keep the data tier off the internet.
//
// It needs nothing from other tiers. Zone names come from configuration, not
// from a data source, so the stack plans without calling AWS and the reviewed
// Terraform names its zones. Per-zone resources are unrolled in Go and keyed
// by tier and zone letter ("app-a"), never by index, so adding a zone adds
// addresses without renaming any.
package network

import (
	"fmt"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/eip"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/internetgateway"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/natgateway"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/route"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/routetable"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/routetableassociation"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/subnet"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/vpc"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
)

// NetworkConfig describes the VPC. Validate it with PlanSubnets first: New
// panics on a configuration PlanSubnets rejects.
type NetworkConfig struct {
	// Name tags the VPC and the gateways, e.g. "wordpress-prod". Required.
	Name string
	// CidrBlock is the VPC's IPv4 range.
	// Default: "10.0.0.0/16"
	CidrBlock string
	// AvailabilityZones are the zones to spread over, e.g. "us-east-1a". Required, 2 to 6.
	AvailabilityZones []string
	// SubnetPrefixLength is the size of each derived subnet.
	// Default: 24
	SubnetPrefixLength int
	// SubnetCIDRs overrides derived subnet ranges, keyed by tier and zone
	// letter ("app-a").
	// Default: none, every range derived (see PlanSubnets).
	SubnetCIDRs map[string]string
	// MapPublicIPOnLaunch gives instances launched in the public subnets a
	// public IP. Nothing in this architecture launches there: the ALB and the
	// NAT gateways get their addresses from AWS and from Elastic IPs.
	// Default: false
	MapPublicIPOnLaunch bool
	// FlowLogRetentionDays keeps VPC flow logs this long in CloudWatch
	// Logs; one of FlowLogRetentionDays.
	// Default: 90
	FlowLogRetentionDays int
}

// Zone is everything the network holds in one availability zone.
type Zone struct {
	// Name is the zone, e.g. "us-east-1a"; Letter its suffix, e.g. "a".
	Name, Letter      string
	Public, App, Data subnet.Subnet
	NatGateway        natgateway.NatGateway
	// AppRouteTable sends this zone's app subnet out through NatGateway,
	// by AppDefaultRoute.
	AppRouteTable   routetable.RouteTable
	AppDefaultRoute route.Route
}

// Network is the built VPC, for later tiers to place resources in.
type Network struct {
	constructs.Construct
	Vpc             vpc.Vpc
	InternetGateway internetgateway.InternetGateway
	// Zones are in configuration order.
	Zones            []Zone
	PublicRouteTable routetable.RouteTable
	// DataRouteTable has only the VPC-local route: the data tier cannot
	// reach, or be reached from, the internet.
	DataRouteTable routetable.RouteTable
}

// SubnetIDs returns the IDs of one tier's subnets, in zone order, in the
// form the provider bindings take.
func (n *Network) SubnetIDs(t Tier) *[]*string {
	ids := make([]*string, 0, len(n.Zones))
	for _, z := range n.Zones {
		ids = append(ids, z.Subnet(t).Id())
	}
	return &ids
}

// Subnet returns the zone's subnet of tier t.
func (z Zone) Subnet(t Tier) subnet.Subnet {
	switch t {
	case Public:
		return z.Public
	case App:
		return z.App
	case Data:
		return z.Data
	}
	panic(fmt.Sprintf("network: unknown tier %q", t))
}

// The Name tags follow the blog post the architecture comes from, so that
// the console reads like its diagrams.
func subnetName(t Tier, letter string) string {
	return fmt.Sprintf("%s-AZ-%s", map[Tier]string{Public: "Public", App: "App", Data: "Data"}[t], strings.ToUpper(letter))
}

// NewNetwork builds the VPC, its subnets, gateways and routes.
func NewNetwork(scope constructs.Construct, id string, cfg NetworkConfig) *Network {
	cfg = withDefaults(cfg)
	plans, errs := PlanSubnets(cfg.CidrBlock, cfg.AvailabilityZones, cfg.SubnetPrefixLength, cfg.SubnetCIDRs)
	if len(cfg.AvailabilityZones) < MinZones || len(cfg.AvailabilityZones) > MaxZones {
		errs = append(errs, fmt.Errorf("availability_zones: got %d, want %d to %d", len(cfg.AvailabilityZones), MinZones, MaxZones))
	}
	if len(errs) > 0 {
		panic(fmt.Sprintf("network %q: invalid configuration: %v", id, errs))
	}

	c := constructs.NewConstruct(scope, jsii.String(id))
	n := &Network{Construct: c}
	n.Vpc = vpc.NewVpc(c, jsii.String("vpc"), &vpc.VpcConfig{
		CidrBlock:          jsii.String(cfg.CidrBlock),
		EnableDnsSupport:   jsii.Bool(true),
		EnableDnsHostnames: jsii.Bool(true), // EFS mount helpers and RDS endpoints resolve through VPC DNS
		Tags:               nameTag(cfg.Name),
	})
	newFlowLog(c, n, cfg.Name, cfg.FlowLogRetentionDays)
	n.InternetGateway = internetgateway.NewInternetGateway(c, jsii.String("igw"), &internetgateway.InternetGatewayConfig{
		VpcId: n.Vpc.Id(),
		Tags:  nameTag(cfg.Name),
	})

	n.PublicRouteTable = newRouteTable(c, n.Vpc, "public-rt", "RT-Public-Subnet")
	route.NewRoute(c, jsii.String("public-default-route"), &route.RouteConfig{
		RouteTableId:         n.PublicRouteTable.Id(),
		DestinationCidrBlock: jsii.String("0.0.0.0/0"),
		GatewayId:            n.InternetGateway.Id(),
	})
	n.DataRouteTable = newRouteTable(c, n.Vpc, "data-rt", "RT-Data-Subnet")

	byKey := map[string]SubnetPlan{}
	for _, p := range plans {
		byKey[p.Key] = p
	}
	for _, zoneName := range cfg.AvailabilityZones {
		z := Zone{Name: zoneName, Letter: ZoneLetter(zoneName)}
		newSubnet := func(t Tier) subnet.Subnet {
			p := byKey[fmt.Sprintf("%s-%s", t, z.Letter)]
			s := subnet.NewSubnet(c, jsii.String(p.Key), &subnet.SubnetConfig{
				VpcId:               n.Vpc.Id(),
				AvailabilityZone:    jsii.String(zoneName),
				CidrBlock:           jsii.String(p.CIDR),
				MapPublicIpOnLaunch: jsii.Bool(t == Public && cfg.MapPublicIPOnLaunch),
				Tags: &map[string]*string{
					"Name": jsii.String(subnetName(t, z.Letter)),
					"Tier": jsii.String(string(t)),
				},
			})
			return s
		}
		z.Public, z.App, z.Data = newSubnet(Public), newSubnet(App), newSubnet(Data)
		associate(c, "public-"+z.Letter, z.Public, n.PublicRouteTable)
		associate(c, "data-"+z.Letter, z.Data, n.DataRouteTable)

		// One NAT per zone: with a single NAT, losing its zone would cut
		// every web server's egress (package installs, Secrets Manager).
		natEIP := eip.NewEip(c, jsii.String("nat-eip-"+z.Letter), &eip.EipConfig{
			Domain: jsii.String("vpc"),
			Tags:   nameTag(fmt.Sprintf("%s-nat-%s", cfg.Name, z.Letter)),
		})
		z.NatGateway = natgateway.NewNatGateway(c, jsii.String("nat-"+z.Letter), &natgateway.NatGatewayConfig{
			AllocationId: natEIP.AllocationId(),
			SubnetId:     z.Public.Id(),
			Tags:         nameTag(fmt.Sprintf("%s-nat-%s", cfg.Name, z.Letter)),
			// The NAT only forwards once the VPC has its internet gateway.
			DependsOn: &[]cdktf.ITerraformDependable{n.InternetGateway},
		})
		z.AppRouteTable = newRouteTable(c, n.Vpc, "app-rt-"+z.Letter, "RT-APP-Subnet-AZ-"+strings.ToUpper(z.Letter))
		z.AppDefaultRoute = route.NewRoute(c, jsii.String("app-"+z.Letter+"-default-route"), &route.RouteConfig{
			RouteTableId:         z.AppRouteTable.Id(),
			DestinationCidrBlock: jsii.String("0.0.0.0/0"),
			NatGatewayId:         z.NatGateway.Id(),
		})
		associate(c, "app-"+z.Letter, z.App, z.AppRouteTable)
		n.Zones = append(n.Zones, z)
	}
	return n
}

func withDefaults(cfg NetworkConfig) NetworkConfig {
	if cfg.CidrBlock == "" {
		cfg.CidrBlock = "10.0.0.0/16"
	}
	if cfg.SubnetPrefixLength == 0 {
		cfg.SubnetPrefixLength = 24
	}
	if cfg.FlowLogRetentionDays == 0 {
		cfg.FlowLogRetentionDays = 90
	}
	return cfg
}

func newRouteTable(scope constructs.Construct, v vpc.Vpc, id, name string) routetable.RouteTable {
	return routetable.NewRouteTable(scope, jsii.String(id), &routetable.RouteTableConfig{
		VpcId: v.Id(),
		Tags:  nameTag(name),
	})
}

func associate(scope constructs.Construct, key string, s subnet.Subnet, rt routetable.RouteTable) {
	routetableassociation.NewRouteTableAssociation(scope, jsii.String(key+"-rta"), &routetableassociation.RouteTableAssociationConfig{
		SubnetId:     s.Id(),
		RouteTableId: rt.Id(),
	})
}

func nameTag(name string) *map[string]*string {
	return &map[string]*string{"Name": jsii.String(name)}
}
