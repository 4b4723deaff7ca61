package edge

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/cloudwatchloggroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/wafv2webacl"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/wafv2webaclassociation"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/wafv2webaclloggingconfiguration"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/wordpress-cdktf/resilient-wordpress/constructs/network"
)

// Scopes of a WAFv2 web ACL.
const (
	// ScopeCloudFront protects a distribution; the ACL, its log group and
	// logging live in us-east-1.
	ScopeCloudFront = "CLOUDFRONT"
	// ScopeRegional protects the load balancer, in the stack's region.
	ScopeRegional = "REGIONAL"
)

// ManagedRuleGroups are the AWS managed rule groups the web ACL applies, in
// order, with the rules of each that only count instead of blocking.
var ManagedRuleGroups = []struct {
	Name  string
	Count []string
}{
	// SizeRestrictions_BODY blocks bodies over 8 KB: every longer post
	// saved and every media upload in wp-admin.
	{"AWSManagedRulesCommonRuleSet", []string{"SizeRestrictions_BODY"}},
	{"AWSManagedRulesKnownBadInputsRuleSet", nil},
	{"AWSManagedRulesPHPRuleSet", nil},
	{"AWSManagedRulesWordPressRuleSet", nil},
}

// RateLimitedPaths are the brute-force targets the rate-based rule counts
// per client IP.
var RateLimitedPaths = []string{"/wp-login.php", "/xmlrpc.php"}

// RateWindowSeconds is the rate-based rule's evaluation window: its limit
// is per client IP and this many seconds.
const RateWindowSeconds = 300

// WAFLogGroupPrefix is the prefix WAF requires of a CloudWatch Logs destination.
const WAFLogGroupPrefix = "aws-waf-logs-"

// WAFConfig describes the web ACL.
type WAFConfig struct {
	// Name names the ACL, its metrics and log group ("<project>-<environment>"). Required.
	Name string
	// Scope is ScopeCloudFront or ScopeRegional. Required.
	Scope string
	// Provider is the us-east-1 provider, required with ScopeCloudFront.
	// Default: nil (the stack's provider)
	Provider cdktf.TerraformProvider
	// LoadBalancerARN is associated with a ScopeRegional ACL. Required with ScopeRegional.
	LoadBalancerARN *string
	// LoginRateLimit is the requests per client IP and RateWindowSeconds
	// to RateLimitedPaths beyond which WAF blocks that IP.
	// Default: DefaultWAFLoginRateLimit (100)
	LoginRateLimit int
	// LogRetentionDays keeps the ACL's logs this long.
	// Default: DefaultWAFLogRetentionDays (90)
	LogRetentionDays int
}

// WAF is the built web ACL.
type WAF struct {
	constructs.Construct
	WebACL wafv2webacl.Wafv2WebAcl
	// ARN is what a distribution's web_acl_id takes.
	ARN *string
}

func (cfg WAFConfig) withDefaults() WAFConfig {
	if cfg.LoginRateLimit == 0 {
		cfg.LoginRateLimit = DefaultWAFLoginRateLimit
	}
	if cfg.LogRetentionDays == 0 {
		cfg.LogRetentionDays = DefaultWAFLogRetentionDays
	}
	return cfg
}

func (cfg WAFConfig) validate() error {
	var errs []error
	if cfg.Name == "" {
		errs = append(errs, errors.New("name: required"))
	}
	switch cfg.Scope {
	case ScopeCloudFront:
		if cfg.Provider == nil {
			errs = append(errs, errors.New("provider: required with scope CLOUDFRONT (a us-east-1 provider)"))
		}
	case ScopeRegional:
		if cfg.LoadBalancerARN == nil {
			errs = append(errs, errors.New("load balancer ARN: required with scope REGIONAL"))
		}
	default:
		errs = append(errs, fmt.Errorf("scope: got %q, want %s or %s", cfg.Scope, ScopeCloudFront, ScopeRegional))
	}
	if err := CheckLoginRateLimit(cfg.LoginRateLimit); err != nil {
		errs = append(errs, fmt.Errorf("login rate limit: %w", err))
	}
	if err := network.CheckLogRetention(cfg.LogRetentionDays); err != nil {
		errs = append(errs, fmt.Errorf("log retention: %w", err))
	}
	return errors.Join(errs...)
}

