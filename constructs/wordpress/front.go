package wordpress

import (
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/provider"

	"github.com/wordpress-cdktf/resilient-wordpress/constructs/data"
	"github.com/wordpress-cdktf/resilient-wordpress/constructs/edge"
)

// The optional parts of the stack in front of and beside the seed's
// architecture: CloudFront, WAF, the certificates and DNS records the
// stack issues, and the object cache. Each is off unless its key is set.

// usEast1Alias names the provider of the resources CloudFront needs in
// us-east-1 whatever the stack's region: its certificate, its web ACL and
// that ACL's log group.
const usEast1Alias = "us_east_1"

// front holds what the load balancer needs before it is built.
type front struct {
	usEast1 provider.AwsProvider
	// certificateARN is the load balancer's certificate: configured, or
	// issued by the stack (validated) when there is a zone: for visitors
	// without a CDN, for CloudFront with one.
	certificateARN string
	// cdnCertificateARN is CloudFront's: configured or issued; nil for
	// the default certificate.
	cdnCertificateARN *string
	// originSecret is what CloudFront shows the load balancer; nil without a CDN.
	originSecret *string
}

// newFront builds the us-east-1 provider and the certificates.
func newFront(stack constructs.Construct, cfg StackConfig) front {
	f := front{certificateARN: cfg.CertificateARN}
	if cfg.CDN {
		f.usEast1 = provider.NewAwsProvider(stack, jsii.String("aws-us-east-1"), &provider.AwsProviderConfig{
			Alias:       jsii.String(usEast1Alias),
			Region:      jsii.String("us-east-1"),
			DefaultTags: &[]*provider.AwsProviderDefaultTags{{Tags: defaultTags(cfg)}},
		})
		if cfg.CDNCertificateARN != "" {
			f.cdnCertificateARN = jsii.String(cfg.CDNCertificateARN)
		}
		f.originSecret = edge.NewOriginSecret(stack, "origin-secret")
	}
	if cfg.HostedZoneID == "" {
		return f
	}
	certCfg := edge.CertificateConfig{DomainName: cfg.DomainName, HostedZoneID: cfg.HostedZoneID}
	if !cfg.CDN {
		f.certificateARN = *edge.NewCertificate(stack, "certificate", certCfg).ARN
		return f
	}
	viewers := certCfg
	viewers.Provider = f.usEast1
	cdnCert := edge.NewCertificate(stack, "cdn-certificate", viewers)
	f.cdnCertificateARN = cdnCert.ARN
	if cfg.OriginHTTPS() {
		// The same name in the stack's region, for the HTTPS listener that
		// CloudFront connects to.
		origin := certCfg
		origin.Name, origin.ValidatedBy = "origin", cdnCert
		f.certificateARN = *edge.NewCertificate(stack, "origin-certificate", origin).ARN
	}
	return f
}

// publicURL is the site's address when the stack fixes it, for WordPress:
// behind CloudFront or with a domain name. Nil otherwise: a site on the load
// balancer's own name keeps the address it was installed with.
func (s *Stack) publicURL(cfg StackConfig) *string {
	if cfg.CDN || cfg.DomainName != "" {
		return s.SiteURL
	}
	return nil
}

// addFront builds what stands in front of the load balancer and the
// object cache, and sets the site's URL.
func (s *Stack) addFront(stack constructs.Construct, cfg StackConfig, f front) {
	s.SiteURL = s.LoadBalancer.URL()
	var webACL *string
	if cfg.WAF {
		wafCfg := edge.WAFConfig{
			Name:             cfg.Name(),
			Scope:            edge.ScopeRegional,
			LoadBalancerARN:  s.LoadBalancer.ARN(),
			LoginRateLimit:   cfg.WAFLoginRateLimit,
			LogRetentionDays: cfg.WAFLogRetentionDays,
		}
		if cfg.CDN {
			wafCfg.Scope, wafCfg.Provider, wafCfg.LoadBalancerARN = edge.ScopeCloudFront, f.usEast1, nil
		}
		s.WAF = edge.NewWAF(stack, "waf", wafCfg)
		webACL = s.WAF.ARN
	}
	target, targetZone := s.LoadBalancer.DNSName(), s.LoadBalancer.ZoneID()
	if cfg.CDN {
		cdnCfg := edge.CDNConfig{
			Name:           cfg.Name(),
			LoadBalancer:   s.LoadBalancer,
			OriginHTTPS:    cfg.OriginHTTPS(),
			CertificateARN: f.cdnCertificateARN,
			OriginSecret:   f.originSecret,
			WebACLARN:      webACL,
		}
		if cfg.DomainName != "" {
			cdnCfg.Aliases = []string{cfg.DomainName}
		}
		s.CDN = edge.NewCDN(stack, "cdn", cdnCfg)
		target, targetZone = s.CDN.DomainName, s.CDN.HostedZoneID
		s.SiteURL = jsii.String("https://" + *s.CDN.DomainName)
	}
	if cfg.DomainName != "" {
		s.SiteURL = jsii.String("https://" + cfg.DomainName)
	}
	if cfg.HostedZoneID != "" {
		edge.NewAliasRecords(stack, "dns", edge.AliasRecordsConfig{
			HostedZoneID:         cfg.HostedZoneID,
			DomainName:           cfg.DomainName,
			TargetDNSName:        target,
			TargetZoneID:         targetZone,
			IPv6:                 cfg.CDN,
			EvaluateTargetHealth: !cfg.CDN,
		})
	}
	if cfg.ObjectCache {
		s.Cache = data.NewCache(stack, "cache", data.CacheConfig{
			Name:     cfg.Name(),
			Network:  s.Network,
			Security: s.Security,
			NodeType: cfg.CacheNodeType,
		})
	}
}
