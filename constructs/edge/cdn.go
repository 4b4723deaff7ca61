package edge

import (
	"errors"
	"fmt"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/cloudfrontcachepolicy"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/cloudfrontdistribution"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/cloudfrontoriginrequestpolicy"
)

// CloudFrontTLSPolicy is the viewers' minimum TLS version with a certificate
// of our own: TLS 1.2 and later with current ciphers. CloudFront's default
// certificate ignores it (see README, "CDN").
const CloudFrontTLSPolicy = "TLSv1.2_2021"

// originID names the load balancer among the distribution's origins.
const originID = "alb"

// CDNConfig describes the CloudFront distribution in front of the load balancer.
type CDNConfig struct {
	// Name prefixes the policy names and comments ("<project>-<environment>"). Required.
	Name string
	// LoadBalancer is the origin; its security group must admit
	// CloudFront's origin-facing prefix list only, on the port OriginHTTPS
	// picks. Required.
	LoadBalancer *LoadBalancer
	// OriginHTTPS makes CloudFront reach the load balancer over HTTPS on
	// port 443 (TLS 1.2), which needs a load balancer certificate for the
	// site's name: CloudFront forwards the viewer's Host header and checks
	// the certificate against it (the load balancer's own DNS name cannot
	// have one).
	// Default: false (HTTP on port 80)
	OriginHTTPS bool
	// CertificateARN is an ACM certificate in us-east-1 covering Aliases.
	// Default: "" (CloudFront's default certificate, *.cloudfront.net)
	CertificateARN *string
	// Aliases are the site's host names; they need CertificateARN.
	// Default: none
	Aliases []string
	// WebACLARN attaches a WAFv2 web ACL of scope CLOUDFRONT.
	// Default: "" (none)
	WebACLARN *string
	// OriginSecret is sent to the load balancer in OriginHeader, which its
	// listener requires. Required.
	OriginSecret *string
	// PriceClass picks the edge locations.
	// Default: "PriceClass_All"
	PriceClass string
}

// originProtocol is CloudFront's origin protocol policy.
func originProtocol(https bool) string {
	if https {
		return "https-only"
	}
	return "http-only"
}

// CDN is the built distribution.
type CDN struct {
	constructs.Construct
	Distribution cloudfrontdistribution.CloudfrontDistribution
	// DomainName is the distribution's *.cloudfront.net name; HostedZoneID
	// is the zone Route 53 alias records to it name.
	DomainName, HostedZoneID *string
}

func (cfg CDNConfig) withDefaults() CDNConfig {
	if cfg.PriceClass == "" {
		cfg.PriceClass = "PriceClass_All"
	}
	return cfg
}

func (cfg CDNConfig) validate() error {
	var errs []error
	if cfg.Name == "" {
		errs = append(errs, errors.New("name: required"))
	}
	if cfg.LoadBalancer == nil {
		errs = append(errs, errors.New("load balancer: required"))
	}
	if cfg.OriginSecret == nil {
		errs = append(errs, errors.New("origin secret: required"))
	}
	if cfg.OriginHTTPS {
		if cfg.LoadBalancer != nil && !cfg.LoadBalancer.HTTPS() {
			errs = append(errs, errors.New("origin HTTPS: the load balancer has no certificate"))
		}
		if len(cfg.Aliases) == 0 {
			errs = append(errs, errors.New("origin HTTPS: needs aliases, the names the load balancer's certificate covers"))
		}
	}
	if len(cfg.Aliases) > 0 && cfg.CertificateARN == nil {
		errs = append(errs, fmt.Errorf("aliases: got %q, want a certificate covering them", cfg.Aliases))
	}
	for _, a := range cfg.Aliases {
		if err := CheckDomainName(a); err != nil {
			errs = append(errs, fmt.Errorf("aliases: %w", err))
		}
	}
	return errors.Join(errs...)
}

