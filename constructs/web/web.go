// Package web builds the WordPress web servers: an auto scaling group over
// the app subnets of every zone, launched from a hardened template (Amazon
// Linux 2023, IMDSv2 only, no key pair, no public IP, encrypted gp3 root
// volume) and booted by a user-data script that installs Apache and PHP,
// mounts the EFS web root over TLS, installs WordPress once (the site too,
// with its admin password in a secret this package creates empty), connects
// it to MySQL over verified TLS and keeps the database credentials in step
// with Secrets Manager. The servers' logs go to CloudWatch Logs groups that
// only they may write to. The script itself, its rules and its tests are in
// the sub-package bootscript, which imports no provider bindings.
//
// It needs the VPC range and app subnets (network), InternalWeb and InternalEFS
// (security), the database and file system (data), and the target group
// and address (edge) its servers register in and serve.
package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/autoscalinggroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/autoscalingpolicy"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/cloudwatchloggroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iaminstanceprofile"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrole"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrolepolicy"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrolepolicyattachment"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/launchtemplate"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/secretsmanagersecret"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/sesv2emailidentity"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/wordpress-cdktf/resilient-wordpress/constructs/data"
	"github.com/wordpress-cdktf/resilient-wordpress/constructs/edge"
	"github.com/wordpress-cdktf/resilient-wordpress/constructs/network"
	"github.com/wordpress-cdktf/resilient-wordpress/constructs/security"
	"github.com/wordpress-cdktf/resilient-wordpress/constructs/web/bootscript"
)

// WebConfig describes the web servers.
type WebConfig struct {
	// Name prefixes the names of the group, template and role ("<project>-<environment>"). Required.
	Name string
	// Region is where the servers run; the boot script's AWS calls go there. Required.
	Region string
	// Network's app subnets hold the servers. Required.
	Network *network.Network
	// Security provides InternalWeb and InternalEFS. Required.
	Security *security.Security
	// Database is what WordPress connects to; only its secret is readable by the servers. Required.
	Database *data.Database
	// FileSystem holds the web root. Required.
	FileSystem *data.FileSystem
	// LoadBalancer's target group receives the servers. Required.
	LoadBalancer *edge.LoadBalancer
	// InstanceType of the servers; the AMI's architecture follows it.
	// Default: DefaultInstanceType ("t4g.small")
	InstanceType string
	// MinSize and MaxSize bound the group. The group starts at MinSize and
	// the CPU policy moves it in between.
	// Default: DefaultMinSize and DefaultMaxSize (2 and 4)
	MinSize, MaxSize int
	// CPUTargetPercent is the average CPU the scaling policy holds.
	// Default: DefaultCPUTargetPercent (50)
	CPUTargetPercent int
	// WordPressVersion is installed on first boot.
	// Default: bootscript.DefaultWordPressVersion ("6.8.3")
	WordPressVersion string
	// RootVolumeGiB sizes each server's root volume; the site lives on EFS.
	// Default: DefaultRootVolumeGiB (16)
	RootVolumeGiB int
	// SiteTitle is the title the first boot installs WordPress with.
	// Default: DefaultSiteTitle ("WordPress")
	SiteTitle string
	// AdminEmail is the e-mail address of the admin user the first boot
	// creates (password resets go there).
	// Default: DefaultAdminEmail ("admin@example.com")
	AdminEmail string
	// MailFrom, when set, is the address WordPress sends from, through Amazon
	// SES with the instance role: its domain becomes an SES identity with
	// DKIM (publish MailDKIMTokens in DNS), and the role may send from it.
	// Default: "" (WordPress's mail goes nowhere: EC2 blocks port 25)
	MailFrom string
	// MailHostedZoneID is the Route 53 hosted zone of MailFrom's domain: the
	// three DKIM records SES asks for are written there, so the domain
	// verifies without a manual step. Needs MailFrom.
	// Default: "" (publish MailDKIMTokens in the domain's DNS yourself)
	MailHostedZoneID string
	// LogRetentionDays keeps the servers' logs (bootscript.LogFiles) this long in
	// CloudWatch Logs; a retention CloudWatch Logs accepts.
	// Default: DefaultLogRetentionDays (30)
	LogRetentionDays int
	// PublicURL is the site's address when the stack fixes it (CloudFront or
	// a domain name): WordPress is installed with it and keeps it as its home
	// and site URL at every boot.
	// Default: nil (installed with the load balancer's URL, which WordPress
	// may change later)
	PublicURL *string
	// BehindCDN says every request comes through CloudFront over HTTPS.
	// Default: false
	BehindCDN bool
	// Cache is WordPress's object cache.
	// Default: nil (no object cache)
	Cache *data.Cache
}

