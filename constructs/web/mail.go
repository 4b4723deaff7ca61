package web

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrole"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/route53record"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/sesv2emailidentity"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/wordpress-cdktf/resilient-wordpress/constructs/edge"
	"github.com/wordpress-cdktf/resilient-wordpress/constructs/web/bootscript"
)

// freeMailDomains are mail providers' domains: nobody using them can publish
// DKIM records for them, so SES cannot send as them.
var freeMailDomains = []string{"gmail.com", "googlemail.com", "yahoo.com", "outlook.com", "hotmail.com", "live.com", "icloud.com", "me.com", "aol.com", "proton.me", "protonmail.com", "gmx.com", "gmx.net", "mail.com"}

// CheckMailFrom reports a sender address SES could not send from for the
// team: not an e-mail address, or one at a mail provider's domain.
func CheckMailFrom(addr string) error {
	if err := bootscript.CheckEmail(addr); err != nil {
		return err
	}
	if slices.Contains(freeMailDomains, MailDomain(addr)) {
		return fmt.Errorf("got %q, want an address at a domain the team owns (its DNS gets the DKIM records), not at %s", addr, MailDomain(addr))
	}
	return nil
}

// CheckMailHostedZone reports a zone for the sender domain's DKIM records
// that is not a Route 53 hosted zone ID, or that has no sender (mail_from)
// whose domain it would hold records for.
func CheckMailHostedZone(zoneID, mailFrom string) error {
	if err := edge.CheckHostedZoneID(zoneID); err != nil {
		return err
	}
	if mailFrom == "" {
		return fmt.Errorf("got %q, want mail_from set too: the zone takes the DKIM records of its domain", zoneID)
	}
	return nil
}

// MailDomain is the domain of a sender address: what SES verifies and
// signs for (DKIM), so the team must own it.
func MailDomain(mailFrom string) string {
	_, domain, _ := strings.Cut(mailFrom, "@")
	return strings.ToLower(domain)
}

// DKIMTokens is how many tokens Easy DKIM gives an identity: one CNAME each.
const DKIMTokens = 3

// newMail makes the sender's domain an SES identity with Easy DKIM and lets
// role send mail from the one address, and nothing else. EC2 blocks
// outbound port 25, so without it WordPress cannot send a password reset.
// With zoneID, the DKIM records go into that Route 53 zone.
func newMail(c constructs.Construct, mailFrom, zoneID string, role iamrole.IamRole) sesv2emailidentity.Sesv2EmailIdentity {
	identity := sesv2emailidentity.NewSesv2EmailIdentity(c, jsii.String("mail"), &sesv2emailidentity.Sesv2EmailIdentityConfig{
		EmailIdentity: jsii.String(MailDomain(mailFrom)),
		DkimSigningAttributes: &sesv2emailidentity.Sesv2EmailIdentityDkimSigningAttributes{
			NextSigningKeyLength: jsii.String("RSA_2048_BIT"),
		},
	})
	allow(c, "mail.policy", "send-mail", role, statement{
		Effect:    "Allow",
		Action:    []string{"ses:SendEmail", "ses:SendRawEmail"},
		Resource:  *identity.Arn(),
		Condition: map[string]any{"StringEquals": map[string]string{"ses:FromAddress": mailFrom}},
	})
	if zoneID != "" {
		newDKIMRecords(c, zoneID, MailDomain(mailFrom), identity)
	}
	return identity
}

// newDKIMRecords publishes the identity's DKIM tokens as the CNAMEs SES
// verifies the domain by: <token>._domainkey.<domain> to
// <token>.dkim.amazonses.com. The tokens are known only after apply, so the
// records are one resource counted over them (mail_dkim[0] to [2]), not
// three named ones.
func newDKIMRecords(c constructs.Construct, zoneID, domain string, identity sesv2emailidentity.Sesv2EmailIdentity) {
	count := cdktf.TerraformCount_Of(jsii.Number(DKIMTokens))
	token := cdktf.Token_AsString(cdktf.Fn_Element(identity.DkimSigningAttributes().Tokens(), count.Index()), nil)
	route53record.NewRoute53Record(c, jsii.String("mail-dkim"), &route53record.Route53RecordConfig{
		Count:   count,
		ZoneId:  jsii.String(zoneID),
		Name:    jsii.String(*token + "._domainkey." + domain),
		Type:    jsii.String("CNAME"),
		Ttl:     jsii.Number(1800),
		Records: jsii.Strings(*token + ".dkim.amazonses.com"),
	})
}
