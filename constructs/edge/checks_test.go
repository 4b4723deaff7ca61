package edge

import (
	"strings"
	"testing"
)

func TestChecks(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string // "" when the value is valid
	}{
		{"cloudfront certificate", CheckCloudFrontCertificateARN("arn:aws:acm:us-east-1:123456789012:certificate/abc-123"), ""},
		{"cloudfront certificate elsewhere", CheckCloudFrontCertificateARN("arn:aws:acm:eu-west-1:123456789012:certificate/abc-123"), "in us-east-1"},
		{"cloudfront certificate not an ARN", CheckCloudFrontCertificateARN("abc"), "ACM certificate ARN"},
		{"prefix list", CheckPrefixListID("pl-3b927c52"), ""},
		{"prefix list long", CheckPrefixListID("pl-0123456789abcdef0"), ""},
		{"prefix list of another kind", CheckPrefixListID("sg-3b927c52"), "prefix list ID"},
		{"rate limit", CheckLoginRateLimit(100), ""},
		{"rate limit too low", CheckLoginRateLimit(9), "10 to"},
		{"log retention", CheckLogRetention(90), ""},
		{"log retention not offered", CheckLogRetention(45), "CloudWatch Logs accepts"},
		{"domain", CheckDomainName("www.example.com"), ""},
		{"apex domain", CheckDomainName("example.co"), ""},
		{"one label", CheckDomainName("localhost"), "two labels"},
		{"upper case", CheckDomainName("WWW.example.com"), "lowercase"},
		{"empty label", CheckDomainName("www..example.com"), "host name"},
		{"trailing dot", CheckDomainName("www.example.com."), "host name"},
		{"label with a leading hyphen", CheckDomainName("-www.example.com"), "host name"},
		{"zone", CheckHostedZoneID("Z0123456789ABCDEFGHIJ"), ""},
		{"zone lower case", CheckHostedZoneID("z0123"), "hosted zone ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			switch {
			case tt.want == "" && tt.err != nil:
				t.Errorf("got %v, want no error", tt.err)
			case tt.want != "" && (tt.err == nil || !strings.Contains(tt.err.Error(), tt.want)):
				t.Errorf("got %v, want an error mentioning %q", tt.err, tt.want)
			}
		})
	}
}

// TestBehavioursAreDistinct: each ordered behaviour is listed once, from
// the root, and none claims the default behaviour's caching.
func TestBehavioursAreDistinct(t *testing.T) {
	seen := map[string]bool{}
	for _, b := range Behaviours {
		if !strings.HasPrefix(b.PathPattern, "/") {
			t.Errorf("%s: want a pattern from the root", b.PathPattern)
		}
		if seen[b.PathPattern] {
			t.Errorf("%s: listed twice", b.PathPattern)
		}
		seen[b.PathPattern] = true
		if b.Caching == Pages {
			t.Errorf("%s: Pages is the default behaviour's, not an ordered one's", b.PathPattern)
		}
	}
}
