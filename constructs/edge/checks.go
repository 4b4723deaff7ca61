package edge

import (
	"fmt"
	"regexp"
	"strings"
)

// The rules of the edge's optional parts, each used by its construct's
// validate() and by the stack configuration's Validate.

// CloudFrontCertificateRegion is the only region whose ACM certificates
// CloudFront uses.
const CloudFrontCertificateRegion = "us-east-1"

// Defaults of WAFConfig, also the defaults of the stack configuration.
const (
	DefaultWAFLoginRateLimit   = 100
	DefaultWAFLogRetentionDays = 90
)

// WAF's bounds of a rate-based rule's limit.
const (
	minRateLimit = 10
	maxRateLimit = 2000000000
)

var (
	rePrefixList  = regexp.MustCompile(`^pl-[0-9a-f]{8,17}$`)
	reHostedZone  = regexp.MustCompile(`^Z[A-Z0-9]{1,31}$`)
	reDomainLabel = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
)

// CheckCloudFrontCertificateARN reports a string that is not an ACM
// certificate ARN of us-east-1.
func CheckCloudFrontCertificateARN(arn string) error {
	m := reCertificate.FindStringSubmatch(arn)
	switch {
	case m == nil:
		return fmt.Errorf("got %q, want an ACM certificate ARN such as arn:aws:acm:%s:123456789012:certificate/<id>", arn, CloudFrontCertificateRegion)
	case m[1] != CloudFrontCertificateRegion:
		return fmt.Errorf("got %q, want a certificate in %s (CloudFront uses certificates of that region only)", arn, CloudFrontCertificateRegion)
	}
	return nil
}

// CheckPrefixListID reports a string that is not a prefix list ID.
func CheckPrefixListID(id string) error {
	if !rePrefixList.MatchString(id) {
		return fmt.Errorf("got %q, want a prefix list ID such as %s", id, CloudFrontPrefixLists["us-east-1"])
	}
	return nil
}

// CheckLoginRateLimit reports a rate-based rule limit WAF refuses.
func CheckLoginRateLimit(n int) error {
	if n < minRateLimit || n > maxRateLimit {
		return fmt.Errorf("got %d, want %d to %d requests per client IP in %d seconds", n, minRateLimit, maxRateLimit, RateWindowSeconds)
	}
	return nil
}

// CheckDomainName reports a string that is not a lowercase DNS host name
// of at least two labels.
func CheckDomainName(name string) error {
	labels := strings.Split(name, ".")
	ok := len(name) <= 253 && len(labels) >= 2
	for _, l := range labels {
		ok = ok && reDomainLabel.MatchString(l)
	}
	if !ok {
		return fmt.Errorf("got %q, want a lowercase host name of at least two labels, such as www.example.com", name)
	}
	return nil
}

// CheckHostedZoneID reports a string that is not a Route 53 hosted zone ID.
func CheckHostedZoneID(id string) error {
	if !reHostedZone.MatchString(id) {
		return fmt.Errorf("got %q, want a Route 53 hosted zone ID such as Z0123456789ABCDEFGHIJ", id)
	}
	return nil
}