// NewCDN builds the distribution and the policies of its behaviours
// (Behaviours). It panics on an invalid configuration.
func NewCDN(scope constructs.Construct, id string, cfg CDNConfig) *CDN {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		panic(fmt.Errorf("edge: cdn %q: invalid configuration: %w", id, err))
	}
	c := constructs.NewConstruct(scope, jsii.String(id))

	static := cloudfrontcachepolicy.NewCloudfrontCachePolicy(c, jsii.String("static"), &cloudfrontcachepolicy.CloudfrontCachePolicyConfig{
		Name:       jsii.String(cfg.Name + "-static"),
		Comment:    jsii.String("WordPress themes, plugins, uploads and core assets: cached long, keyed on the query string (?ver=)"),
		MinTtl:     jsii.Number(0), // a response that says no-store is not stored
		DefaultTtl: jsii.Number(StaticDefaultTTL),
		MaxTtl:     jsii.Number(StaticMaxTTL),
		ParametersInCacheKeyAndForwardedToOrigin: &cloudfrontcachepolicy.CloudfrontCachePolicyParametersInCacheKeyAndForwardedToOrigin{
			CookiesConfig:              &cloudfrontcachepolicy.CloudfrontCachePolicyParametersInCacheKeyAndForwardedToOriginCookiesConfig{CookieBehavior: jsii.String("none")},
			HeadersConfig:              &cloudfrontcachepolicy.CloudfrontCachePolicyParametersInCacheKeyAndForwardedToOriginHeadersConfig{HeaderBehavior: jsii.String("none")},
			QueryStringsConfig:         &cloudfrontcachepolicy.CloudfrontCachePolicyParametersInCacheKeyAndForwardedToOriginQueryStringsConfig{QueryStringBehavior: jsii.String("all")},
			EnableAcceptEncodingGzip:   jsii.Bool(true),
			EnableAcceptEncodingBrotli: jsii.Bool(true),
		},
	})
	// WordPress compares the Host it is asked for with its site URL and
	// redirects when they differ: it must see the viewer's host, or a
	// missing file's redirect would point at itself through the cache.
	viewerHost := cloudfrontoriginrequestpolicy.NewCloudfrontOriginRequestPolicy(c, jsii.String("viewer-host"), &cloudfrontoriginrequestpolicy.CloudfrontOriginRequestPolicyConfig{
		Name:    jsii.String(cfg.Name + "-viewer-host"),
		Comment: jsii.String("The viewer's Host header, so WordPress sees its public host name"),
		CookiesConfig: &cloudfrontoriginrequestpolicy.CloudfrontOriginRequestPolicyCookiesConfig{
			CookieBehavior: jsii.String("none"),
		},
		HeadersConfig: &cloudfrontoriginrequestpolicy.CloudfrontOriginRequestPolicyHeadersConfig{
			HeaderBehavior: jsii.String("whitelist"),
			Headers:        &cloudfrontoriginrequestpolicy.CloudfrontOriginRequestPolicyHeadersConfigHeaders{Items: jsii.Strings("Host")},
		},
		QueryStringsConfig: &cloudfrontoriginrequestpolicy.CloudfrontOriginRequestPolicyQueryStringsConfig{
			QueryStringBehavior: jsii.String("none"),
		},
	})

	allMethods := jsii.Strings("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
	readMethods := jsii.Strings("GET", "HEAD")
	var ordered []*cloudfrontdistribution.CloudfrontDistributionOrderedCacheBehavior
	for _, b := range Behaviours {
		ob := &cloudfrontdistribution.CloudfrontDistributionOrderedCacheBehavior{
			PathPattern:             jsii.String(b.PathPattern),
			TargetOriginId:          jsii.String(originID),
			ViewerProtocolPolicy:    jsii.String("redirect-to-https"),
			CachedMethods:           readMethods,
			Compress:                jsii.Bool(true),
			ResponseHeadersPolicyId: jsii.String(ManagedSecurityHeadersPolicy),
		}
		switch b.Caching {
		case Never:
			ob.AllowedMethods = allMethods
			ob.CachePolicyId = jsii.String(ManagedCachingDisabled)
			ob.OriginRequestPolicyId = jsii.String(ManagedAllViewer)
		case Static:
			ob.AllowedMethods = readMethods
			ob.CachePolicyId = static.Id()
			ob.OriginRequestPolicyId = viewerHost.Id()
		default:
			panic(fmt.Errorf("edge: cdn %q: behaviour %s: caching %d is the default behaviour's only", id, b.PathPattern, b.Caching))
		}
		ordered = append(ordered, ob)
	}

	viewerCert := &cloudfrontdistribution.CloudfrontDistributionViewerCertificate{CloudfrontDefaultCertificate: jsii.Bool(true)}
	if cfg.CertificateARN != nil {
		viewerCert = &cloudfrontdistribution.CloudfrontDistributionViewerCertificate{
			AcmCertificateArn:      cfg.CertificateARN,
			SslSupportMethod:       jsii.String("sni-only"),
			MinimumProtocolVersion: jsii.String(CloudFrontTLSPolicy),
		}
	}
	d := cloudfrontdistribution.NewCloudfrontDistribution(c, jsii.String("cdn"), &cloudfrontdistribution.CloudfrontDistributionConfig{
		Comment:       jsii.String("WordPress " + cfg.Name),
		Enabled:       jsii.Bool(true),
		IsIpv6Enabled: jsii.Bool(true),
		HttpVersion:   jsii.String("http2and3"),
		PriceClass:    jsii.String(cfg.PriceClass),
		Aliases:       jsii.Strings(cfg.Aliases...),
		WebAclId:      cfg.WebACLARN,
		Origin: &[]*cloudfrontdistribution.CloudfrontDistributionOrigin{{
			OriginId:   jsii.String(originID),
			DomainName: cfg.LoadBalancer.DNSName(),
			CustomHeader: &[]*cloudfrontdistribution.CloudfrontDistributionOriginCustomHeader{{
				Name: jsii.String(OriginHeader), Value: cfg.OriginSecret,
			}},
			CustomOriginConfig: &cloudfrontdistribution.CloudfrontDistributionOriginCustomOriginConfig{
				HttpPort:  jsii.Number(80),
				HttpsPort: jsii.Number(443),
				// Either way the load balancer's group admits CloudFront
				// only, its listener this distribution only (README, "CDN").
				OriginProtocolPolicy: jsii.String(originProtocol(cfg.OriginHTTPS)),
				OriginSslProtocols:   jsii.Strings("TLSv1.2"),
				// WordPress updates and imports in wp-admin take time.
				OriginReadTimeout: jsii.Number(60),
			},
		}},
		DefaultCacheBehavior: &cloudfrontdistribution.CloudfrontDistributionDefaultCacheBehavior{
			TargetOriginId:       jsii.String(originID),
			ViewerProtocolPolicy: jsii.String("redirect-to-https"),
			AllowedMethods:       allMethods,
			CachedMethods:        readMethods,
			Compress:             jsii.Bool(true),
			// Legacy forwarded values rather than a cache policy: they
			// accept wildcards in cookie names, and WordPress's cookie
			// names end in a per-site hash.
			ForwardedValues: &cloudfrontdistribution.CloudfrontDistributionDefaultCacheBehaviorForwardedValues{
				QueryString: jsii.Bool(true),
				Headers:     jsii.Strings("Host"),
				Cookies: &cloudfrontdistribution.CloudfrontDistributionDefaultCacheBehaviorForwardedValuesCookies{
					Forward:          jsii.String("whitelist"),
					WhitelistedNames: jsii.Strings(AuthCookies...),
				},
			},
			MinTtl:                  jsii.Number(0),
			DefaultTtl:              jsii.Number(PagesDefaultTTL),
			MaxTtl:                  jsii.Number(PagesMaxTTL),
			ResponseHeadersPolicyId: jsii.String(ManagedSecurityHeadersPolicy),
		},
		OrderedCacheBehavior: &ordered,
		Restrictions: &cloudfrontdistribution.CloudfrontDistributionRestrictions{
			GeoRestriction: &cloudfrontdistribution.CloudfrontDistributionRestrictionsGeoRestriction{RestrictionType: jsii.String("none")},
		},
		ViewerCertificate: viewerCert,
		Tags:              &map[string]*string{"Name": jsii.String(cfg.Name)},
	})
	return &CDN{Construct: c, Distribution: d, DomainName: d.DomainName(), HostedZoneID: d.HostedZoneId()}
}
