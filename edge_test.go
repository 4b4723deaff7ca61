package main

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wordpress-cdktf/resilient-wordpress/constructs/edge"
	"github.com/wordpress-cdktf/resilient-wordpress/constructs/wordpress"
	"github.com/wordpress-cdktf/resilient-wordpress/internal/stacktest"
)

// withOption runs f for every stack under test where on holds, and fails
// when there is none: a property nobody checks is no property.
func withOption(t *testing.T, on func(wordpress.StackConfig) bool, f func(t *testing.T, c wordpress.StackConfig, s *stacktest.Stack)) {
	t.Helper()
	withOptionIn(t, configs, on, f)
}

// withOptionEverywhere is withOption over the front combinations too.
func withOptionEverywhere(t *testing.T, on func(wordpress.StackConfig) bool, f func(t *testing.T, c wordpress.StackConfig, s *stacktest.Stack)) {
	t.Helper()
	withOptionIn(t, synthesized, on, f)
}

func withOptionIn(t *testing.T, cfgs []wordpress.StackConfig, on func(wordpress.StackConfig) bool, f func(t *testing.T, c wordpress.StackConfig, s *stacktest.Stack)) {
	t.Helper()
	n := 0
	for _, c := range cfgs {
		if !on(c) {
			continue
		}
		n++
		s, ok := stacks[c.Environment]
		if !ok {
			s = frontStacks[c.Environment]
		}
		t.Run(c.Environment, func(t *testing.T) { f(t, c, s) })
	}
	if n == 0 {
		t.Fatal("no stack under test has this option on")
	}
}

// behaviourFor is the cache behaviour CloudFront picks for a request path:
// the first ordered behaviour whose pattern matches, else the default.
func behaviourFor(t *testing.T, dist map[string]any, path string) (pattern string, b map[string]any) {
	t.Helper()
	for _, ob := range stacktest.AsSlice(dist["ordered_cache_behavior"]) {
		ob := stacktest.AsMap(ob)
		p, _ := ob["path_pattern"].(string)
		// CloudFront patterns: * is any run of characters, ? one character.
		re := "^" + strings.NewReplacer(`\*`, ".*", `\?`, ".").Replace(regexp.QuoteMeta(p)) + "$"
		if regexp.MustCompile(re).MatchString(path) {
			return p, ob
		}
	}
	return "default", stacktest.AsMap(dist["default_cache_behavior"])
}

// policy resolves a behaviour's reference to one of the stack's policies.
func policy(t *testing.T, s *stacktest.Stack, typ string, id any) map[string]any {
	t.Helper()
	for name, r := range s.Resources(t, typ) {
		if id == stacktest.Ref(typ, name, "id") {
			return r
		}
	}
	return nil
}

// cookies says which cookies a behaviour puts in its cache key and which
// reach the origin: "none", "all", or the sorted whitelist.
func cookies(t *testing.T, s *stacktest.Stack, b map[string]any) (inKey, toOrigin []string) {
	t.Helper()
	list := func(behavior any, names any) []string {
		switch behavior {
		case nil, "none":
			return nil
		case "whitelist":
			return stacktest.SortedStrings(names)
		}
		return []string{behavior.(string)} // all, allExcept
	}
	if fv := stacktest.AsMap(b["forwarded_values"]); fv != nil {
		c := stacktest.AsMap(fv["cookies"])
		l := list(c["forward"], c["whitelisted_names"])
		return l, l
	}
	switch id := b["cache_policy_id"]; id {
	case edge.ManagedCachingDisabled:
	default:
		cp := policy(t, s, "aws_cloudfront_cache_policy", id)
		if cp == nil {
			t.Fatalf("cache policy %v: neither a managed policy the tests know nor one of the stack", id)
		}
		cc := stacktest.AsMap(stacktest.AsMap(cp["parameters_in_cache_key_and_forwarded_to_origin"])["cookies_config"])
		inKey = list(cc["cookie_behavior"], stacktest.AsMap(cc["cookies"])["items"])
	}
	toOrigin = inKey
	switch id := b["origin_request_policy_id"]; id {
	case nil:
	case edge.ManagedAllViewer:
		toOrigin = []string{"all"}
	default:
		orp := policy(t, s, "aws_cloudfront_origin_request_policy", id)
		if orp == nil {
			t.Fatalf("origin request policy %v: neither a managed policy the tests know nor one of the stack", id)
		}
		cc := stacktest.AsMap(orp["cookies_config"])
		toOrigin = append(toOrigin, list(cc["cookie_behavior"], stacktest.AsMap(cc["cookies"])["items"])...)
	}
	return inKey, toOrigin
}