// Defaults of WebConfig, also the defaults of the stack configuration.
const (
	DefaultInstanceType     = "t4g.small"
	DefaultMinSize          = 2
	DefaultMaxSize          = 4
	DefaultCPUTargetPercent = 50
	DefaultRootVolumeGiB    = 16
	DefaultSiteTitle        = "WordPress"
	// DefaultAdminEmail is a reserved domain that receives no mail: set yours.
	DefaultAdminEmail = "admin@example.com"
)

// Bounds of the group.
const (
	// MinServers keeps a server after the loss of one zone.
	MinServers = 2
	// MaxServers is the most servers the group may scale to.
	MaxServers = 100
)

var (
	reInstanceType = regexp.MustCompile(`^[a-z][a-z0-9-]*\.[a-z0-9]+$`)
)

// CheckInstanceType reports a string that is not an EC2 instance type.
func CheckInstanceType(t string) error {
	if !reInstanceType.MatchString(t) {
		return fmt.Errorf("got %q, want an EC2 instance type such as t4g.small or t3.small", t)
	}
	return nil
}

// CheckSize reports bounds of the group that would not survive a zone's
// loss or that AWS would refuse; nil where a bound is fine.
func CheckSize(min, max int) (minErr, maxErr error) {
	if min < MinServers {
		minErr = fmt.Errorf("got %d, want at least %d, so that losing one zone leaves a server", min, MinServers)
	}
	if max < min || max > MaxServers {
		maxErr = fmt.Errorf("got %d, want min_size (%d) to %d", max, min, MaxServers)
	}
	return minErr, maxErr
}

// CheckCPUTarget reports a scaling target that would never or always scale.
func CheckCPUTarget(percent int) error {
	if percent < 10 || percent > 90 {
		return fmt.Errorf("got %d, want 10 to 90", percent)
	}
	return nil
}

// Web is the built web tier.
type Web struct {
	constructs.Construct
	group            autoscalinggroup.AutoscalingGroup
	adminSecret      secretsmanagersecret.SecretsmanagerSecret
	minSize, maxSize int
	logGroups        []cloudwatchloggroup.CloudwatchLogGroup
	mail             sesv2emailidentity.Sesv2EmailIdentity
}

// MailDKIMTokens are the Easy DKIM tokens of the sender's domain: publish
// each as a CNAME <token>._domainkey.<domain> to <token>.dkim.amazonses.com.
// Nil without MailFrom.
func (w *Web) MailDKIMTokens() *[]*string {
	if w.mail == nil {
		return nil
	}
	return w.mail.DkimSigningAttributes().Tokens()
}

// SendsMail says WordPress sends mail through SES (MailFrom is set).
func (w *Web) SendsMail() bool { return w.mail != nil }

// AdminSecretARN is the Secrets Manager secret in which the first boot
// stores the WordPress admin user's name and password (JSON with "username"
// and "password"). The stack creates it empty: the password is made on the
// server and never appears in Terraform's files or state.
func (w *Web) AdminSecretARN() *string { return w.adminSecret.Arn() }

// GroupName is the auto scaling group's name.
func (w *Web) GroupName() *string { return w.group.Name() }

