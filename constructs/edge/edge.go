// Package edge builds what a visitor connects to: an internet-facing
// Application Load Balancer in the public subnets with the ExternalWeb group,
// a target group for the web servers and the listeners. Port 80 forwards to
// the target group, as in the blog post; given a certificate, port 443
// terminates TLS 1.3 and port 80 redirects to it. Behind CloudFront the
// serving listener forwards only requests bearing the distribution's origin
// secret (origin.go). Access logs go to a private, encrypted, TLS-only S3
// bucket of the stack that expires them.
//
// Optionally (cdn.go, waf.go, dns.go) it also builds a CloudFront
// distribution in front of the load balancer, which it reaches over HTTPS
// when the load balancer has a certificate for the site's name; a WAFv2 web
// ACL on the distribution or the load balancer; and certificates validated
// through Route 53 with alias records for the site's domain.
//
// It needs the public subnets from the network tier and the ExternalWeb
// group from the security tier (which admits only CloudFront when the CDN
// is on, on the port CloudFront uses). The web tier registers its servers
// in TargetGroup.
package edge

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/lb"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/lblistener"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/lblistenerrule"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/lbtargetgroup"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/wordpress-cdktf/resilient-wordpress/constructs/network"
	"github.com/wordpress-cdktf/resilient-wordpress/constructs/security"
)

// TLSPolicy is the HTTPS listener's security policy: TLS 1.3, with TLS 1.2
// kept for older clients, and no CBC or SHA-1 ciphers.
const TLSPolicy = "ELBSecurityPolicy-TLS13-1-2-Res-2021-06"

// Defaults of LoadBalancerConfig.
const (
	DefaultHealthCheckPath            = "/"
	DefaultDeregistrationDelaySeconds = 30
)

var reCertificate = regexp.MustCompile(`^arn:aws[a-z-]*:acm:([a-z0-9-]+):[0-9]{12}:certificate/[0-9a-f-]+$`)

// CheckCertificateARN reports a string that is not an ACM certificate ARN,
// or, when region is not empty, a certificate of another region: a load
// balancer can only use certificates of its own region.
func CheckCertificateARN(arn, region string) error {
	m := reCertificate.FindStringSubmatch(arn)
	switch {
	case m == nil:
		example := region
		if example == "" {
			example = "us-east-1"
		}
		return fmt.Errorf("got %q, want an ACM certificate ARN such as arn:aws:acm:%s:123456789012:certificate/<id>", arn, example)
	case region != "" && m[1] != region:
		return fmt.Errorf("got %q, want a certificate in the stack's region %s (an ALB can only use certificates of its own region)", arn, region)
	}
	return nil
}

// LoadBalancerConfig describes the load balancer.
type LoadBalancerConfig struct {
	// Name prefixes the load balancer and target group names ("<project>-<environment>"). Required.
	Name string
	// Network places the load balancer in its public subnets. Required.
	Network *network.Network
	// Security provides the load balancer's group, ExternalWeb. Required.
	Security *security.Security
	// HealthCheckPath is what the target group requests from each server.
	// Default: DefaultHealthCheckPath ("/")
	HealthCheckPath string
	// CertificateARN, when set, adds the HTTPS listener and turns port 80 into a redirect.
	// Default: "" (HTTP only)
	CertificateARN string
	// AllowDeletion lifts the load balancer's deletion protection, for
	// throw-away environments; the zero value is the safe one.
	// Default: false (deletion protection on)
	AllowDeletion bool
	// Stickiness pins a visitor to one server for a day with a load balancer cookie.
	// Default: false
	Stickiness bool
	// AccessLogRetentionDays keeps access logs this long in their bucket.
	// Default: DefaultAccessLogRetentionDays (90)
	AccessLogRetentionDays int
	// AllowDestroyLogs lets Terraform delete the access log bucket with the
	// logs in it, for throw-away environments; the zero value is the safe one.
	// Default: false
	AllowDestroyLogs bool
	// OriginSecret, when set, makes the listener CloudFront connects to
	// (HTTPS with CertificateARN, else HTTP) forward only requests whose
	// OriginHeader carries it and answer 403 to all others.
	// Default: nil (every request is forwarded)
	OriginSecret *string
	// DeregistrationDelaySeconds lets in-flight requests finish on a server
	// being removed: WordPress pages answer in well under this.
	// Default: DefaultDeregistrationDelaySeconds (30)
	DeregistrationDelaySeconds int
}