func isCDN(c wordpress.StackConfig) bool { return c.CDN }

// TestCDNNeverCachesPrivatePages: the dashboard, log-in, XML-RPC and the
// REST API go through uncached, with everything the viewer sent.
func TestCDNNeverCachesPrivatePages(t *testing.T) {
	withOption(t, isCDN, func(t *testing.T, c wordpress.StackConfig, s *stacktest.Stack) {
		_, dist := s.Only(t, "aws_cloudfront_distribution")
		for _, path := range []string{
			"/wp-admin/", "/wp-admin/index.php", "/wp-admin/post.php", "/wp-admin/admin-ajax.php",
			"/wp-admin/load-scripts.php", "/wp-login.php", "/xmlrpc.php", "/wp-json/wp/v2/posts/1",
		} {
			pattern, b := behaviourFor(t, dist, path)
			got := map[string]any{
				"cache_policy_id": b["cache_policy_id"], "origin_request_policy_id": b["origin_request_policy_id"],
				"allows POST": slices.Contains(stacktest.SortedStrings(b["allowed_methods"]), "POST"),
			}
			want := map[string]any{
				"cache_policy_id": edge.ManagedCachingDisabled, "origin_request_policy_id": edge.ManagedAllViewer,
				"allows POST": true,
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s (behaviour %s): want CachingDisabled and AllViewer (-want +got):\n%s", path, pattern, diff)
			}
		}
	})
}

// TestCDNKeepsAuthenticatedVisitorsApart: a behaviour that caches either
// lets no cookie reach WordPress (which then answers every visitor alike)
// or keys its cache on every WordPress cookie that makes a page personal,
// and honours the origin's no-store (minimum TTL 0).
func TestCDNKeepsAuthenticatedVisitorsApart(t *testing.T) {
	withOption(t, isCDN, func(t *testing.T, c wordpress.StackConfig, s *stacktest.Stack) {
		_, dist := s.Only(t, "aws_cloudfront_distribution")
		all := append([]any{dist["default_cache_behavior"]}, stacktest.AsSlice(dist["ordered_cache_behavior"])...)
		for _, b := range all {
			b := stacktest.AsMap(b)
			name, _ := b["path_pattern"].(string)
			if name == "" {
				name = "default"
			}
			if b["cache_policy_id"] == edge.ManagedCachingDisabled {
				continue
			}
			inKey, toOrigin := cookies(t, s, b)
			if len(toOrigin) == 0 {
				continue
			}
			if slices.Contains(toOrigin, "all") && !slices.Contains(inKey, "all") {
				t.Errorf("behaviour %s caches and forwards all cookies but keys on %v", name, inKey)
			}
			// Stated here, not taken from the code under test.
			for _, auth := range []string{"wordpress_logged_in_*", "wp-postpass_*", "comment_author_*"} {
				if !slices.Contains(inKey, auth) && !slices.Contains(inKey, "all") {
					t.Errorf("behaviour %s caches and forwards cookies %v but does not key on %s", name, toOrigin, auth)
				}
			}
			if min, ok := b["min_ttl"]; ok && min != 0.0 {
				t.Errorf("behaviour %s: min_ttl %v, want 0 so a personal page marked no-store is not stored", name, min)
			}
		}
		// The default behaviour is where anonymous pages are cached: briefly.
		d := stacktest.AsMap(dist["default_cache_behavior"])
		if d["default_ttl"] != float64(edge.PagesDefaultTTL) || d["max_ttl"] != float64(edge.PagesMaxTTL) {
			t.Errorf("default behaviour TTLs: got %v/%v, want %d/%d", d["default_ttl"], d["max_ttl"], edge.PagesDefaultTTL, edge.PagesMaxTTL)
		}
	})
}

