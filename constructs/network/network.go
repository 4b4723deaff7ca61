// Package network builds the VPC of the architecture: in each availability
// zone a public, an app and a data subnet; an internet gateway; a NAT gateway
// with its own Elastic IP per zone (or, for throw-away environments, one for
// all zones); the route tables that make the public tier public, send each
// app subnet out through the NAT of its own zone, and keep the data tier off
// the internet; and an S3 gateway endpoint on the app route tables.
//
// It needs nothing from other tiers. Zone names come from configuration, not
// from a data source, so the stack plans without calling AWS and the reviewed
// Terraform names its zones. Per-zone resources are unrolled in Go and keyed
// by tier and zone letter ("app-a"), never by index, so adding a zone adds
// addresses without renaming any.
package network

import (
	"errors"
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
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/vpcendpoint"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
)

// Defaults of NetworkConfig, also the defaults of the stack configuration.
const (
	DefaultCIDR                 = "10.0.0.0/16"
	DefaultSubnetPrefixLength   = 24
	DefaultFlowLogRetentionDays = 90
	DefaultNatGateways          = NatPerZone
)

// NAT gateway modes of NetworkConfig.NatGateways.
const (
	// NatPerZone gives each zone its own NAT gateway: a zone's loss cuts no
	// other zone's egress.
	NatPerZone = "per_zone"
	// NatSingle puts one NAT gateway in the first zone for all zones:
	// cheaper, but that zone's loss cuts all egress.
	NatSingle = "single"
)

// CheckNatGateways reports a NAT gateway mode other than NatPerZone and NatSingle.
func CheckNatGateways(mode string) error {
	if mode != NatPerZone && mode != NatSingle {
		return fmt.Errorf("got %q, want %q (a NAT gateway in every zone) or %q (one for all zones, in the first)", mode, NatPerZone, NatSingle)
	}
	return nil
}

// NetworkConfig describes the VPC. NewNetwork panics on a configuration
// that Validate rejects.
type NetworkConfig struct {
	// Name tags the VPC and the gateways, e.g. "wordpress-prod". Required.
	Name string
	// CidrBlock is the VPC's IPv4 range.
	// Default: DefaultCIDR ("10.0.0.0/16")
	CidrBlock string
	// AvailabilityZones are the zones to spread over, e.g. "us-east-1a". Required, 2 to 6.
	AvailabilityZones []string
	// SubnetPrefixLength is the size of each derived subnet.
	// Default: DefaultSubnetPrefixLength (24)
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
	// Logs; one of LogRetentionDays.
	// Default: DefaultFlowLogRetentionDays (90)
	FlowLogRetentionDays int
	// NatGateways is NatPerZone or NatSingle.
	// Default: DefaultNatGateways (NatPerZone)
	NatGateways string
}

// Zone is one availability zone of the network.
type Zone struct {
	// Name is the zone, e.g. "us-east-1a"; Letter its suffix, e.g. "a",
	// which keys the zone's resources.
	Name, Letter string
}

// zone is everything the network holds in one availability zone.
type zone struct {
	Zone
	public, app, data subnet.Subnet
	// natGateway is the NAT the zone's app subnet egresses through: its
	// own, or with NatSingle the first zone's.
	natGateway natgateway.NatGateway
	// appDefaultRoute sends this zone's app subnet out through natGateway.
	appDefaultRoute route.Route
}

// Network is the built VPC. Later tiers place resources in it through its
// methods, which name what they need: IDs of a tier's subnets, the VPC,
// and when the internet is reachable from the app subnets.
type Network struct {
	constructs.Construct
	cidr    string
	vpc     vpc.Vpc
	zones   []zone
	natEIPs []eip.Eip
}

// Region is the region of the network's zones, e.g. "us-east-1".
func (n *Network) Region() string {
	z := n.zones[0]
	return strings.TrimSuffix(z.Name, z.Letter)
}

// NatPublicIPs are the addresses the app subnets reach the internet from,
// for third parties' allow-lists.
func (n *Network) NatPublicIPs() []*string {
	out := make([]*string, 0, len(n.natEIPs))
	for _, e := range n.natEIPs {
		out = append(out, e.PublicIp())
	}
	return out
}

// VpcID is the VPC's ID.
func (n *Network) VpcID() *string { return n.vpc.Id() }

// CIDR is the VPC's IPv4 range, e.g. "10.0.0.0/16": the only source that a
// server behind the load balancer can trust to set X-Forwarded-For.
func (n *Network) CIDR() string { return n.cidr }

