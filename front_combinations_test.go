package main

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wordpress-cdktf/resilient-wordpress/constructs/wordpress"
)

// cdnCert is a CloudFront certificate made elsewhere.
const cdnCert = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"

// frontCombinations are the combinations of the optional front that no
// golden stack holds; TestMain synthesizes them with the stacks under test,
// as stacks named by env.
var frontCombinations = []struct {
	env    string
	name   string
	config func(*wordpress.StackConfig)
	want   map[string]any // JSON paths below resource, or "site_url"
}{
	{
		env:  "zone",
		name: "zone without cdn: regional certificate on the listener, A record to the load balancer",
		config: func(c *wordpress.StackConfig) {
			c.DomainName, c.HostedZoneID = "www.example.com", "Z0123456789EXAMPLE"
		},
		want: map[string]any{
			"site_url":                              "https://www.example.com",
			"aws_acm_certificate.site.provider":     nil,
			"aws_lb_listener.https.certificate_arn": "${aws_acm_certificate_validation.site.certificate_arn}",
			"aws_route53_record.site_ipv4.alias":    map[string]any{"name": "${aws_lb.web.dns_name}", "zone_id": "${aws_lb.web.zone_id}", "evaluate_target_health": true},
			"aws_route53_record.site_ipv6":          nil,
			"aws_cloudfront_distribution.cdn":       nil,
		},
	},
	{
		env:    "cdn",
		name:   "cdn alone: CloudFront's default certificate and name",
		config: func(c *wordpress.StackConfig) { c.CDN = true },
		want: map[string]any{
			"site_url": "https://${aws_cloudfront_distribution.cdn.domain_name}",
			"aws_cloudfront_distribution.cdn.viewer_certificate": map[string]any{"cloudfront_default_certificate": true},
			"aws_cloudfront_distribution.cdn.aliases":            []any{},
			"aws_acm_certificate.site":                           nil,
			"aws_route53_record.site_ipv4":                       nil,
		},
	},
	{
		env:  "cdncert",
		name: "cdn with a certificate from elsewhere: aliases, no records",
		config: func(c *wordpress.StackConfig) {
			c.CDN, c.DomainName, c.CDNCertificateARN = true, "www.example.com", cdnCert
		},
		want: map[string]any{
			"site_url": "https://www.example.com",
			"aws_cloudfront_distribution.cdn.viewer_certificate": map[string]any{
				"acm_certificate_arn": cdnCert, "minimum_protocol_version": "TLSv1.2_2021", "ssl_support_method": "sni-only",
			},
			"aws_cloudfront_distribution.cdn.aliases": []any{"www.example.com"},
			"aws_acm_certificate.site":                nil,
			"aws_route53_record.site_ipv4":            nil,
			"aws_lb_listener.https":                   nil,
		},
	},
	{
		env:  "cdncerts",
		name: "cdn with both certificates from elsewhere: CloudFront reaches the load balancer over HTTPS",
		config: func(c *wordpress.StackConfig) {
			c.CDN, c.DomainName, c.CDNCertificateARN, c.CertificateARN = true, "www.example.com", cdnCert, lbCert
		},
		want: map[string]any{
			"site_url":                                "https://www.example.com",
			"aws_lb_listener.https.certificate_arn":   lbCert,
			"aws_cloudfront_distribution.cdn.aliases": []any{"www.example.com"},
			"aws_vpc_security_group_ingress_rule.external_web_https_from_cloudfront.from_port": 443.0,
			"aws_acm_certificate.site":     nil,
			"aws_acm_certificate.origin":   nil,
			"aws_route53_record.site_ipv4": nil,
		},
	},
}

// lbCert is a load balancer certificate made elsewhere, in the stack's
// region (the default, us-east-1).
const lbCert = "arn:aws:acm:us-east-1:123456789012:certificate/66666666-7777-8888-9999-000000000000"

// frontCombinationConfigs configures the stacks of frontCombinations.
func frontCombinationConfigs() ([]wordpress.StackConfig, error) {
	var cfgs []wordpress.StackConfig
	for _, tt := range frontCombinations {
		c := wordpress.DefaultConfig()
		c.Environment = tt.env
		tt.config(&c)
		c = c.Resolve()
		if err := c.Validate(nil); err != nil {
			return nil, fmt.Errorf("front combination %s: %w", tt.name, err)
		}
		cfgs = append(cfgs, c)
	}
	return cfgs, nil
}

// TestFrontCombinations checks how certificates, records and the site URL
// follow the configuration in the front combinations no golden stack holds.
func TestFrontCombinations(t *testing.T) {
	for _, tt := range frontCombinations {
		t.Run(tt.name, func(t *testing.T) {
			doc := frontStacks[tt.env].JSON
			got := map[string]any{}
			for path := range tt.want {
				if path == "site_url" {
					got[path] = lookup(doc, "output", "site_url", "value")
					continue
				}
				got[path] = lookup(doc, append([]string{"resource"}, splitPath(path)...)...)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// splitPath splits "type.name.attribute" into its three parts (or two).
func splitPath(p string) []string {
	var out []string
	start := 0
	for i := 0; i < len(p); i++ {
		if p[i] == '.' && len(out) < 2 {
			out = append(out, p[start:i])
			start = i + 1
		}
	}
	return append(out, p[start:])
}

// lookup walks nested objects; a missing key gives nil.
func lookup(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}
