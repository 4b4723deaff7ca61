package edge

import "fmt"

// CloudFrontCertificateRegion is the only region whose ACM certificates
// CloudFront uses.
const CloudFrontCertificateRegion = "us-east-1"

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