// Zones are the network's zones, in configuration order.
func (n *Network) Zones() []Zone {
	out := make([]Zone, len(n.zones))
	for i, z := range n.zones {
		out[i] = z.Zone
	}
	return out
}

// SubnetIDs returns the IDs of one tier's subnets, in zone order, in the
// form the provider bindings take.
func (n *Network) SubnetIDs(t Tier) *[]*string {
	ids := make([]*string, 0, len(n.zones))
	for _, z := range n.zones {
		ids = append(ids, z.subnet(t).Id())
	}
	return &ids
}

// SubnetID returns the ID of the subnet of tier t in the zone with the given
// letter; it panics on a zone the network does not have.
func (n *Network) SubnetID(t Tier, letter string) *string {
	for _, z := range n.zones {
		if z.Letter == letter {
			return z.subnet(t).Id()
		}
	}
	panic(fmt.Sprintf("network: no zone %q", letter))
}

// InternetConnectivityEstablished is what a resource in the app subnets
// must depend on when it needs the internet as soon as it exists (a server
// that installs packages at boot): every app subnet's default route
// through its zone's NAT gateway. Terraform cannot see that need through
// references, because nothing references a route.
func (n *Network) InternetConnectivityEstablished() []cdktf.ITerraformDependable {
	out := make([]cdktf.ITerraformDependable, 0, len(n.zones))
	for _, z := range n.zones {
		out = append(out, z.appDefaultRoute)
	}
	return out
}