// NewWAF builds the web ACL, its rules and its logging, and associates it
// with the load balancer when regional (a distribution names its ACL
// itself). It panics on an invalid configuration.
func NewWAF(scope constructs.Construct, id string, cfg WAFConfig) *WAF {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		panic(fmt.Errorf("edge: waf %q: invalid configuration: %w", id, err))
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	acl := wafv2webacl.NewWafv2WebAcl(c, jsii.String("waf"), &wafv2webacl.Wafv2WebAclConfig{
		Provider:         cfg.Provider,
		Name:             jsii.String(cfg.Name),
		Description:      jsii.String("WordPress " + cfg.Name + ": AWS managed rules and a log-in rate limit"),
		Scope:            jsii.String(cfg.Scope),
		DefaultAction:    &wafv2webacl.Wafv2WebAclDefaultAction{Allow: &wafv2webacl.Wafv2WebAclDefaultActionAllow{}},
		VisibilityConfig: visibility(cfg.Name),
		Tags:             &map[string]*string{"Name": jsii.String(cfg.Name)},
	})
	// The provider bindings stop short of rule statements; the rules are
	// written in the resource's own schema, which terraform validate checks.
	acl.AddOverride(jsii.String("rule"), wafRules(cfg.Name, cfg.LoginRateLimit))

	logs := cloudwatchloggroup.NewCloudwatchLogGroup(c, jsii.String("waf.logs"), &cloudwatchloggroup.CloudwatchLogGroupConfig{
		Provider:        cfg.Provider,
		Name:            jsii.String(WAFLogGroupPrefix + cfg.Name),
		RetentionInDays: jsii.Number(cfg.LogRetentionDays),
	})
	wafv2webaclloggingconfiguration.NewWafv2WebAclLoggingConfiguration(c, jsii.String("waf.logging"), &wafv2webaclloggingconfiguration.Wafv2WebAclLoggingConfigurationConfig{
		Provider:              cfg.Provider,
		ResourceArn:           acl.Arn(),
		LogDestinationConfigs: &[]*string{logs.Arn()},
		// Session cookies and credentials stay out of the logs.
		RedactedFields: &[]*wafv2webaclloggingconfiguration.Wafv2WebAclLoggingConfigurationRedactedFields{
			{SingleHeader: &wafv2webaclloggingconfiguration.Wafv2WebAclLoggingConfigurationRedactedFieldsSingleHeader{Name: jsii.String("cookie")}},
			{SingleHeader: &wafv2webaclloggingconfiguration.Wafv2WebAclLoggingConfigurationRedactedFieldsSingleHeader{Name: jsii.String("authorization")}},
		},
	})
	if cfg.Scope == ScopeRegional {
		wafv2webaclassociation.NewWafv2WebAclAssociation(c, jsii.String("waf.association"), &wafv2webaclassociation.Wafv2WebAclAssociationConfigA{
			ResourceArn: cfg.LoadBalancerARN,
			WebAclArn:   acl.Arn(),
		})
	}
	return &WAF{Construct: c, WebACL: acl, ARN: acl.Arn()}
}

func visibility(metric string) *wafv2webacl.Wafv2WebAclVisibilityConfig {
	return &wafv2webacl.Wafv2WebAclVisibilityConfig{
		CloudwatchMetricsEnabled: jsii.Bool(true),
		MetricName:               jsii.String(metric),
		SampledRequestsEnabled:   jsii.Bool(true),
	}
}

// block is a map in Terraform's JSON syntax for nested blocks.
type block = map[string]any

func visibilityBlock(metric string) block {
	return block{"cloudwatch_metrics_enabled": true, "metric_name": metric, "sampled_requests_enabled": true}
}

// wafRules are the ACL's rules in the aws_wafv2_web_acl schema: the rate
// limit first, so a brute-force source is blocked before anything else
// looks at it, then the managed rule groups.
func wafRules(name string, limit int) []block {
	var paths []block
	for _, p := range RateLimitedPaths {
		paths = append(paths, block{"byte_match_statement": block{
			"search_string":         p,
			"positional_constraint": "CONTAINS", // also /blog/wp-login.php and /wp-login.php/...
			"field_to_match":        block{"uri_path": block{}},
			"text_transformation": []block{
				{"priority": 0, "type": "URL_DECODE"},
				{"priority": 1, "type": "LOWERCASE"},
			},
		}})
	}
	rules := []block{{
		"name":     "login-rate-limit",
		"priority": 0,
		"action":   block{"block": block{}},
		"statement": block{"rate_based_statement": block{
			"limit":                 limit,
			"aggregate_key_type":    "IP",
			"evaluation_window_sec": RateWindowSeconds,
			"scope_down_statement":  block{"or_statement": block{"statement": paths}},
		}},
		"visibility_config": visibilityBlock(name + "-login-rate-limit"),
	}}
	for i, g := range ManagedRuleGroups {
		group := block{"name": g.Name, "vendor_name": "AWS"}
		if len(g.Count) > 0 {
			var overrides []block
			for _, r := range g.Count {
				overrides = append(overrides, block{"name": r, "action_to_use": block{"count": block{}}})
			}
			group["rule_action_override"] = overrides
		}
		rules = append(rules, block{
			"name":              g.Name,
			"priority":          i + 1,
			"override_action":   block{"none": block{}},
			"statement":         block{"managed_rule_group_statement": group},
			"visibility_config": visibilityBlock(name + "-" + strings.TrimPrefix(g.Name, "AWSManagedRules")),
		})
	}
	return rules
}
