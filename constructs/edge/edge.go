// Package edge builds what a visitor connects to: an internet-facing
// Application Load Balancer in the public subnets with the ExternalWeb group,
// a target group for the web servers and the listeners. Port 80 forwards to
// the target group, as in the blog post; given a certificate, port 443
// terminates TLS 1.3 and port 80 redirects to it.
//
// It needs the public subnets from the network tier and the ExternalWeb
// group from the security tier. The web tier registers its servers in
// TargetGroup.
package edge

import (
	"strconv"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/lb"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/lblistener"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/lbtargetgroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/securitygroup"

	"github.com/wordpress-cdktf/resilient-wordpress/constructs/network"
)

// TLSPolicy is the HTTPS listener's security policy: TLS 1.3, with TLS 1.2
// kept for older clients, and no CBC or SHA-1 ciphers.
const TLSPolicy = "ELBSecurityPolicy-TLS13-1-2-Res-2021-06"

// LoadBalancerConfig describes the load balancer.
type LoadBalancerConfig struct {
	// Name prefixes the load balancer and target group names ("<project>-<environment>"). Required.
	Name string
	// Network places the load balancer in its public subnets. Required.
	Network *network.Network
	// SecurityGroup is ExternalWeb. Required.
	SecurityGroup securitygroup.SecurityGroup
	// HealthCheckPath is what the target group requests from each server.
	// Default: "/"
	HealthCheckPath string
	// CertificateARN, when set, adds the HTTPS listener and turns port 80 into a redirect.
	// Default: "" (HTTP only)
	CertificateARN string
	// DeletionProtection guards the load balancer against deletion.
	// Default: false
	DeletionProtection bool
	// Stickiness pins a visitor to one server for a day with a load balancer cookie.
	// Default: false
	Stickiness bool
	// DeregistrationDelaySeconds lets in-flight requests finish on a server
	// being removed: WordPress pages answer in well under this.
	// Default: 30
	DeregistrationDelaySeconds int
}

// LoadBalancer is the built edge.
type LoadBalancer struct {
	constructs.Construct
	LoadBalancer lb.Lb
	TargetGroup  lbtargetgroup.LbTargetGroup
	HTTPListener lblistener.LbListener
	// HTTPSListener is nil without a certificate.
	HTTPSListener lblistener.LbListener
	// URL is the site's address, http:// or https:// followed by the load balancer's DNS name.
	URL *string
}

// NewLoadBalancer builds the load balancer, its target group and listeners.
func NewLoadBalancer(scope constructs.Construct, id string, cfg LoadBalancerConfig) *LoadBalancer {
	if cfg.HealthCheckPath == "" {
		cfg.HealthCheckPath = "/"
	}
	if cfg.DeregistrationDelaySeconds == 0 {
		cfg.DeregistrationDelaySeconds = 30
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	e := &LoadBalancer{Construct: c}

	e.LoadBalancer = lb.NewLb(c, jsii.String("alb"), &lb.LbConfig{
		Name:                     jsii.String(cfg.Name),
		LoadBalancerType:         jsii.String("application"),
		Internal:                 jsii.Bool(false),
		Subnets:                  cfg.Network.SubnetIDs(network.Public),
		SecurityGroups:           &[]*string{cfg.SecurityGroup.Id()},
		DropInvalidHeaderFields:  jsii.Bool(true), // closes a request-smuggling path to the servers
		EnableHttp2:              jsii.Bool(true),
		EnableDeletionProtection: jsii.Bool(cfg.DeletionProtection),
		DesyncMitigationMode:     jsii.String("defensive"),
		Tags:                     &map[string]*string{"Name": jsii.String(cfg.Name)},
	})

	e.TargetGroup = lbtargetgroup.NewLbTargetGroup(c, jsii.String("web-tg"), &lbtargetgroup.LbTargetGroupConfig{
		Name:                jsii.String(cfg.Name + "-web"),
		Port:                jsii.Number(80),
		Protocol:            jsii.String("HTTP"),
		TargetType:          jsii.String("instance"),
		VpcId:               cfg.Network.Vpc.Id(),
		DeregistrationDelay: jsii.String(strconv.Itoa(cfg.DeregistrationDelaySeconds)),
		HealthCheck: &lbtargetgroup.LbTargetGroupHealthCheck{
			Enabled:            jsii.Bool(true),
			Path:               jsii.String(cfg.HealthCheckPath),
			Protocol:           jsii.String("HTTP"),
			Matcher:            jsii.String("200-399"),
			Interval:           jsii.Number(15),
			Timeout:            jsii.Number(5),
			HealthyThreshold:   jsii.Number(2),
			UnhealthyThreshold: jsii.Number(3),
		},
		Stickiness: &lbtargetgroup.LbTargetGroupStickiness{
			Type:           jsii.String("lb_cookie"),
			Enabled:        jsii.Bool(cfg.Stickiness),
			CookieDuration: jsii.Number(86400),
		},
		Tags: &map[string]*string{"Name": jsii.String(cfg.Name + "-web")},
	})

	forward := &lblistener.LbListenerDefaultAction{Type: jsii.String("forward"), TargetGroupArn: e.TargetGroup.Arn()}
	httpAction := forward
	scheme := "http"
	if cfg.CertificateARN != "" {
		scheme = "https"
		httpAction = &lblistener.LbListenerDefaultAction{
			Type: jsii.String("redirect"),
			Redirect: &lblistener.LbListenerDefaultActionRedirect{
				Protocol: jsii.String("HTTPS"), Port: jsii.String("443"), StatusCode: jsii.String("HTTP_301"),
			},
		}
		e.HTTPSListener = lblistener.NewLbListener(c, jsii.String("https"), &lblistener.LbListenerConfig{
			LoadBalancerArn: e.LoadBalancer.Arn(),
			Port:            jsii.Number(443),
			Protocol:        jsii.String("HTTPS"),
			SslPolicy:       jsii.String(TLSPolicy),
			CertificateArn:  jsii.String(cfg.CertificateARN),
			DefaultAction:   &[]*lblistener.LbListenerDefaultAction{forward},
		})
	}
	e.HTTPListener = lblistener.NewLbListener(c, jsii.String("http"), &lblistener.LbListenerConfig{
		LoadBalancerArn: e.LoadBalancer.Arn(),
		Port:            jsii.Number(80),
		Protocol:        jsii.String("HTTP"),
		DefaultAction:   &[]*lblistener.LbListenerDefaultAction{httpAction},
	})
	// A token embeds in a Go string and resolves to an interpolation.
	e.URL = jsii.String(scheme + "://" + *e.LoadBalancer.DnsName())
	return e
}
