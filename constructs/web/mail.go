package web

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrole"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/sesv2emailidentity"

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

// MailDomain is the domain of a sender address: what SES verifies and
// signs for (DKIM), so the team must own it.
func MailDomain(mailFrom string) string {
	_, domain, _ := strings.Cut(mailFrom, "@")
	return strings.ToLower(domain)
}

// newMail makes the sender's domain an SES identity with Easy DKIM and lets
// role send mail from the one address, and nothing else. EC2 blocks
// outbound port 25, so without it WordPress cannot send a password reset.
func newMail(c constructs.Construct, mailFrom string, role iamrole.IamRole) sesv2emailidentity.Sesv2EmailIdentity {
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
	return identity
}