func TestCDNCachesStaticFilesLong(t *testing.T) {
	withOption(t, isCDN, func(t *testing.T, c wordpress.StackConfig, s *stacktest.Stack) {
		_, dist := s.Only(t, "aws_cloudfront_distribution")
		for _, path := range []string{"/wp-content/uploads/2025/01/photo.jpg", "/wp-content/themes/t/style.css", "/wp-includes/js/jquery/jquery.min.js"} {
			pattern, b := behaviourFor(t, dist, path)
			cp := policy(t, s, "aws_cloudfront_cache_policy", b["cache_policy_id"])
			params := stacktest.AsMap(cp["parameters_in_cache_key_and_forwarded_to_origin"])
			got := map[string]any{
				"default_ttl": cp["default_ttl"], "query strings": stacktest.AsMap(params["query_strings_config"])["query_string_behavior"],
				"gzip": params["enable_accept_encoding_gzip"], "brotli": params["enable_accept_encoding_brotli"],
			}
			want := map[string]any{"default_ttl": float64(edge.StaticDefaultTTL), "query strings": "all", "gzip": true, "brotli": true}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s (behaviour %s) (-want +got):\n%s", path, pattern, diff)
			}
		}
	})
}

// TestLoadBalancerOnlyReachableThroughCDN: behind CloudFront, the load
// balancer's group admits CloudFront's origin-facing addresses only, on the
// port CloudFront uses (HTTPS with a zone, else HTTP), its listener there
// forwards only requests bearing this distribution's secret, and CloudFront
// sends visitors over HTTPS only. The front combinations cover the HTTP
// origin, the edge stack the HTTPS one.
func TestLoadBalancerOnlyReachableThroughCDN(t *testing.T) {
	withOptionEverywhere(t, isCDN, func(t *testing.T, c wordpress.StackConfig, s *stacktest.Stack) {
		// CloudFront connects over HTTPS when the stack issues the site's
		// certificates, else over HTTP; ExternalWeb admits it on that port.
		port, protocol := 80.0, "http-only"
		if c.OriginHTTPS() {
			port, protocol = 443.0, "https-only"
		}
		external := s.GroupRef(t, "ExternalWeb")
		var ingress []string
		for name, r := range s.Resources(t, "aws_vpc_security_group_ingress_rule") {
			if r["security_group_id"] != external {
				continue
			}
			if r["cidr_ipv4"] != nil || r["cidr_ipv6"] != nil || r["referenced_security_group_id"] != nil {
				t.Errorf("ExternalWeb rule %s admits %v%v%v, want CloudFront's prefix list only", name, r["cidr_ipv4"], r["cidr_ipv6"], r["referenced_security_group_id"])
			}
			pl, _ := r["prefix_list_id"].(string)
			ingress = append(ingress, fmt.Sprintf("%s %v-%v", pl, r["from_port"], r["to_port"]))
		}
		wantIngress := []string{fmt.Sprintf("%s %v-%v", edge.CloudFrontPrefixLists[c.Region], port, port)}
		if diff := cmp.Diff(wantIngress, ingress); diff != "" {
			t.Errorf("ExternalWeb ingress: one rule, from com.amazonaws.global.cloudfront.origin-facing of %s (-want +got):\n%s", c.Region, diff)
		}
		lbName, _ := s.Only(t, "aws_lb")
		_, dist := s.Only(t, "aws_cloudfront_distribution")
		origins := stacktest.AsSlice(dist["origin"])
		if len(origins) != 1 || stacktest.AsMap(origins[0])["domain_name"] != stacktest.Ref("aws_lb", lbName, "dns_name") {
			t.Fatalf("origins: got %v, want the load balancer only", origins)
		}
		// Of all CloudFront traffic, the listener forwards this
		// distribution's only: the one carrying its origin secret.
		secretName, secret := s.Only(t, "terraform_data")
		if secret["input"] != "${uuid()}" || !slices.Equal(stacktest.SortedStrings(stacktest.AsMap(secret["lifecycle"])["ignore_changes"]), []string{"input"}) {
			t.Errorf("origin secret: got %v, want uuid() drawn once (ignore_changes on input)", secret)
		}
		secretRef := stacktest.Ref("terraform_data", secretName, "output")
		wantHeader := []any{map[string]any{"name": edge.OriginHeader, "value": secretRef}}
		if diff := cmp.Diff(wantHeader, stacktest.AsMap(origins[0])["custom_header"]); diff != "" {
			t.Errorf("origin custom header (-want +got):\n%s", diff)
		}
		tgName, _ := s.Only(t, "aws_lb_target_group")
		listeners := s.Resources(t, "aws_lb_listener")
		var listenerName string
		for name, l := range listeners {
			if l["port"] == port {
				listenerName = name
				continue
			}
			// Over HTTPS, port 80 only redirects (and ExternalWeb does
			// not admit it).
			if a := stacktest.AsMap(stacktest.AsSlice(l["default_action"])[0]); !c.OriginHTTPS() || l["port"] != 80.0 || a["type"] != "redirect" {
				t.Errorf("listener %s on port %v: %v, want only the listener on %v (and over HTTPS a redirect on 80)", name, l["port"], a, port)
			}
		}
		listener := listeners[listenerName]
		if listener == nil {
			t.Fatalf("no listener on port %v among %v", port, stacktest.SortedNames(listeners))
		}
		if a := stacktest.AsMap(stacktest.AsSlice(listener["default_action"])[0]); a["type"] != "fixed-response" || stacktest.AsMap(a["fixed_response"])["status_code"] != "403" {
			t.Errorf("listener default action: got %v, want a 403 for anything without the secret", a)
		}
		_, rule := s.Only(t, "aws_lb_listener_rule")
		wantRule := map[string]any{
			"listener_arn": stacktest.Ref("aws_lb_listener", listenerName, "arn"),
			"condition":    []any{map[string]any{"http_header": map[string]any{"http_header_name": edge.OriginHeader, "values": []any{secretRef}}}},
			"action":       []any{map[string]any{"type": "forward", "target_group_arn": stacktest.Ref("aws_lb_target_group", tgName, "arn")}},
		}
		if diff := cmp.Diff(wantRule, stacktest.Pick(rule, wantRule)); diff != "" {
			t.Errorf("listener rule: forward only with the secret (-want +got):\n%s", diff)
		}
		coc := stacktest.AsMap(stacktest.AsMap(origins[0])["custom_origin_config"])
		wantOrigin := map[string]any{"origin_protocol_policy": protocol, "http_port": 80.0, "https_port": 443.0, "origin_ssl_protocols": []any{"TLSv1.2"}}
		if diff := cmp.Diff(wantOrigin, stacktest.Pick(coc, wantOrigin)); diff != "" {
			t.Errorf("origin: want %s to port %v, the port ExternalWeb admits (-want +got):\n%s", protocol, port, diff)
		}
		for _, b := range append([]any{dist["default_cache_behavior"]}, stacktest.AsSlice(dist["ordered_cache_behavior"])...) {
			if p := stacktest.AsMap(b)["viewer_protocol_policy"]; p != "redirect-to-https" {
				t.Errorf("behaviour %v: viewer_protocol_policy %v, want redirect-to-https", stacktest.AsMap(b)["path_pattern"], p)
			}
		}
		want := map[string]any{"enabled": true, "http_version": "http2and3", "is_ipv6_enabled": true}
		if diff := cmp.Diff(want, stacktest.Pick(dist, want)); diff != "" {
			t.Errorf("distribution (-want +got):\n%s", diff)
		}
		if c.DomainName != "" {
			vc := stacktest.AsMap(dist["viewer_certificate"])
			if vc["minimum_protocol_version"] != edge.CloudFrontTLSPolicy || vc["ssl_support_method"] != "sni-only" {
				t.Errorf("viewer certificate: got %v, want SNI with %s", vc, edge.CloudFrontTLSPolicy)
			}
			if diff := cmp.Diff([]string{c.DomainName}, stacktest.SortedStrings(dist["aliases"])); diff != "" {
				t.Errorf("aliases (-want +got):\n%s", diff)
			}
		}
	})
}