func (cfg LoadBalancerConfig) withDefaults() LoadBalancerConfig {
	if cfg.HealthCheckPath == "" {
		cfg.HealthCheckPath = DefaultHealthCheckPath
	}
	if cfg.DeregistrationDelaySeconds == 0 {
		cfg.DeregistrationDelaySeconds = DefaultDeregistrationDelaySeconds
	}
	if cfg.AccessLogRetentionDays == 0 {
		cfg.AccessLogRetentionDays = DefaultAccessLogRetentionDays
	}
	return cfg
}

// validate checks a configuration after withDefaults and returns every
// problem at once.
func (cfg LoadBalancerConfig) validate() error {
	var errs []error
	if cfg.Name == "" {
		errs = append(errs, errors.New("name: required"))
	}
	if cfg.Network == nil {
		errs = append(errs, errors.New("network: required"))
	}
	if cfg.Security == nil {
		errs = append(errs, errors.New("security: required"))
	}
	if err := CheckAccessLogRetention(cfg.AccessLogRetentionDays); err != nil {
		errs = append(errs, fmt.Errorf("access log retention: %w", err))
	}
	if !strings.HasPrefix(cfg.HealthCheckPath, "/") {
		errs = append(errs, fmt.Errorf("health check path: got %q, want a URL path starting with /", cfg.HealthCheckPath))
	}
	// A token (a certificate the stack issues) is known only at apply.
	if cfg.CertificateARN != "" && !*cdktf.Token_IsUnresolved(jsii.String(cfg.CertificateARN)) {
		if err := CheckCertificateARN(cfg.CertificateARN, ""); err != nil {
			errs = append(errs, fmt.Errorf("certificate ARN: %w", err))
		}
	}
	// The range the target group attribute accepts.
	if d := cfg.DeregistrationDelaySeconds; d < 0 || d > 3600 {
		errs = append(errs, fmt.Errorf("deregistration delay: got %d seconds, want 0 to 3600", d))
	}
	return errors.Join(errs...)
}

// LoadBalancer is the built edge, seen by what it fronts.
type LoadBalancer struct {
	constructs.Construct
	loadBalancer lb.Lb
	targetGroup  lbtargetgroup.LbTargetGroup
	url          *string
	https        bool
}

// URL is the site's address: http:// or https:// followed by the load
// balancer's DNS name.
func (e *LoadBalancer) URL() *string { return e.url }

// HTTPS reports whether the load balancer serves HTTPS (it has a certificate).
func (e *LoadBalancer) HTTPS() bool { return e.https }

// DNSName is the load balancer's DNS name, for a CNAME or alias record.
func (e *LoadBalancer) DNSName() *string { return e.loadBalancer.DnsName() }

// TargetGroupARN is the target group the web servers register in.
func (e *LoadBalancer) TargetGroupARN() *string { return e.targetGroup.Arn() }

// ARNSuffix names the load balancer in CloudWatch metrics (LoadBalancer).
func (e *LoadBalancer) ARNSuffix() *string { return e.loadBalancer.ArnSuffix() }

// TargetGroupARNSuffix names the target group in CloudWatch metrics (TargetGroup).
func (e *LoadBalancer) TargetGroupARNSuffix() *string { return e.targetGroup.ArnSuffix() }

// ARN is the load balancer's ARN, for a regional web ACL.
func (e *LoadBalancer) ARN() *string { return e.loadBalancer.Arn() }

// ZoneID is the Route 53 zone of the load balancer's DNS name, for alias records.
func (e *LoadBalancer) ZoneID() *string { return e.loadBalancer.ZoneId() }

