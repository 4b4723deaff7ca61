// Package security builds the four security groups of the architecture,
// named as in the blog post it comes from, with least-privilege rules:
//
//	ExternalWeb   on the ALB:            in 80/443 from the internet; out 80/443 to InternalWeb
//	InternalWeb   on the web servers:    in 80/443 from ExternalWeb; out 3306 to InternalData,
//	                                     2049 to InternalEFS, 80/443 to the internet (through NAT)
//	InternalEFS   on EFS mount targets
//	              and the web servers:   in 2049 from InternalEFS
//	InternalData  on RDS:                in 3306 from InternalWeb; no egress
//
// Two options change the table. Behind CloudFront, ExternalWeb admits port
// 80, or 443 when CloudFront connects over HTTPS, from CloudFront's
// origin-facing prefix list only, instead of 80/443 from the internet. With
// the object cache, a fifth group InternalCache on ElastiCache admits 6379
// from InternalWeb, and InternalWeb may reach it.
//
// Where the post opens "any" port between groups, only the port the service
// uses is open. No group admits SSH or RDP: Session Manager replaces them.
// Every rule is its own aws_vpc_security_group_{ingress,egress}_rule, so a
// reviewer reads one rule per line of the plan.
//
// It needs the VPC from the network tier.
package security

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/securitygroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/vpcsecuritygroupegressrule"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/vpcsecuritygroupingressrule"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/wordpress-cdktf/resilient-wordpress/constructs/network"
	"github.com/wordpress-cdktf/resilient-wordpress/internal/addresses"
)

// SecurityConfig places the groups.
type SecurityConfig struct {
	// Network is the VPC the groups belong to. Required.
	Network *network.Network
	// CloudFrontPrefixListID, when set, is the only source ExternalWeb
	// admits, on one port (CloudFrontHTTPS): the CDN is then the only way in.
	// Default: "" (80 and 443 from the internet)
	CloudFrontPrefixListID string
	// CloudFrontHTTPS admits CloudFront on 443, for a distribution that
	// reaches the load balancer over HTTPS; it needs CloudFrontPrefixListID.
	// Default: false (port 80)
	CloudFrontHTTPS bool
	// ObjectCache adds the InternalCache group and its rules.
	// Default: false
	ObjectCache bool
}

func (cfg SecurityConfig) validate() error {
	var errs []error
	if cfg.Network == nil {
		errs = append(errs, errors.New("network: required"))
	}
	if cfg.CloudFrontHTTPS && cfg.CloudFrontPrefixListID == "" {
		errs = append(errs, errors.New("cloudfront https: needs the CloudFront prefix list ID"))
	}
	return errors.Join(errs...)
}

// Security holds the groups (four, five with the object cache). Each tier asks for the groups of what it
// builds, by role, and attaches exactly those.
type Security struct {
	constructs.Construct
	groups map[string]securitygroup.SecurityGroup
}

func (s *Security) ids(names ...string) *[]*string {
	out := make([]*string, 0, len(names))
	for _, n := range names {
		out = append(out, s.groups[n].Id())
	}
	return &out
}

// LoadBalancerGroupIDs are the groups of the internet-facing load balancer: ExternalWeb.
func (s *Security) LoadBalancerGroupIDs() *[]*string { return s.ids("ExternalWeb") }

// WebServerGroupIDs are the groups of every web server: InternalWeb, and
// InternalEFS to reach the file system's mount targets.
func (s *Security) WebServerGroupIDs() *[]*string { return s.ids("InternalWeb", "InternalEFS") }

// FileSystemGroupIDs are the groups of the EFS mount targets: InternalEFS.
func (s *Security) FileSystemGroupIDs() *[]*string { return s.ids("InternalEFS") }

// DatabaseGroupIDs are the groups of the database: InternalData.
func (s *Security) DatabaseGroupIDs() *[]*string { return s.ids("InternalData") }