// TestObjectCacheIsMultiAZAndPrivate: the stack's cache spans every zone
// of the configuration, with the node type configured, and across the
// whole stack nothing but the web servers reaches it. The cache itself is
// tested in constructs/data.
func TestObjectCacheIsMultiAZAndPrivate(t *testing.T) {
	for _, c := range configs {
		if !c.ObjectCache && len(stacks[c.Environment].Resources(t, "aws_elasticache_replication_group")) > 0 {
			t.Errorf("stack %s: an object cache without object_cache", c.Environment)
		}
	}
	withOption(t, func(c wordpress.StackConfig) bool { return c.ObjectCache }, func(t *testing.T, c wordpress.StackConfig, s *stacktest.Stack) {
		_, rg := s.Only(t, "aws_elasticache_replication_group")
		want := map[string]any{
			"multi_az_enabled": true, "automatic_failover_enabled": true, "node_type": c.CacheNodeType,
			"num_cache_clusters": float64(len(c.AvailabilityZones)), "preferred_cache_cluster_azs": toAny(c.AvailabilityZones),
			"security_group_ids": []any{s.GroupRef(t, "InternalCache")},
		}
		if diff := cmp.Diff(want, stacktest.Pick(rg, want)); diff != "" {
			t.Errorf("replication group (-want +got):\n%s", diff)
		}
		for _, r := range s.Rules(t) {
			if strings.HasPrefix(r, "InternalCache in ") && r != "InternalCache in 6379 InternalWeb" {
				t.Errorf("%s: only the web servers reach the cache, on its port", r)
			}
		}
	})
}

