// Package wordpress composes the tiers of the architecture into one
// Terraform stack per environment: the network, the security groups, the
// data stores, the web servers and the load balancer in front of them. It
// also owns the user-facing configuration (StackConfig, LoadConfig) and the
// synthesis of all stacks into cdktf.out (Synth).
//
// It needs every tier package under constructs/; none of them needs it.
package wordpress

import (
	"fmt"
	"sort"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/provider"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/wordpress-cdktf/resilient-wordpress/constructs/data"
	"github.com/wordpress-cdktf/resilient-wordpress/constructs/edge"
	"github.com/wordpress-cdktf/resilient-wordpress/constructs/network"
	"github.com/wordpress-cdktf/resilient-wordpress/constructs/operations"
	"github.com/wordpress-cdktf/resilient-wordpress/constructs/security"
	"github.com/wordpress-cdktf/resilient-wordpress/constructs/web"
	"github.com/wordpress-cdktf/resilient-wordpress/constructs/web/bootscript"
	"github.com/wordpress-cdktf/resilient-wordpress/internal/addresses"
)

// AWSProviderVersions is the hashicorp/aws version constraint every stack
// writes into required_providers: the v5 line the bindings were generated for.
const AWSProviderVersions = ">= 5.84, < 6.0"

// Stack is one environment's complete WordPress deployment.
type Stack struct {
	cdktf.TerraformStack
	Config       StackConfig
	Network      *network.Network
	Security     *security.Security
	Database     *data.Database
	FileSystem   *data.FileSystem
	LoadBalancer *edge.LoadBalancer
	Web          *web.Web
	// CDN, WAF and Cache are nil unless configured (cdn, waf, object_cache).
	CDN   *edge.CDN
	WAF   *edge.WAF
	Cache *data.Cache
	// SiteURL is the site's public address: https://<domain_name>, the
	// CloudFront name or the load balancer's.
	SiteURL    *string
	Operations *operations.Operations

	// named is the jsii stack, whose naming errors Synth reports.
	named *addresses.Stack
}