// Size is the group's minimum and maximum number of servers, for alarms on
// its capacity.
func (w *Web) Size() (min, max int) { return w.minSize, w.maxSize }

// LogGroupNames are the servers' CloudWatch Logs groups, one per distinct
// bootscript.LogFile.Group, in bootscript.LogFiles order.
func (w *Web) LogGroupNames() []*string {
	out := make([]*string, 0, len(w.logGroups))
	for _, g := range w.logGroups {
		out = append(out, g.Name())
	}
	return out
}

// Architecture is the CPU architecture an instance type runs: "arm64" for
// Graviton families (a "g" among the attributes after the generation
// digit, as in t4g, m7g, c6gn), else "x86_64".
func Architecture(instanceType string) string {
	family, _, _ := strings.Cut(instanceType, ".")
	i := strings.IndexAny(family, "0123456789")
	if i >= 0 && strings.Contains(strings.TrimLeft(family[i:], "0123456789"), "g") {
		return "arm64"
	}
	return "x86_64"
}

// ImageID is the launch template's image reference: EC2 resolves the public
// SSM parameter at launch, so the stack names no AMI ID and plans without
// calling AWS, and each new server gets the current Amazon Linux 2023.
func ImageID(instanceType string) string {
	return "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-" + Architecture(instanceType)
}

func (cfg WebConfig) withDefaults() WebConfig {
	if cfg.InstanceType == "" {
		cfg.InstanceType = DefaultInstanceType
	}
	if cfg.MinSize == 0 {
		cfg.MinSize = DefaultMinSize
	}
	if cfg.MaxSize == 0 {
		cfg.MaxSize = DefaultMaxSize
	}
	if cfg.CPUTargetPercent == 0 {
		cfg.CPUTargetPercent = DefaultCPUTargetPercent
	}
	if cfg.WordPressVersion == "" {
		cfg.WordPressVersion = bootscript.DefaultWordPressVersion
	}
	if cfg.RootVolumeGiB == 0 {
		cfg.RootVolumeGiB = DefaultRootVolumeGiB
	}
	if cfg.SiteTitle == "" {
		cfg.SiteTitle = DefaultSiteTitle
	}
	if cfg.AdminEmail == "" {
		cfg.AdminEmail = DefaultAdminEmail
	}
	if cfg.LogRetentionDays == 0 {
		cfg.LogRetentionDays = DefaultLogRetentionDays
	}
	return cfg
}

// validate checks a configuration after withDefaults and returns every
// problem at once.
func (cfg WebConfig) validate() error {
	var errs []error
	for _, r := range []struct {
		field string
		set   bool
	}{
		{"name", cfg.Name != ""}, {"region", cfg.Region != ""}, {"network", cfg.Network != nil},
		{"security", cfg.Security != nil}, {"database", cfg.Database != nil},
		{"file system", cfg.FileSystem != nil}, {"load balancer", cfg.LoadBalancer != nil},
	} {
		if !r.set {
			errs = append(errs, fmt.Errorf("%s: required", r.field))
		}
	}
	add := func(field string, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", field, err))
		}
	}
	if cfg.Region != "" {
		add("region", network.CheckRegion(cfg.Region))
	}
	add("instance type", CheckInstanceType(cfg.InstanceType))
	minErr, maxErr := CheckSize(cfg.MinSize, cfg.MaxSize)
	add("min size", minErr)
	add("max size", maxErr)
	add("CPU target", CheckCPUTarget(cfg.CPUTargetPercent))
	add("WordPress version", bootscript.CheckWordPressVersion(cfg.WordPressVersion))
	add("site title", bootscript.CheckSiteTitle(cfg.SiteTitle))
	add("admin e-mail", bootscript.CheckEmail(cfg.AdminEmail))
	if cfg.MailFrom != "" {
		add("mail from", CheckMailFrom(cfg.MailFrom))
	}
	if cfg.MailHostedZoneID != "" {
		add("mail hosted zone", CheckMailHostedZone(cfg.MailHostedZoneID, cfg.MailFrom))
	}
	add("log retention", network.CheckLogRetention(cfg.LogRetentionDays))
	if cfg.RootVolumeGiB < 8 {
		errs = append(errs, fmt.Errorf("root volume: got %d GiB, want at least 8 (the Amazon Linux 2023 image)", cfg.RootVolumeGiB))
	}
	return errors.Join(errs...)
}