func toAny(xs []string) []any {
	out := make([]any, 0, len(xs))
	for _, x := range xs {
		out = append(out, x)
	}
	return out
}

func isWAF(c wordpress.StackConfig) bool { return c.WAF }

// TestWAF: managed rules, a rate limit covering both brute-force paths,
// logs kept, and the ACL in front of whatever visitors reach.
func TestWAF(t *testing.T) {
	for _, c := range configs {
		if !c.WAF && len(stacks[c.Environment].Resources(t, "aws_wafv2_web_acl")) > 0 {
			t.Errorf("stack %s: a web ACL without waf", c.Environment)
		}
	}
	withOption(t, isWAF, func(t *testing.T, c wordpress.StackConfig, s *stacktest.Stack) {
		aclName, acl := s.Only(t, "aws_wafv2_web_acl")
		wantScope, wantProvider := edge.ScopeRegional, any(nil)
		if c.CDN {
			wantScope, wantProvider = edge.ScopeCloudFront, "aws.us_east_1"
		}
		if acl["scope"] != wantScope || acl["provider"] != wantProvider {
			t.Errorf("web ACL: scope %v provider %v, want %s %v", acl["scope"], acl["provider"], wantScope, wantProvider)
		}
		var groups, ratePaths []string
		for _, r := range stacktest.AsSlice(acl["rule"]) {
			st := stacktest.AsMap(stacktest.AsMap(r)["statement"])
			if g := stacktest.AsMap(st["managed_rule_group_statement"]); g != nil {
				groups = append(groups, g["name"].(string))
			}
			rb := stacktest.AsMap(st["rate_based_statement"])
			if rb == nil {
				continue
			}
			if rb["limit"] != float64(c.WAFLoginRateLimit) || rb["aggregate_key_type"] != "IP" || stacktest.AsMap(stacktest.AsMap(r)["action"])["block"] == nil {
				t.Errorf("rate rule: got %v, action %v; want block above %d per IP", rb, stacktest.AsMap(r)["action"], c.WAFLoginRateLimit)
			}
			for _, s := range stacktest.AsSlice(stacktest.AsMap(stacktest.AsMap(rb["scope_down_statement"])["or_statement"])["statement"]) {
				bm := stacktest.AsMap(stacktest.AsMap(s)["byte_match_statement"])
				if stacktest.AsMap(bm["field_to_match"])["uri_path"] == nil {
					t.Errorf("rate rule matches %v, want the URI path", bm["field_to_match"])
				}
				ratePaths = append(ratePaths, bm["search_string"].(string))
			}
		}
		slices.Sort(ratePaths)
		if diff := cmp.Diff([]string{"/wp-login.php", "/xmlrpc.php"}, ratePaths); diff != "" {
			t.Errorf("rate-limited paths (-want +got):\n%s", diff)
		}
		slices.Sort(groups)
		wantGroups := []string{"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesPHPRuleSet", "AWSManagedRulesWordPressRuleSet"}
		if diff := cmp.Diff(wantGroups, groups); diff != "" {
			t.Errorf("managed rule groups (-want +got):\n%s", diff)
		}

		logName, logs := s.Where(t, "aws_cloudwatch_log_group", "name", edge.WAFLogGroupPrefix+c.Name())
		if name, _ := logs["name"].(string); !strings.HasPrefix(name, edge.WAFLogGroupPrefix) || logs["retention_in_days"] != float64(c.WAFLogRetentionDays) || logs["provider"] != wantProvider {
			t.Errorf("WAF log group: got %v, want %s… kept %d days, provider %v", logs, edge.WAFLogGroupPrefix, c.WAFLogRetentionDays, wantProvider)
		}
		_, lc := s.Only(t, "aws_wafv2_web_acl_logging_configuration")
		want := map[string]any{
			"resource_arn":            stacktest.Ref("aws_wafv2_web_acl", aclName, "arn"),
			"log_destination_configs": []any{stacktest.Ref("aws_cloudwatch_log_group", logName, "arn")},
		}
		if diff := cmp.Diff(want, stacktest.Pick(lc, want)); diff != "" {
			t.Errorf("WAF logging (-want +got):\n%s", diff)
		}

		if c.CDN {
			_, dist := s.Only(t, "aws_cloudfront_distribution")
			if dist["web_acl_id"] != stacktest.Ref("aws_wafv2_web_acl", aclName, "arn") {
				t.Errorf("distribution web_acl_id: got %v, want the web ACL", dist["web_acl_id"])
			}
			return
		}
		lbName, _ := s.Only(t, "aws_lb")
		_, assoc := s.Only(t, "aws_wafv2_web_acl_association")
		want = map[string]any{"resource_arn": stacktest.Ref("aws_lb", lbName, "arn"), "web_acl_arn": stacktest.Ref("aws_wafv2_web_acl", aclName, "arn")}
		if diff := cmp.Diff(want, stacktest.Pick(assoc, want)); diff != "" {
			t.Errorf("WAF association (-want +got):\n%s", diff)
		}
	})
}

