package edge

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/acmcertificate"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/acmcertificatevalidation"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/route53record"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
)

// CertificateConfig describes a certificate the stack issues for the site.
type CertificateConfig struct {
	// DomainName is the host name the certificate covers. Required.
	DomainName string
	// HostedZoneID is the public Route 53 zone that holds the validation record. Required.
	HostedZoneID string
	// Provider places the certificate: the us-east-1 provider for
	// CloudFront, nil for the load balancer.
	// Default: nil (the stack's provider and region)
	Provider cdktf.TerraformProvider
	// Name names the certificate's resources in Terraform: the certificate
	// and its validation are aws_acm_certificate.<Name> and
	// aws_acm_certificate_validation.<Name>, its record
	// aws_route53_record.<Name>_validation.
	// Default: "site"
	Name string
	// ValidatedBy is a certificate for the same DomainName, in another
	// region, whose validation record this one shares. ACM asks for the same
	// record for every certificate of a name in one account, and two
	// Terraform resources writing one record would each delete it when
	// destroyed, under the other's renewals.
	// Default: nil (the certificate writes its own validation record)
	ValidatedBy *Certificate
}

// Certificate is an ACM certificate validated through DNS.
type Certificate struct {
	constructs.Construct
	// ARN resolves only once ACM has validated the certificate, so a
	// listener or distribution that uses it waits for the validation.
	ARN *string
	// domainName and validationFQDN let another certificate of the same
	// name share the validation record (CertificateConfig.ValidatedBy).
	domainName     string
	validationFQDN *string
}

func (cfg CertificateConfig) withDefaults() CertificateConfig {
	if cfg.Name == "" {
		cfg.Name = "site"
	}
	return cfg
}

func (cfg CertificateConfig) validate() error {
	errs := []error{checkZoneAndName(cfg.HostedZoneID, cfg.DomainName)}
	if v := cfg.ValidatedBy; v != nil && v.domainName != cfg.DomainName {
		errs = append(errs, fmt.Errorf("validated by: got a certificate for %q, want one for %q (the record is per name)", v.domainName, cfg.DomainName))
	}
	return errors.Join(errs...)
}

// checkZoneAndName reports a missing or malformed zone ID or domain name.
func checkZoneAndName(zoneID, domainName string) error {
	var errs []error
	if err := CheckDomainName(domainName); err != nil {
		errs = append(errs, fmt.Errorf("domain name: %w", err))
	}
	if err := CheckHostedZoneID(zoneID); err != nil {
		errs = append(errs, fmt.Errorf("hosted zone ID: %w", err))
	}
	return errors.Join(errs...)
}

// NewCertificate requests the certificate, writes its validation record
// into the zone and waits for ACM to validate it. It panics on an invalid
// configuration.
func NewCertificate(scope constructs.Construct, id string, cfg CertificateConfig) *Certificate {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		panic(fmt.Errorf("edge: certificate %q: invalid configuration: %w", id, err))
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	cert := acmcertificate.NewAcmCertificate(c, jsii.String(cfg.Name), &acmcertificate.AcmCertificateConfig{
		Provider:         cfg.Provider,
		DomainName:       jsii.String(cfg.DomainName),
		ValidationMethod: jsii.String("DNS"),
		Tags:             &map[string]*string{"Name": jsii.String(cfg.DomainName)},
		// A replacement (say, a new name) is issued before the old
		// certificate is released from its listener or distribution.
		Lifecycle: &cdktf.TerraformResourceLifecycle{CreateBeforeDestroy: jsii.Bool(true)},
	})
	var fqdn *string
	if cfg.ValidatedBy != nil {
		fqdn = cfg.ValidatedBy.validationFQDN
	} else {
		// One name, so one validation option.
		opt := cert.DomainValidationOptions().Get(jsii.Number(0))
		record := route53record.NewRoute53Record(c, jsii.String(cfg.Name+"-validation"), &route53record.Route53RecordConfig{
			ZoneId:  jsii.String(cfg.HostedZoneID),
			Name:    opt.ResourceRecordName(),
			Type:    opt.ResourceRecordType(),
			Records: &[]*string{opt.ResourceRecordValue()},
			Ttl:     jsii.Number(300),
			// The record is the same for every certificate of this name and
			// account: a replacement certificate finds it already there.
			AllowOverwrite: jsii.Bool(true),
		})
		fqdn = record.Fqdn()
	}
	v := acmcertificatevalidation.NewAcmCertificateValidation(c, jsii.String(cfg.Name+".validation"), &acmcertificatevalidation.AcmCertificateValidationConfig{
		Provider:              cfg.Provider,
		CertificateArn:        cert.Arn(),
		ValidationRecordFqdns: &[]*string{fqdn},
	})
	return &Certificate{Construct: c, ARN: v.CertificateArn(), domainName: cfg.DomainName, validationFQDN: fqdn}
}

// AliasRecordsConfig points the site's name at CloudFront or the load balancer.
type AliasRecordsConfig struct {
	// HostedZoneID is the public zone that holds DomainName. Required.
	HostedZoneID string
	// DomainName is the site's host name. Required.
	DomainName string
	// TargetDNSName and TargetZoneID name the distribution or load balancer. Required.
	TargetDNSName, TargetZoneID *string
	// IPv6 adds an AAAA record next to the A record (CloudFront serves IPv6;
	// the load balancer is IPv4 only).
	// Default: false
	IPv6 bool
	// EvaluateTargetHealth lets Route 53 consider the target's health
	// (a load balancer; CloudFront does not support it).
	// Default: false
	EvaluateTargetHealth bool
}

func (cfg AliasRecordsConfig) validate() error {
	errs := []error{checkZoneAndName(cfg.HostedZoneID, cfg.DomainName)}
	if cfg.TargetDNSName == nil || cfg.TargetZoneID == nil {
		errs = append(errs, errors.New("target: required"))
	}
	return errors.Join(errs...)
}

// NewAliasRecords builds the A (and AAAA) alias records of the site. It
// panics on an invalid configuration.
func NewAliasRecords(scope constructs.Construct, id string, cfg AliasRecordsConfig) {
	if err := cfg.validate(); err != nil {
		panic(fmt.Errorf("edge: alias records %q: invalid configuration: %w", id, err))
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	// Named by what they carry: aws_route53_record.site_ipv4 and site_ipv6.
	types := map[string]string{"A": "site-ipv4"}
	if cfg.IPv6 {
		types["AAAA"] = "site-ipv6"
	}
	for _, t := range slices.Sorted(maps.Keys(types)) {
		route53record.NewRoute53Record(c, jsii.String(types[t]), &route53record.Route53RecordConfig{
			ZoneId: jsii.String(cfg.HostedZoneID),
			Name:   jsii.String(cfg.DomainName),
			Type:   jsii.String(t),
			Alias: &route53record.Route53RecordAlias{
				Name:                 cfg.TargetDNSName,
				ZoneId:               cfg.TargetZoneID,
				EvaluateTargetHealth: jsii.Bool(cfg.EvaluateTargetHealth),
			},
		})
	}
}