// NewWeb builds the role, launch template, auto scaling group and scaling
// policy. It panics on an invalid configuration.
func NewWeb(scope constructs.Construct, id string, cfg WebConfig) *Web {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		panic(fmt.Errorf("web %q: invalid configuration: %w", id, err))
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	w := &Web{Construct: c, minSize: cfg.MinSize, maxSize: cfg.MaxSize}

	// A name prefix, not a name: a deleted secret keeps its name for the
	// recovery window, which would block a stack deployed again.
	w.adminSecret = secretsmanagersecret.NewSecretsmanagerSecret(c, jsii.String("wordpress-admin"), &secretsmanagersecret.SecretsmanagerSecretConfig{
		NamePrefix:  jsii.String(cfg.Name + "-wordpress-admin-"),
		Description: jsii.String("WordPress admin login, stored by the web server that installed WordPress"),
	})

	ud := bootscript.Config{
		Region:           cfg.Region,
		FileSystemID:     *cfg.FileSystem.ID(),
		AccessPointID:    *cfg.FileSystem.AccessPointID(),
		DBHost:           *cfg.Database.Address(),
		DBPort:           cfg.Database.Port(),
		DBName:           cfg.Database.Name(),
		DBSecretARN:      *cfg.Database.SecretARN(),
		WordPressVersion: cfg.WordPressVersion,
		VpcCIDR:          cfg.Network.CIDR(),
		SiteURL:          *cfg.LoadBalancer.URL(),
		BehindCDN:        cfg.BehindCDN,
		SiteTitle:        cfg.SiteTitle,
		AdminEmail:       cfg.AdminEmail,
		AdminSecretARN:   *w.adminSecret.Arn(),
		LogGroupPrefix:   LogGroupPrefix(cfg.Name),
		MailFrom:         cfg.MailFrom,
	}
	if cfg.PublicURL != nil {
		ud.SiteURL, ud.PinSiteURL = *cfg.PublicURL, true
	}
	if cfg.Cache != nil {
		ud.CacheHost, ud.CachePort = *cfg.Cache.Host(), cfg.Cache.Port()
	}
	userData, err := bootscript.RenderForTerraform(ud)
	if err != nil {
		panic(fmt.Errorf("web %q: invalid configuration: %w", id, err))
	}

	role := iamrole.NewIamRole(c, jsii.String("web-server.role"), &iamrole.IamRoleConfig{
		Name:             jsii.String(cfg.Name + "-web"),
		Description:      jsii.String("WordPress web servers: Session Manager, the database secret, the admin secret and their own log groups, nothing else"),
		AssumeRolePolicy: jsii.String(mustJSON(policy(statement{Effect: "Allow", Action: []string{"sts:AssumeRole"}, Principal: map[string]string{"Service": "ec2.amazonaws.com"}}))),
	})
	// Session Manager replaces SSH: no key pair, no port 22.
	iamrolepolicyattachment.NewIamRolePolicyAttachment(c, jsii.String("session-manager"), &iamrolepolicyattachment.IamRolePolicyAttachmentConfig{
		Role:      role.Name(),
		PolicyArn: jsii.String(fmt.Sprintf("arn:%s:iam::aws:policy/AmazonSSMManagedInstanceCore", network.Partition(cfg.Region))),
	})
	allow(c, "database-secret", "read-database-secret", role, statement{
		Effect:   "Allow",
		Action:   []string{"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"},
		Resource: *cfg.Database.SecretARN(),
	})
	// The server that installs WordPress stores the admin password here.
	allow(c, "admin-secret", "store-admin-secret", role, statement{
		Effect:   "Allow",
		Action:   []string{"secretsmanager:PutSecretValue", "secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"},
		Resource: *w.adminSecret.Arn(),
	})
	w.logGroups = newLogGroups(c, cfg.Name, cfg.LogRetentionDays, role)
	if cfg.MailFrom != "" {
		w.mail = newMail(c, cfg.MailFrom, cfg.MailHostedZoneID, role)
	}
	profile := iaminstanceprofile.NewIamInstanceProfile(c, jsii.String("web-server.profile"), &iaminstanceprofile.IamInstanceProfileConfig{
		Name: jsii.String(cfg.Name + "-web"),
		Role: role.Name(),
	})

	// The script is a local value, so the plan shows it as text a reviewer
	// can read; the template takes it gzipped (cloud-init unpacks it), which
	// keeps it well inside EC2's 16 KB of user data.
	bootScript := cdktf.NewTerraformLocal(c, jsii.String("boot-script"), jsii.String(userData))
	tags := &map[string]*string{"Name": jsii.String(cfg.Name + "-web")}
	template := launchtemplate.NewLaunchTemplate(c, jsii.String("web-server"), &launchtemplate.LaunchTemplateConfig{
		Name:                 jsii.String(cfg.Name + "-web"),
		Description:          jsii.String("WordPress web server on Amazon Linux 2023"),
		ImageId:              jsii.String(ImageID(cfg.InstanceType)),
		InstanceType:         jsii.String(cfg.InstanceType),
		UpdateDefaultVersion: jsii.Bool(true),
		IamInstanceProfile:   &launchtemplate.LaunchTemplateIamInstanceProfile{Arn: profile.Arn()},
		MetadataOptions: &launchtemplate.LaunchTemplateMetadataOptions{
			HttpEndpoint:            jsii.String("enabled"),
			HttpTokens:              jsii.String("required"), // IMDSv2 only
			HttpPutResponseHopLimit: jsii.Number(1),          // no container or proxy can reach the credentials
		},
		NetworkInterfaces: &[]*launchtemplate.LaunchTemplateNetworkInterfaces{{
			DeviceIndex:              jsii.Number(0),
			AssociatePublicIpAddress: jsii.String("false"),
			DeleteOnTermination:      jsii.String("true"),
			SecurityGroups:           cfg.Security.WebServerGroupIDs(),
		}},
		BlockDeviceMappings: &[]*launchtemplate.LaunchTemplateBlockDeviceMappings{{
			DeviceName: jsii.String("/dev/xvda"),
			Ebs: &launchtemplate.LaunchTemplateBlockDeviceMappingsEbs{
				VolumeSize:          jsii.Number(cfg.RootVolumeGiB),
				VolumeType:          jsii.String("gp3"),
				Encrypted:           jsii.String("true"),
				DeleteOnTermination: jsii.String("true"),
			},
		}},
		UserData: cdktf.Fn_Base64gzip(bootScript.AsString()),
		TagSpecifications: &[]*launchtemplate.LaunchTemplateTagSpecifications{
			{ResourceType: jsii.String("instance"), Tags: tags},
			{ResourceType: jsii.String("volume"), Tags: tags},
		},
		Tags: tags,
	})

	// The boot script mounts the file system and installs packages from
	// the internet at once: without these edges a first deploy could boot
	// servers before the mount targets or the NAT routes exist.
	bootNeeds := append(cfg.FileSystem.MountTargetsReady(), cfg.Network.InternetConnectivityEstablished()...)
	w.group = autoscalinggroup.NewAutoscalingGroup(c, jsii.String("web-servers"), &autoscalinggroup.AutoscalingGroupConfig{
		DependsOn:         &bootNeeds,
		Name:              jsii.String(cfg.Name + "-web"),
		VpcZoneIdentifier: cfg.Network.SubnetIDs(network.App),
		MinSize:           jsii.Number(cfg.MinSize),
		MaxSize:           jsii.Number(cfg.MaxSize),
		// No desired_capacity: the group starts at min_size and the scaling
		// policy owns it, so a deploy never resets a scaled-out group.
		TargetGroupArns: &[]*string{cfg.LoadBalancer.TargetGroupARN()},
		// A server that boots but cannot serve (EFS not mounted, PHP down)
		// fails the load balancer's check and is replaced.
		HealthCheckType: jsii.String("ELB"),
		// First boot installs packages, may wait up to 600 s for another
		// server's WordPress install lock, then installs: room for both.
		HealthCheckGracePeriod: jsii.Number(900),
		DefaultInstanceWarmup:  jsii.Number(300),
		CapacityRebalance:      jsii.Bool(true),
		WaitForCapacityTimeout: jsii.String("15m"),
		LaunchTemplate: &autoscalinggroup.AutoscalingGroupLaunchTemplate{
			Id: template.Id(),
			// The exact version, not $Latest: a template change is then a
			// change of the group, which starts an instance refresh.
			Version: cdktf.Token_AsString(template.LatestVersion(), nil),
		},
		InstanceRefresh: &autoscalinggroup.AutoscalingGroupInstanceRefresh{
			Strategy: jsii.String("Rolling"),
			Preferences: &autoscalinggroup.AutoscalingGroupInstanceRefreshPreferences{
				// Launch before terminating: capacity never drops during a refresh.
				MinHealthyPercentage: jsii.Number(100),
				MaxHealthyPercentage: jsii.Number(200),
				AutoRollback:         jsii.Bool(true),
			},
		},
		EnabledMetrics: &[]*string{
			jsii.String("GroupDesiredCapacity"), jsii.String("GroupInServiceInstances"),
			jsii.String("GroupMaxSize"), jsii.String("GroupMinSize"), jsii.String("GroupTotalInstances"),
		},
	})

	autoscalingpolicy.NewAutoscalingPolicy(c, jsii.String("web-servers.cpu-target"), &autoscalingpolicy.AutoscalingPolicyConfig{
		Name:                 jsii.String(cfg.Name + "-web-cpu"),
		AutoscalingGroupName: w.group.Name(),
		PolicyType:           jsii.String("TargetTrackingScaling"),
		TargetTrackingConfiguration: &autoscalingpolicy.AutoscalingPolicyTargetTrackingConfiguration{
			TargetValue: jsii.Number(cfg.CPUTargetPercent),
			PredefinedMetricSpecification: &autoscalingpolicy.AutoscalingPolicyTargetTrackingConfigurationPredefinedMetricSpecification{
				PredefinedMetricType: jsii.String("ASGAverageCPUUtilization"),
			},
		},
	})
	return w
}

type statement struct {
	Effect    string            `json:"Effect"`
	Action    []string          `json:"Action"`
	Principal map[string]string `json:"Principal,omitempty"`
	Resource  any               `json:"Resource,omitempty"`
	Condition map[string]any    `json:"Condition,omitempty"`
}

// allow gives the servers' role one inline policy, named for what it lets
// them do, of one statement.
func allow(scope constructs.Construct, id, name string, role iamrole.IamRole, s statement) {
	iamrolepolicy.NewIamRolePolicy(scope, jsii.String(id), &iamrolepolicy.IamRolePolicyConfig{
		Name:   jsii.String(name),
		Role:   role.Id(),
		Policy: jsii.String(mustJSON(policy(s))),
	})
}

func policy(s ...statement) map[string]any {
	return map[string]any{"Version": "2012-10-17", "Statement": s}
}

// mustJSON marshals a policy built from plain strings (tokens included),
// which cannot fail.
func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Errorf("marshal policy: %w", err))
	}
	return string(b)
}