// TestDNS: a certificate validated through the zone, in us-east-1 for
// CloudFront, used only once validated, and alias records to the front.
func TestDNS(t *testing.T) {
	withOption(t, func(c wordpress.StackConfig) bool { return c.HostedZoneID != "" }, func(t *testing.T, c wordpress.StackConfig, s *stacktest.Stack) {
		// The site's certificate (CloudFront's, in us-east-1, behind a CDN;
		// else the load balancer's) and, when CloudFront connects over
		// HTTPS, the load balancer's for the same name in the stack's region.
		// Both are validated through the one record ACM asks for the name.
		var cdnProvider any
		if c.CDN {
			cdnProvider = "aws.us_east_1"
		}
		wantCerts := map[string]any{"site": cdnProvider}
		if c.OriginHTTPS() {
			wantCerts["origin"] = nil
		}
		certs, vals := s.Resources(t, "aws_acm_certificate"), s.Resources(t, "aws_acm_certificate_validation")
		if diff := cmp.Diff(stacktest.SortedNames(wantCerts), stacktest.SortedNames(certs)); diff != "" {
			t.Errorf("certificates (-want +got):\n%s", diff)
		}
		records := s.Resources(t, "aws_route53_record")
		var validation string
		aliases := map[string]map[string]any{}
		for name, r := range records {
			if r["zone_id"] != c.HostedZoneID {
				t.Errorf("record %s in zone %v, want %s", name, r["zone_id"], c.HostedZoneID)
			}
			if r["alias"] != nil {
				aliases[r["type"].(string)] = stacktest.AsMap(r["alias"])
				if r["name"] != c.DomainName {
					t.Errorf("alias record %s: name %v, want %s", name, r["name"], c.DomainName)
				}
			} else if validation != "" {
				t.Errorf("validation records %s and %s, want one for the name", validation, name)
			} else {
				validation = name
			}
		}
		for name, provider := range wantCerts {
			want := map[string]any{"domain_name": c.DomainName, "validation_method": "DNS", "provider": provider}
			if diff := cmp.Diff(want, stacktest.Pick(certs[name], want)); diff != "" {
				t.Errorf("certificate %s (-want +got):\n%s", name, diff)
			}
			want = map[string]any{
				"certificate_arn": stacktest.Ref("aws_acm_certificate", name, "arn"), "provider": provider,
				"validation_record_fqdns": []any{stacktest.Ref("aws_route53_record", validation, "fqdn")},
			}
			if diff := cmp.Diff(want, stacktest.Pick(vals[name], want)); diff != "" {
				t.Errorf("certificate validation %s (-want +got):\n%s", name, diff)
			}
		}
		validated := stacktest.Ref("aws_acm_certificate_validation", "site", "certificate_arn")
		lbCert := validated
		if c.OriginHTTPS() {
			lbCert = stacktest.Ref("aws_acm_certificate_validation", "origin", "certificate_arn")
		}
		for _, l := range s.Resources(t, "aws_lb_listener") {
			if l["port"] == 443.0 && l["certificate_arn"] != lbCert {
				t.Errorf("HTTPS listener certificate: got %v, want the validated %s", l["certificate_arn"], lbCert)
			}
		}
		types, target := []string{"A"}, ""
		if c.CDN {
			types = []string{"A", "AAAA"}
			distName, dist := s.Only(t, "aws_cloudfront_distribution")
			if got := stacktest.AsMap(dist["viewer_certificate"])["acm_certificate_arn"]; got != validated {
				t.Errorf("CloudFront certificate: got %v, want the validated %s", got, validated)
			}
			target = stacktest.Ref("aws_cloudfront_distribution", distName, "domain_name")
		} else {
			lbName, _ := s.Only(t, "aws_lb")
			target = stacktest.Ref("aws_lb", lbName, "dns_name")
		}
		if diff := cmp.Diff(types, stacktest.SortedNames(aliases)); diff != "" {
			t.Errorf("alias record types (-want +got):\n%s", diff)
		}
		for typ, a := range aliases {
			if a["name"] != target {
				t.Errorf("%s alias: got %v, want %s", typ, a["name"], target)
			}
		}
	})
}