// NewStack builds the stack for one environment. cfg must have passed
// Validate: LoadConfig guarantees it.
func NewStack(scope constructs.Construct, id string, cfg StackConfig) *Stack {
	// Children hang off the jsii stack itself: jsii rejects a Go struct that
	// embeds a jsii object as a scope unless, like addresses.Stack, it was
	// registered as one.
	stack := addresses.NewStack(scope, id)
	s := &Stack{TerraformStack: stack, Config: cfg, named: stack}

	provider.NewAwsProvider(stack, jsii.String("aws"), &provider.AwsProviderConfig{
		Region: jsii.String(cfg.Region),
		DefaultTags: &[]*provider.AwsProviderDefaultTags{{
			Tags: defaultTags(cfg),
		}},
	})
	// The bindings pin the exact provider version they were generated from
	// (5.84.0); accept the whole v5 line instead, so users get provider fixes
	// and each environment's lock file pins the exact version.
	stack.AddOverride(jsii.String("terraform.required_providers.aws.version"), jsii.String(AWSProviderVersions))
	newBackend(stack, cfg)

	s.Network = network.NewNetwork(stack, "network", network.NetworkConfig{
		Name:                 cfg.Name(),
		CidrBlock:            cfg.VpcCIDR,
		AvailabilityZones:    cfg.AvailabilityZones,
		SubnetPrefixLength:   cfg.SubnetPrefixLength,
		SubnetCIDRs:          cfg.SubnetCIDRs,
		MapPublicIPOnLaunch:  cfg.MapPublicIPOnLaunch,
		FlowLogRetentionDays: cfg.FlowLogRetentionDays,
		NatGateways:          cfg.NatGateways,
	})
	s.Security = security.NewSecurity(stack, "security", security.SecurityConfig{
		Network:                s.Network,
		CloudFrontPrefixListID: cfg.CloudFrontPrefixListID,
		CloudFrontHTTPS:        cfg.OriginHTTPS(),
		ObjectCache:            cfg.ObjectCache,
	})
	s.Database = data.NewDatabase(stack, "database", data.DatabaseConfig{
		Name:                cfg.Name(),
		Network:             s.Network,
		Security:            s.Security,
		EngineVersion:       cfg.DBEngineVersion,
		InstanceClass:       cfg.DBInstanceClass,
		AllocatedStorage:    cfg.DBAllocatedStorage,
		MaxAllocatedStorage: cfg.DBMaxAllocatedStorage,
		BackupRetentionDays: cfg.DBBackupRetentionDays,
		AllowDestroy:        !cfg.DataProtection,
		SnapshotIdentifier:  cfg.DBSnapshotIdentifier,
	})
	s.FileSystem = data.NewFileSystem(stack, "file-system", data.FileSystemConfig{
		Name:         cfg.Name(),
		Network:      s.Network,
		Security:     s.Security,
		AllowDestroy: !cfg.DataProtection,
	})
	f := newFront(stack, cfg)
	s.LoadBalancer = edge.NewLoadBalancer(stack, "edge", edge.LoadBalancerConfig{
		Name:            cfg.Name(),
		Network:         s.Network,
		Security:        s.Security,
		HealthCheckPath: bootscript.HealthCheckPath,
		CertificateARN:  f.certificateARN,
		OriginSecret:    f.originSecret,
		AllowDeletion:   !cfg.LoadBalancerDeletionProtection,
		Stickiness:      cfg.Stickiness,
		// Log retention and deletion follow the environment's settings.
		AccessLogRetentionDays: cfg.AccessLogRetentionDays,
		AllowDestroyLogs:       !cfg.DataProtection,
	})
	s.addFront(stack, cfg, f)
	s.Web = web.NewWeb(stack, "web", web.WebConfig{
		Name:             cfg.Name(),
		Region:           cfg.Region,
		Network:          s.Network,
		Security:         s.Security,
		Database:         s.Database,
		FileSystem:       s.FileSystem,
		LoadBalancer:     s.LoadBalancer,
		InstanceType:     cfg.InstanceType,
		MinSize:          cfg.MinSize,
		MaxSize:          cfg.MaxSize,
		CPUTargetPercent: cfg.CPUTargetPercent,
		WordPressVersion: cfg.WordPressVersion,
		SiteTitle:        cfg.SiteTitle,
		AdminEmail:       cfg.AdminEmail,
		LogRetentionDays: cfg.LogRetentionDays,
		MailFrom:         cfg.MailFrom,
		MailHostedZoneID: cfg.MailHostedZoneID,
		PublicURL:        s.publicURL(cfg),
		BehindCDN:        cfg.CDN,
		Cache:            s.Cache,
	})
	s.Operations = operations.NewOperations(stack, "operations", operations.OperationsConfig{
		Name:         cfg.Name(),
		Region:       cfg.Region,
		LoadBalancer: s.LoadBalancer,
		Web:          s.Web,
		Database:     s.Database,
		FileSystem:   s.FileSystem,
		AlarmEmails:  cfg.AlarmEmails,
		Backup:       backupConfig(stack, cfg),
	})
	newOutputs(stack, s)
	return s
}