// subnet returns the zone's subnet of tier t.
func (z zone) subnet(t Tier) subnet.Subnet {
	switch t {
	case Public:
		return z.public
	case App:
		return z.app
	case Data:
		return z.data
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
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		panic(fmt.Errorf("network %q: invalid configuration: %w", id, err))
	}
	plans, _ := PlanSubnets(cfg.CidrBlock, cfg.AvailabilityZones, cfg.SubnetPrefixLength, cfg.SubnetCIDRs) // validated above

	c := constructs.NewConstruct(scope, jsii.String(id))
	n := &Network{Construct: c, cidr: cfg.CidrBlock}
	n.vpc = vpc.NewVpc(c, jsii.String("vpc"), &vpc.VpcConfig{
		CidrBlock:          jsii.String(cfg.CidrBlock),
		EnableDnsSupport:   jsii.Bool(true),
		EnableDnsHostnames: jsii.Bool(true), // EFS mount helpers and RDS endpoints resolve through VPC DNS
		Tags:               nameTag(cfg.Name),
	})
	newFlowLog(c, n.vpc, cfg.Name, cfg.FlowLogRetentionDays)
	igw := internetgateway.NewInternetGateway(c, jsii.String("vpc.internet-gateway"), &internetgateway.InternetGatewayConfig{
		VpcId: n.vpc.Id(),
		Tags:  nameTag(cfg.Name),
	})

	publicRouteTable := newRouteTable(c, n.vpc, "public", "RT-Public-Subnet")
	route.NewRoute(c, jsii.String("public.default-route"), &route.RouteConfig{
		RouteTableId:         publicRouteTable.Id(),
		DestinationCidrBlock: jsii.String("0.0.0.0/0"),
		GatewayId:            igw.Id(),
	})
	// The data tier's table has only the VPC-local route: the data tier
	// cannot reach, or be reached from, the internet.
	dataRouteTable := newRouteTable(c, n.vpc, "data", "RT-Data-Subnet")

	byKey := map[string]SubnetPlan{}
	for _, p := range plans {
		byKey[p.Key] = p
	}
	var appRouteTables []*string
	for _, zoneName := range cfg.AvailabilityZones {
		z := zone{Zone: Zone{Name: zoneName, Letter: ZoneLetter(zoneName)}}
		newSubnet := func(t Tier) subnet.Subnet {
			p := byKey[fmt.Sprintf("%s-%s", t, z.Letter)]
			s := subnet.NewSubnet(c, jsii.String(p.Key), &subnet.SubnetConfig{
				VpcId:               n.vpc.Id(),
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
		z.public, z.app, z.data = newSubnet(Public), newSubnet(App), newSubnet(Data)
		associate(c, "public-"+z.Letter, z.public, publicRouteTable)
		associate(c, "data-"+z.Letter, z.data, dataRouteTable)

		// One NAT per zone: with a single NAT, losing its zone would cut
		// every web server's egress (package installs, Secrets Manager).
		if cfg.NatGateways == NatPerZone || len(n.zones) == 0 {
			natEIP := eip.NewEip(c, jsii.String("nat-"+z.Letter+".eip"), &eip.EipConfig{
				Domain: jsii.String("vpc"),
				Tags:   nameTag(fmt.Sprintf("%s-nat-%s", cfg.Name, z.Letter)),
			})
			n.natEIPs = append(n.natEIPs, natEIP)
			z.natGateway = natgateway.NewNatGateway(c, jsii.String("nat-"+z.Letter), &natgateway.NatGatewayConfig{
				AllocationId: natEIP.AllocationId(),
				SubnetId:     z.public.Id(),
				Tags:         nameTag(fmt.Sprintf("%s-nat-%s", cfg.Name, z.Letter)),
				// The NAT only forwards once the VPC has its internet gateway.
				DependsOn: &[]cdktf.ITerraformDependable{igw},
			})
		} else {
			z.natGateway = n.zones[0].natGateway
		}
		appRouteTable := newRouteTable(c, n.vpc, "app-"+z.Letter+".route-table", "RT-APP-Subnet-AZ-"+strings.ToUpper(z.Letter))
		z.appDefaultRoute = route.NewRoute(c, jsii.String("app-"+z.Letter+".default-route"), &route.RouteConfig{
			RouteTableId:         appRouteTable.Id(),
			DestinationCidrBlock: jsii.String("0.0.0.0/0"),
			NatGatewayId:         z.natGateway.Id(),
		})
		associate(c, "app-"+z.Letter, z.app, appRouteTable)
		n.zones = append(n.zones, z)
		appRouteTables = append(appRouteTables, appRouteTable.Id())
	}
	// A gateway endpoint costs nothing, and Amazon Linux 2023's package
	// repositories are served from S3: installs then pay no NAT data charge.
	vpcendpoint.NewVpcEndpoint(c, jsii.String("s3"), &vpcendpoint.VpcEndpointConfig{
		VpcId:           n.vpc.Id(),
		ServiceName:     jsii.String(fmt.Sprintf("com.amazonaws.%s.s3", n.Region())),
		VpcEndpointType: jsii.String("Gateway"),
		RouteTableIds:   &appRouteTables,
		Tags:            nameTag(cfg.Name + "-s3"),
	})
	return n
}

func (cfg NetworkConfig) withDefaults() NetworkConfig {
	if cfg.CidrBlock == "" {
		cfg.CidrBlock = DefaultCIDR
	}
	if cfg.SubnetPrefixLength == 0 {
		cfg.SubnetPrefixLength = DefaultSubnetPrefixLength
	}
	if cfg.FlowLogRetentionDays == 0 {
		cfg.FlowLogRetentionDays = DefaultFlowLogRetentionDays
	}
	if cfg.NatGateways == "" {
		cfg.NatGateways = DefaultNatGateways
	}
	return cfg
}

// validate checks a configuration after withDefaults and returns every
// problem at once.
func (cfg NetworkConfig) validate() error {
	var errs []error
	if cfg.Name == "" {
		errs = append(errs, errors.New("name: required"))
	}
	if err := CheckZoneCount(len(cfg.AvailabilityZones)); err != nil {
		errs = append(errs, fmt.Errorf("availability zones: %w", err))
	}
	_, planErrs := PlanSubnets(cfg.CidrBlock, cfg.AvailabilityZones, cfg.SubnetPrefixLength, cfg.SubnetCIDRs)
	errs = append(errs, planErrs...)
	if err := CheckLogRetention(cfg.FlowLogRetentionDays); err != nil {
		errs = append(errs, fmt.Errorf("flow log retention: %w", err))
	}
	if err := CheckNatGateways(cfg.NatGateways); err != nil {
		errs = append(errs, fmt.Errorf("NAT gateways: %w", err))
	}
	return errors.Join(errs...)
}

func newRouteTable(scope constructs.Construct, v vpc.Vpc, id, name string) routetable.RouteTable {
	return routetable.NewRouteTable(scope, jsii.String(id), &routetable.RouteTableConfig{
		VpcId: v.Id(),
		Tags:  nameTag(name),
	})
}

func associate(scope constructs.Construct, key string, s subnet.Subnet, rt routetable.RouteTable) {
	routetableassociation.NewRouteTableAssociation(scope, jsii.String(key+".route-table-association"), &routetableassociation.RouteTableAssociationConfig{
		SubnetId:     s.Id(),
		RouteTableId: rt.Id(),
	})
}

func nameTag(name string) *map[string]*string {
	return &map[string]*string{"Name": jsii.String(name)}
}
