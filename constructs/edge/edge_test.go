package edge_test

// These tests synthesize the network, security and edge tiers, with and
// without a certificate, directly and behind CloudFront (the distribution
// itself is tested on whole stacks at the repository root).

import (
	"maps"
	"slices"
	"strconv"
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/wordpress-cdktf/resilient-wordpress/constructs/edge"
	"github.com/wordpress-cdktf/resilient-wordpress/constructs/network"
	"github.com/wordpress-cdktf/resilient-wordpress/constructs/security"
	"github.com/wordpress-cdktf/resilient-wordpress/internal/jsiiboot"
	"github.com/wordpress-cdktf/resilient-wordpress/internal/stacktest"
)

// edgeCase is one load balancer under test and the values it must come
// out with once defaults apply.
type edgeCase struct {
	name             string
	cfg              edge.LoadBalancerConfig // Network and Security are filled in
	behindCDN        bool                    // OriginSecret is filled in
	wantHealthCheck  string
	wantDeregistered string
}

var cases = []edgeCase{
	{
		// Every optional field left out: HTTP only, as in the blog post.
		name:            "http",
		cfg:             edge.LoadBalancerConfig{Name: "wordpress-http"},
		wantHealthCheck: edge.DefaultHealthCheckPath, wantDeregistered: strconv.Itoa(edge.DefaultDeregistrationDelaySeconds),
	},
	{
		name: "https",
		cfg: edge.LoadBalancerConfig{
			Name:                       "wordpress-https",
			HealthCheckPath:            "/healthz.php",
			CertificateARN:             "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555",
			AllowDeletion:              true,
			Stickiness:                 true,
			DeregistrationDelaySeconds: 45,
		},
		wantHealthCheck: "/healthz.php", wantDeregistered: "45",
	},
	{
		// CloudFront connects over HTTP.
		name: "cdn-http", cfg: edge.LoadBalancerConfig{Name: "wordpress-cdn-http"}, behindCDN: true,
		wantHealthCheck: edge.DefaultHealthCheckPath, wantDeregistered: strconv.Itoa(edge.DefaultDeregistrationDelaySeconds),
	},
	{
		// CloudFront connects over HTTPS.
		name: "cdn-https",
		cfg: edge.LoadBalancerConfig{
			Name:           "wordpress-cdn-https",
			CertificateARN: "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555",
		},
		behindCDN:       true,
		wantHealthCheck: edge.DefaultHealthCheckPath, wantDeregistered: strconv.Itoa(edge.DefaultDeregistrationDelaySeconds),
	},
}

var stacks *stacktest.Table[edgeCase]

func TestMain(m *testing.M) {
	stacks = stacktest.StartTable(cases, func(c edgeCase) stacktest.Case {
		return stacktest.Case{Name: c.name, Build: func(s cdktf.TerraformStack) {
			n := network.NewNetwork(s, "network", network.NetworkConfig{Name: c.cfg.Name, AvailabilityZones: []string{"us-east-1a", "us-east-1b"}})
			sec := security.NewSecurity(s, "security", security.SecurityConfig{Network: n})
			cfg := c.cfg
			cfg.Network, cfg.Security = n, sec
			if c.behindCDN {
				cfg.OriginSecret = edge.NewOriginSecret(s, "origin-secret")
			}
			lb := edge.NewLoadBalancer(s, "edge", cfg)
			cdktf.NewTerraformOutput(s, jsii.String("url"), &cdktf.TerraformOutputConfig{Value: lb.URL()})
		}}
	})
	jsiiboot.Exit(m.Run())
}

func TestLoadBalancer(t *testing.T) {
	stacks.Run(t, func(t *testing.T, c edgeCase, s *stacktest.Stack) {
		_, alb := s.Only(t, "aws_lb")
		if diff := cmp.Diff(s.SubnetRefs(t, string(network.Public)), stacktest.SortedStrings(alb["subnets"])); diff != "" {
			t.Errorf("load balancer subnets: exactly the public ones (-want +got):\n%s", diff)
		}
		want := map[string]any{
			"internal": false, "load_balancer_type": "application", "drop_invalid_header_fields": true,
			"enable_http2": true, "enable_deletion_protection": !c.cfg.AllowDeletion,
			"security_groups": []any{s.GroupRef(t, "ExternalWeb")},
		}
		if diff := cmp.Diff(want, stacktest.Pick(alb, want)); diff != "" {
			t.Errorf("load balancer (-want +got):\n%s", diff)
		}
	})
}

