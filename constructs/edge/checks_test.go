package edge_test

import (
	"strings"
	"testing"

	"github.com/wordpress-cdktf/resilient-wordpress/constructs/edge"
)

func TestChecks(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string // "" when the value is valid
	}{
		{"cloudfront certificate", edge.CheckCloudFrontCertificateARN("arn:aws:acm:us-east-1:123456789012:certificate/abc-123"), ""},
		{"cloudfront certificate elsewhere", edge.CheckCloudFrontCertificateARN("arn:aws:acm:eu-west-1:123456789012:certificate/abc-123"), "in us-east-1"},
		{"cloudfront certificate not an ARN", edge.CheckCloudFrontCertificateARN("abc"), "ACM certificate ARN"},
		{"prefix list", edge.CheckPrefixListID("pl-3b927c52"), ""},
		{"prefix list long", edge.CheckPrefixListID("pl-0123456789abcdef0"), ""},
		{"prefix list of another kind", edge.CheckPrefixListID("sg-3b927c52"), "prefix list ID"},
		{"rate limit", edge.CheckLoginRateLimit(100), ""},
		{"rate limit too low", edge.CheckLoginRateLimit(9), "10 to"},
		{"domain", edge.CheckDomainName("www.example.com"), ""},
		{"apex domain", edge.CheckDomainName("example.co"), ""},
		{"one label", edge.CheckDomainName("localhost"), "two labels"},
		{"upper case", edge.CheckDomainName("WWW.example.com"), "lowercase"},
		{"empty label", edge.CheckDomainName("www..example.com"), "host name"},
		{"trailing dot", edge.CheckDomainName("www.example.com."), "host name"},
		{"label with a leading hyphen", edge.CheckDomainName("-www.example.com"), "host name"},
		{"zone", edge.CheckHostedZoneID("Z0123456789ABCDEFGHIJ"), ""},
		{"zone lower case", edge.CheckHostedZoneID("z0123"), "hosted zone ID"},
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
	for _, b := range edge.Behaviours {
		if !strings.HasPrefix(b.PathPattern, "/") {
			t.Errorf("%s: want a pattern from the root", b.PathPattern)
		}
		if seen[b.PathPattern] {
			t.Errorf("%s: listed twice", b.PathPattern)
		}
		seen[b.PathPattern] = true
		if b.Caching == edge.Pages {
			t.Errorf("%s: edge.Pages is the default behaviour's, not an ordered one's", b.PathPattern)
		}
	}
}