// CacheGroupIDs are the groups of the object cache: InternalCache. Nil
// without the object cache.
func (s *Security) CacheGroupIDs() *[]*string {
	if s.groups["InternalCache"] == nil {
		return nil
	}
	return s.ids("InternalCache")
}

// Ports of the services the rules admit.
const (
	HTTP  = 80
	HTTPS = 443
	NFS   = 2049
	MySQL = 3306
	// Valkey is the port of the ElastiCache object cache (Valkey and Redis OSS).
	Valkey = 6379
)

// Peers that are not groups: internet is 0.0.0.0/0, cloudfront the
// CloudFront origin-facing prefix list.
const (
	internet   = "internet"
	cloudfront = "cloudfront"
)

// services name the ports in construct IDs, and so in Terraform addresses.
var services = map[int]string{HTTP: "http", HTTPS: "https", NFS: "nfs", MySQL: "mysql", Valkey: "valkey"}

// idOf turns a group name into a construct ID: "InternalEFS" -> "internal-efs".
func idOf(name string) string {
	var b strings.Builder
	for i, r := range name {
		if i > 0 && unicode.IsUpper(r) && unicode.IsLower(rune(name[i-1])) {
			b.WriteByte('-')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// ruleID names a rule by group, service, direction and peer, e.g.
// "internal-web-mysql-to-internal-data".
func ruleID(r rule) string {
	service, ok := services[r.port]
	if !ok {
		service = "port-" + strconv.Itoa(r.port)
	}
	dir := "to"
	if r.ingress {
		dir = "from"
	}
	return fmt.Sprintf("%s-%s-%s-%s", idOf(r.group), service, dir, idOf(r.peer))
}

// rule is one port from or to one peer: a group name or internet.
type rule struct {
	group   string
	ingress bool
	port    int
	peer    string
	why     string
}

// publicIngress is how visitors reach the load balancer without a CDN.
var publicIngress = []rule{
	{"ExternalWeb", true, HTTP, internet, "visitors reach the load balancer over HTTP"},
	{"ExternalWeb", true, HTTPS, internet, "visitors reach the load balancer over HTTPS"},
}

// cdnIngress replaces publicIngress behind CloudFront, on port 80 or 443
// (SecurityConfig.CloudFrontHTTPS). One port only: the prefix list counts as
// about 55 rules against the group's quota of 60.
var cdnIngress = rule{"ExternalWeb", true, HTTP, cloudfront, "only CloudFront reaches the load balancer (origin-facing prefix list)"}

// cacheRules admit the web servers, and only them, to the object cache.
var cacheRules = []rule{
	{"InternalWeb", false, Valkey, "InternalCache", "WordPress reads and writes its object cache"},
	{"InternalCache", true, Valkey, "InternalWeb", "only the web servers reach the object cache"},
}

// rules is the policy every stack has, in the order it is synthesized.
var rules = []rule{
	{"ExternalWeb", false, HTTP, "InternalWeb", "the load balancer forwards requests and health checks to the web servers"},
	{"ExternalWeb", false, HTTPS, "InternalWeb", "the load balancer may forward to the web servers over HTTPS"},

	{"InternalWeb", true, HTTP, "ExternalWeb", "only the load balancer reaches the web servers"},
	{"InternalWeb", true, HTTPS, "ExternalWeb", "only the load balancer reaches the web servers"},
	{"InternalWeb", false, MySQL, "InternalData", "WordPress queries its database"},
	{"InternalWeb", false, NFS, "InternalEFS", "the web servers mount the web root from EFS"},
	{"InternalWeb", false, HTTP, internet, "package installs through the NAT gateway"},
	{"InternalWeb", false, HTTPS, internet, "package and WordPress downloads, Secrets Manager and SSM through the NAT gateway"},

	{"InternalEFS", true, NFS, "InternalEFS", "NFS only among members: the mount targets and the web servers"},

	{"InternalData", true, MySQL, "InternalWeb", "only the web servers reach the database"},
}

var descriptions = map[string]string{
	"ExternalWeb":   "ExternalWeb: the internet-facing load balancer",
	"InternalWeb":   "InternalWeb: WordPress web servers, reachable only from the load balancer",
	"InternalEFS":   "InternalEFS: the shared web root on EFS, reachable only from its members",
	"InternalData":  "InternalData: the RDS MySQL database, reachable only from the web servers",
	"InternalCache": "InternalCache: the ElastiCache object cache, reachable only from the web servers",
}

// policy returns the groups and rules a configuration needs, in the order
// they are synthesized.
func policy(cfg SecurityConfig) (groups []string, rs []rule) {
	groups = []string{"ExternalWeb", "InternalWeb", "InternalEFS", "InternalData"}
	if cfg.CloudFrontPrefixListID != "" {
		r := cdnIngress
		if cfg.CloudFrontHTTPS {
			r.port = HTTPS
		}
		rs = append(rs, r)
	} else {
		rs = append(rs, publicIngress...)
	}
	rs = append(rs, rules...)
	if cfg.ObjectCache {
		groups = append(groups, "InternalCache")
		rs = append(rs, cacheRules...)
	}
	return groups, rs
}

// NewSecurity builds the groups and their rules.
func NewSecurity(scope constructs.Construct, id string, cfg SecurityConfig) *Security {
	if err := cfg.validate(); err != nil {
		panic(fmt.Errorf("security %q: invalid configuration: %w", id, err))
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	groups := map[string]securitygroup.SecurityGroup{}
	names, rs := policy(cfg)
	for _, name := range names {
		// No inline rules: Terraform then also removes AWS's default
		// allow-all egress, so a group with no egress rule has no egress.
		groups[name] = securitygroup.NewSecurityGroup(c, jsii.String(idOf(name)), &securitygroup.SecurityGroupConfig{
			Name:        jsii.String(name),
			Description: jsii.String(descriptions[name]),
			VpcId:       cfg.Network.VpcID(),
			Tags:        &map[string]*string{"Name": jsii.String(name)},
		})
	}
	for _, r := range rs {
		res := newRule(c, groups, r, cfg.CloudFrontPrefixListID)
		// Environments deployed before CloudFront used HTTPS have the port
		// 80 rule: a moved block makes Terraform update it, not replace it.
		if r.peer == cloudfront && r.port != cdnIngress.port {
			res.MoveFromId(jsii.String(*res.TerraformResourceType() + "." + addresses.Name(ruleID(cdnIngress))))
		}
	}
	return &Security{Construct: c, groups: groups}
}

func newRule(scope constructs.Construct, groups map[string]securitygroup.SecurityGroup, r rule, prefixList string) cdktf.TerraformResource {
	id := jsii.String(ruleID(r))
	var cidr, peer, pl *string
	switch r.peer {
	case internet:
		cidr = jsii.String("0.0.0.0/0")
	case cloudfront:
		pl = jsii.String(prefixList)
	default:
		peer = groups[r.peer].Id()
	}
	port := jsii.Number(r.port)
	if r.ingress {
		return vpcsecuritygroupingressrule.NewVpcSecurityGroupIngressRule(scope, id, &vpcsecuritygroupingressrule.VpcSecurityGroupIngressRuleConfig{
			SecurityGroupId: groups[r.group].Id(), IpProtocol: jsii.String("tcp"), FromPort: port, ToPort: port,
			CidrIpv4: cidr, ReferencedSecurityGroupId: peer, PrefixListId: pl, Description: jsii.String(r.why),
		})
	}
	return vpcsecuritygroupegressrule.NewVpcSecurityGroupEgressRule(scope, id, &vpcsecuritygroupegressrule.VpcSecurityGroupEgressRuleConfig{
		SecurityGroupId: groups[r.group].Id(), IpProtocol: jsii.String("tcp"), FromPort: port, ToPort: port,
		CidrIpv4: cidr, ReferencedSecurityGroupId: peer, PrefixListId: pl, Description: jsii.String(r.why),
	})
}