// newOutputs are what `cdktf output` shows after a deploy.
func newOutputs(scope constructs.Construct, s *Stack) {
	for _, o := range []struct {
		id, description string
		value           any
	}{
		{"site_url", "The WordPress site", s.SiteURL},
		{"alb_dns_name", "DNS name of the load balancer, for a CNAME or alias record", s.LoadBalancer.DNSName()},
		{"db_endpoint", "RDS MySQL endpoint (host:port), reachable only from the web servers", s.Database.Endpoint()},
		{"efs_id", "EFS file system holding the web root", s.FileSystem.ID()},
		{"db_secret_arn", "Secrets Manager secret with the database master credentials, rotated by RDS", s.Database.SecretARN()},
		{"admin_secret_arn", "Secrets Manager secret with the WordPress admin login, stored by the first boot (the site is never offered to its first visitor to install)", s.Web.AdminSecretARN()},
		{"alarm_topic_arn", "SNS topic of every alarm, event and backup failure: subscribe here", s.Operations.Topic.Arn()},
		{"dashboard_url", "CloudWatch dashboard of the environment", jsii.String(s.Operations.DashboardURL)},
		{"log_group_names", "CloudWatch Logs groups of the web servers (Apache access and error, PHP-FPM errors, boot)", s.Web.LogGroupNames()},
		{"nat_public_ips", "Addresses the web servers reach the internet from, for third parties' allow-lists", s.Network.NatPublicIPs()},
		{"asg_name", "Auto scaling group of the web servers", s.Web.GroupName()},
	} {
		cdktf.NewTerraformOutput(scope, jsii.String(o.id), &cdktf.TerraformOutputConfig{
			Value:       o.value,
			Description: jsii.String(o.description),
		})
	}
	if s.CDN != nil {
		cdktf.NewTerraformOutput(scope, jsii.String("cdn_domain_name"), &cdktf.TerraformOutputConfig{
			Value:       s.CDN.DomainName,
			Description: jsii.String("CloudFront's name, for a CNAME or alias record when Route 53 is not managed here"),
		})
	}
	if tokens := s.Web.MailDKIMTokens(); tokens != nil {
		cdktf.NewTerraformOutput(scope, jsii.String("mail_dkim_tokens"), &cdktf.TerraformOutputConfig{
			Value:       tokens,
			Description: jsii.String("Publish each token as a CNAME <token>._domainkey." + web.MailDomain(s.Config.MailFrom) + " to <token>.dkim.amazonses.com, so SES verifies and signs mail of the domain"),
		})
	}
}

// backupConfig adds, when recovery points are copied to another region, an
// AWS provider for that region with the stack's default tags.
func backupConfig(stack cdktf.TerraformStack, cfg StackConfig) operations.BackupConfig {
	b := operations.BackupConfig{RetentionDays: cfg.BackupRetentionDays, CopyRegion: cfg.BackupCopyRegion}
	if cfg.BackupCopyRegion != "" {
		b.CopyProvider = provider.NewAwsProvider(stack, jsii.String("aws-backup-copy"), &provider.AwsProviderConfig{
			Alias:       jsii.String("backup_copy"),
			Region:      jsii.String(cfg.BackupCopyRegion),
			DefaultTags: &[]*provider.AwsProviderDefaultTags{{Tags: defaultTags(cfg)}},
		})
	}
	return b
}

func defaultTags(cfg StackConfig) *map[string]*string {
	tags := map[string]*string{}
	keys := make([]string, 0, len(cfg.Tags))
	for k := range cfg.Tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		tags[k] = jsii.String(cfg.Tags[k])
	}
	// The three tags every resource carries win over user tags of the same name.
	tags["project"] = jsii.String(cfg.Project)
	tags["environment"] = jsii.String(cfg.Environment)
	tags["managed-by"] = jsii.String("cdktf")
	return &tags
}

// newBackend configures state storage explicitly: cdktf's implicit local
// backend writes the absolute path of the state file into cdk.tf.json,
// which would make the output differ between machines.
func newBackend(s cdktf.TerraformStack, cfg StackConfig) {
	if cfg.StateBucket == "" {
		// Relative to the stack folder, where cdktf runs Terraform.
		cdktf.NewLocalBackend(s, &cdktf.LocalBackendConfig{
			Path: jsii.String(fmt.Sprintf("terraform.%s.tfstate", cfg.Environment)),
		})
		return
	}
	b := cdktf.NewS3Backend(s, &cdktf.S3BackendConfig{
		Bucket:  jsii.String(cfg.StateBucket),
		Key:     jsii.String(fmt.Sprintf("%s/%s/terraform.tfstate", cfg.Project, cfg.Environment)),
		Region:  jsii.String(cfg.StateRegion),
		Encrypt: jsii.Bool(true),
	})
	// S3-native locking (Terraform >= 1.10) needs no DynamoDB table; cdktf
	// 0.20's S3BackendConfig predates the attribute.
	b.AddOverride(jsii.String("use_lockfile"), true)
}