func TestTargetGroup(t *testing.T) {
	stacks.Run(t, func(t *testing.T, c edgeCase, s *stacktest.Stack) {
		_, tg := s.Only(t, "aws_lb_target_group")
		hc := stacktest.AsMap(tg["health_check"])
		if tg["port"] != 80.0 || tg["protocol"] != "HTTP" || hc["path"] != c.wantHealthCheck || hc["matcher"] != "200-399" {
			t.Errorf("target group: got port %v %v, health check %v; want HTTP:80 checking %s for 200-399", tg["port"], tg["protocol"], hc, c.wantHealthCheck)
		}
		if tg["deregistration_delay"] != c.wantDeregistered {
			t.Errorf("deregistration_delay: got %v, want %s", tg["deregistration_delay"], c.wantDeregistered)
		}
		if got := stacktest.AsMap(tg["stickiness"])["enabled"]; got != c.cfg.Stickiness {
			t.Errorf("stickiness: got %v, want %v", got, c.cfg.Stickiness)
		}
	})
}

// TestListeners: the serving listener (HTTPS given a certificate, else
// HTTP) forwards to the web servers; behind CloudFront it forwards only
// requests bearing the origin secret and answers 403 to the rest. With a
// certificate port 80 redirects to HTTPS.
func TestListeners(t *testing.T) {
	stacks.Run(t, func(t *testing.T, c edgeCase, s *stacktest.Stack) {
		lbName, _ := s.Only(t, "aws_lb")
		tgName, _ := s.Only(t, "aws_lb_target_group")
		listeners := map[float64]map[string]any{}
		names := map[float64]string{}
		for name, l := range s.Resources(t, "aws_lb_listener") {
			if l["load_balancer_arn"] != stacktest.Ref("aws_lb", lbName, "arn") {
				t.Errorf("listener on %v, want the load balancer", l["load_balancer_arn"])
			}
			port, _ := l["port"].(float64)
			listeners[port], names[port] = l, name
		}
		forward := []any{map[string]any{"type": "forward", "target_group_arn": stacktest.Ref("aws_lb_target_group", tgName, "arn")}}
		serving, wantPorts := 80.0, []float64{80}
		if c.cfg.CertificateARN != "" {
			serving, wantPorts = 443, []float64{80, 443}
			https := listeners[443]
			if https["protocol"] != "HTTPS" || https["ssl_policy"] != edge.TLSPolicy || https["certificate_arn"] != c.cfg.CertificateARN {
				t.Errorf("port 443: got %v, want HTTPS with %s and the configured certificate", https, edge.TLSPolicy)
			}
			redirect := []any{map[string]any{"type": "redirect", "redirect": map[string]any{"port": "443", "protocol": "HTTPS", "status_code": "HTTP_301"}}}
			if diff := cmp.Diff(redirect, listeners[80]["default_action"]); diff != "" {
				t.Errorf("port 80 redirects to HTTPS (-want +got):\n%s", diff)
			}
		}
		if diff := cmp.Diff(wantPorts, slices.Sorted(maps.Keys(listeners))); diff != "" {
			t.Errorf("listener ports (-want +got):\n%s", diff)
		}
		rules := s.Resources(t, "aws_lb_listener_rule")
		if !c.behindCDN {
			if diff := cmp.Diff(forward, listeners[serving]["default_action"]); diff != "" {
				t.Errorf("port %v forwards to the web servers (-want +got):\n%s", serving, diff)
			}
			if len(rules) != 0 {
				t.Errorf("listener rules %v, want none", stacktest.SortedNames(rules))
			}
			return
		}
		forbidden := []any{map[string]any{"type": "fixed-response", "fixed_response": map[string]any{"content_type": "text/plain", "status_code": "403", "message_body": "Forbidden\n"}}}
		if diff := cmp.Diff(forbidden, listeners[serving]["default_action"]); diff != "" {
			t.Errorf("port %v answers 403 without the origin secret (-want +got):\n%s", serving, diff)
		}
		secretName, _ := s.Only(t, "terraform_data")
		_, rule := s.Only(t, "aws_lb_listener_rule")
		want := map[string]any{
			"listener_arn": stacktest.Ref("aws_lb_listener", names[serving], "arn"),
			"condition":    []any{map[string]any{"http_header": map[string]any{"http_header_name": edge.OriginHeader, "values": []any{stacktest.Ref("terraform_data", secretName, "output")}}}},
			"action":       forward,
		}
		if diff := cmp.Diff(want, stacktest.Pick(rule, want)); diff != "" {
			t.Errorf("listener rule: port %v forwards only with the secret (-want +got):\n%s", serving, diff)
		}
	})
}

// TestURL: the site's address follows the certificate.
func TestURL(t *testing.T) {
	stacks.Run(t, func(t *testing.T, c edgeCase, s *stacktest.Stack) {
		lbName, _ := s.Only(t, "aws_lb")
		scheme := "http://"
		if c.cfg.CertificateARN != "" {
			scheme = "https://"
		}
		if got, want := stacktest.AsMap(s.Block("output")["url"])["value"], scheme+stacktest.Ref("aws_lb", lbName, "dns_name"); got != want {
			t.Errorf("URL: got %v, want %s", got, want)
		}
	})
}