// NewLoadBalancer builds the load balancer, its target group and listeners.
// It panics on an invalid configuration.
func NewLoadBalancer(scope constructs.Construct, id string, cfg LoadBalancerConfig) *LoadBalancer {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		panic(fmt.Errorf("edge %q: invalid configuration: %w", id, err))
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	e := &LoadBalancer{Construct: c}
	logBucket, logPolicy := newAccessLogBucket(c, cfg)

	e.loadBalancer = lb.NewLb(c, jsii.String("web"), &lb.LbConfig{
		Name:                     jsii.String(cfg.Name),
		LoadBalancerType:         jsii.String("application"),
		Internal:                 jsii.Bool(false),
		Subnets:                  cfg.Network.SubnetIDs(network.Public),
		SecurityGroups:           cfg.Security.LoadBalancerGroupIDs(),
		DropInvalidHeaderFields:  jsii.Bool(true), // closes a request-smuggling path to the servers
		EnableHttp2:              jsii.Bool(true),
		EnableDeletionProtection: jsii.Bool(!cfg.AllowDeletion),
		DesyncMitigationMode:     jsii.String("defensive"),
		AccessLogs: &lb.LbAccessLogs{
			Bucket:  logBucket.Bucket(),
			Prefix:  jsii.String(AccessLogPrefix),
			Enabled: jsii.Bool(true),
		},
		Tags: &map[string]*string{"Name": jsii.String(cfg.Name)},
		// The load balancer checks that it may write to the bucket.
		DependsOn: &[]cdktf.ITerraformDependable{logPolicy},
	})

	e.targetGroup = lbtargetgroup.NewLbTargetGroup(c, jsii.String("web.target-group"), &lbtargetgroup.LbTargetGroupConfig{
		Name:                jsii.String(cfg.Name + "-web"),
		Port:                jsii.Number(80),
		Protocol:            jsii.String("HTTP"),
		TargetType:          jsii.String("instance"),
		VpcId:               cfg.Network.VpcID(),
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

	forward := &lblistener.LbListenerDefaultAction{Type: jsii.String("forward"), TargetGroupArn: e.targetGroup.Arn()}
	// The front listener is the one that serves: HTTPS given a
	// certificate, else HTTP. Behind CloudFront it forwards only requests
	// bearing the origin secret.
	frontAction := forward
	if cfg.OriginSecret != nil {
		frontAction = &lblistener.LbListenerDefaultAction{
			Type: jsii.String("fixed-response"),
			FixedResponse: &lblistener.LbListenerDefaultActionFixedResponse{
				ContentType: jsii.String("text/plain"), StatusCode: jsii.String("403"), MessageBody: jsii.String("Forbidden\n"),
			},
		}
	}
	scheme, httpAction := "http", frontAction
	var front lblistener.LbListener
	if cfg.CertificateARN != "" {
		scheme, e.https = "https", true
		httpAction = &lblistener.LbListenerDefaultAction{
			Type: jsii.String("redirect"),
			Redirect: &lblistener.LbListenerDefaultActionRedirect{
				Protocol: jsii.String("HTTPS"), Port: jsii.String("443"), StatusCode: jsii.String("HTTP_301"),
			},
		}
		front = lblistener.NewLbListener(c, jsii.String("https"), &lblistener.LbListenerConfig{
			LoadBalancerArn: e.loadBalancer.Arn(),
			Port:            jsii.Number(443),
			Protocol:        jsii.String("HTTPS"),
			SslPolicy:       jsii.String(TLSPolicy),
			CertificateArn:  jsii.String(cfg.CertificateARN),
			DefaultAction:   &[]*lblistener.LbListenerDefaultAction{frontAction},
		})
	}
	http := lblistener.NewLbListener(c, jsii.String("http"), &lblistener.LbListenerConfig{
		LoadBalancerArn: e.loadBalancer.Arn(),
		Port:            jsii.Number(80),
		Protocol:        jsii.String("HTTP"),
		DefaultAction:   &[]*lblistener.LbListenerDefaultAction{httpAction},
	})
	if front == nil {
		front = http
	}
	if cfg.OriginSecret != nil {
		lblistenerrule.NewLbListenerRule(c, jsii.String("cdn-only"), &lblistenerrule.LbListenerRuleConfig{
			ListenerArn: front.Arn(),
			Priority:    jsii.Number(1),
			Condition: &[]*lblistenerrule.LbListenerRuleCondition{{
				HttpHeader: &lblistenerrule.LbListenerRuleConditionHttpHeader{
					HttpHeaderName: jsii.String(OriginHeader),
					Values:         &[]*string{cfg.OriginSecret},
				},
			}},
			Action: &[]*lblistenerrule.LbListenerRuleAction{{Type: jsii.String("forward"), TargetGroupArn: e.targetGroup.Arn()}},
		})
	}
	// A token embeds in a Go string and resolves to an interpolation.
	e.url = jsii.String(scheme + "://" + *e.loadBalancer.DnsName())
	return e
}
