package jsiiboottest

import (
	"fmt"

	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/autoscalinggroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/cloudwatchloggroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/cloudwatchmetricalarm"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dataawsami"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dbinstance"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dbsubnetgroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/efsfilesystem"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/efsmounttarget"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/eip"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/elasticachereplicationgroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/elasticachesubnetgroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iaminstanceprofile"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrole"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrolepolicyattachment"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/internetgateway"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/kmskey"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/launchtemplate"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/lb"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/lblistener"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/lbtargetgroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/natgateway"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/provider"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/route"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/routetable"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/routetableassociation"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/s3bucket"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/s3bucketpublicaccessblock"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/secretsmanagersecret"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/securitygroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/securitygrouprule"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/subnet"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/vpc"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
)

// Shape is what SmallApp puts in each environment stack.
type Shape string

const (
	// ShapeVPC is the AWS provider and one VPC: the baseline of the README speed figures.
	ShapeVPC Shape = "vpc"
	// ShapeSmall adds two subnets, an internet gateway, a security group,
	// a bucket and an output.
	ShapeSmall Shape = "small"
	// ShapeWordPress is a stand-in for the project's default stack, about
	// 70 resources of ~30 kinds: a three-AZ network with NAT, an ALB in
	// front of an autoscaled launch template, RDS, EFS, ElastiCache, KMS,
	// secrets, IAM, logs, alarms and a media bucket.
	ShapeWordPress Shape = "wordpress"
)

// SmallApp synthesizes an app of stacks environment stacks of the given shape
// into outdir. Call jsiiboot.Enable (or not) first.
func SmallApp(outdir string, shape Shape, stacks int) {
	app := cdktf.NewApp(&cdktf.AppConfig{Outdir: jsii.String(outdir)})
	for i := 0; i < stacks; i++ {
		stack := cdktf.NewTerraformStack(app, jsii.String(fmt.Sprintf("env%d", i)))
		provider.NewAwsProvider(stack, jsii.String("aws"), &provider.AwsProviderConfig{Region: jsii.String("eu-west-1")})
		v := vpc.NewVpc(stack, jsii.String("vpc"), &vpc.VpcConfig{
			CidrBlock:          jsii.String(fmt.Sprintf("10.%d.0.0/16", i)),
			EnableDnsHostnames: jsii.Bool(true),
			Tags:               &map[string]*string{"Name": jsii.String(fmt.Sprintf("env%d", i))},
		})
		switch shape {
		case ShapeSmall:
			small(stack, v, i)
		case ShapeWordPress:
			wordpress(stack, v, i)
		}
	}
	app.Synth()
}

func small(stack cdktf.TerraformStack, v vpc.Vpc, env int) {
	for j, az := range []string{"a", "b"} {
		subnet.NewSubnet(stack, jsii.String("public-"+az), &subnet.SubnetConfig{
			VpcId:            v.Id(),
			CidrBlock:        jsii.String(fmt.Sprintf("10.%d.%d.0/24", env, j)),
			AvailabilityZone: jsii.String("eu-west-1" + az),
		})
	}
	internetgateway.NewInternetGateway(stack, jsii.String("igw"), &internetgateway.InternetGatewayConfig{VpcId: v.Id()})
	securitygroup.NewSecurityGroup(stack, jsii.String("web"), &securitygroup.SecurityGroupConfig{
		VpcId: v.Id(),
		Ingress: &[]*securitygroup.SecurityGroupIngress{{
			FromPort:   jsii.Number(443),
			ToPort:     jsii.Number(443),
			Protocol:   jsii.String("tcp"),
			CidrBlocks: jsii.Strings("0.0.0.0/0"),
		}},
	})
	b := s3bucket.NewS3Bucket(stack, jsii.String("media"), &s3bucket.S3BucketConfig{BucketPrefix: jsii.String("media-")})
	cdktf.NewTerraformOutput(stack, jsii.String("bucket"), &cdktf.TerraformOutputConfig{Value: b.Arn()})
}

func wordpress(stack cdktf.TerraformStack, v vpc.Vpc, env int) {
	s := jsii.String
	n := jsii.Number[float64]
	tags := &map[string]*string{"App": s("wordpress"), "Env": s(fmt.Sprintf("env%d", env))}

	igw := internetgateway.NewInternetGateway(stack, s("igw"), &internetgateway.InternetGatewayConfig{VpcId: v.Id(), Tags: tags})
	publicRT := routetable.NewRouteTable(stack, s("public-rt"), &routetable.RouteTableConfig{VpcId: v.Id(), Tags: tags})
	route.NewRoute(stack, s("public-default"), &route.RouteConfig{
		RouteTableId: publicRT.Id(), DestinationCidrBlock: s("0.0.0.0/0"), GatewayId: igw.Id(),
	})
	var public, private []*string
	for j, az := range []string{"a", "b", "c"} {
		pub := subnet.NewSubnet(stack, s("public-"+az), &subnet.SubnetConfig{
			VpcId: v.Id(), CidrBlock: s(fmt.Sprintf("10.%d.%d.0/24", env, j)),
			AvailabilityZone: s("eu-west-1" + az), MapPublicIpOnLaunch: jsii.Bool(true), Tags: tags,
		})
		priv := subnet.NewSubnet(stack, s("private-"+az), &subnet.SubnetConfig{
			VpcId: v.Id(), CidrBlock: s(fmt.Sprintf("10.%d.%d.0/24", env, 10+j)),
			AvailabilityZone: s("eu-west-1" + az), Tags: tags,
		})
		public, private = append(public, pub.Id()), append(private, priv.Id())
		routetableassociation.NewRouteTableAssociation(stack, s("public-rta-"+az), &routetableassociation.RouteTableAssociationConfig{
			RouteTableId: publicRT.Id(), SubnetId: pub.Id(),
		})
		ip := eip.NewEip(stack, s("nat-eip-"+az), &eip.EipConfig{Domain: s("vpc"), Tags: tags})
		nat := natgateway.NewNatGateway(stack, s("nat-"+az), &natgateway.NatGatewayConfig{
			SubnetId: pub.Id(), AllocationId: ip.Id(), Tags: tags,
		})
		rt := routetable.NewRouteTable(stack, s("private-rt-"+az), &routetable.RouteTableConfig{VpcId: v.Id(), Tags: tags})
		route.NewRoute(stack, s("private-default-"+az), &route.RouteConfig{
			RouteTableId: rt.Id(), DestinationCidrBlock: s("0.0.0.0/0"), NatGatewayId: nat.Id(),
		})
		routetableassociation.NewRouteTableAssociation(stack, s("private-rta-"+az), &routetableassociation.RouteTableAssociationConfig{
			RouteTableId: rt.Id(), SubnetId: priv.Id(),
		})
	}

	sg := func(id, desc string) securitygroup.SecurityGroup {
		return securitygroup.NewSecurityGroup(stack, s(id), &securitygroup.SecurityGroupConfig{
			VpcId: v.Id(), Description: s(desc), Tags: tags,
			Egress: &[]*securitygroup.SecurityGroupEgress{{
				FromPort: n(0), ToPort: n(0), Protocol: s("-1"), CidrBlocks: jsii.Strings("0.0.0.0/0"),
			}},
		})
	}
	albSG, webSG, dbSG, efsSG, cacheSG := sg("alb-sg", "alb"), sg("web-sg", "web"), sg("db-sg", "db"), sg("efs-sg", "efs"), sg("cache-sg", "cache")
	rule := func(id string, to securitygroup.SecurityGroup, port float64, from securitygroup.SecurityGroup) {
		cfg := &securitygrouprule.SecurityGroupRuleConfig{
			Type: s("ingress"), SecurityGroupId: to.Id(), FromPort: n(port), ToPort: n(port), Protocol: s("tcp"),
		}
		if from == nil {
			cfg.CidrBlocks = jsii.Strings("0.0.0.0/0")
		} else {
			cfg.SourceSecurityGroupId = from.Id()
		}
		securitygrouprule.NewSecurityGroupRule(stack, s(id), cfg)
	}
	rule("alb-https", albSG, 443, nil)
	rule("alb-http", albSG, 80, nil)
	rule("web-from-alb", webSG, 80, albSG)
	rule("db-from-web", dbSG, 3306, webSG)
	rule("efs-from-web", efsSG, 2049, webSG)
	rule("cache-from-web", cacheSG, 6379, webSG)

	key := kmskey.NewKmsKey(stack, s("kms"), &kmskey.KmsKeyConfig{
		Description: s("wordpress data"), EnableKeyRotation: jsii.Bool(true), DeletionWindowInDays: n(7), Tags: tags,
	})
	secret := secretsmanagersecret.NewSecretsmanagerSecret(stack, s("db-secret"), &secretsmanagersecret.SecretsmanagerSecretConfig{
		NamePrefix: s("wordpress-db-"), KmsKeyId: key.Arn(), Tags: tags,
	})

	role := iamrole.NewIamRole(stack, s("web-role"), &iamrole.IamRoleConfig{
		NamePrefix:       s("wordpress-web-"),
		AssumeRolePolicy: s(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`),
		Tags:             tags,
	})
	for _, p := range []string{"AmazonSSMManagedInstanceCore", "CloudWatchAgentServerPolicy"} {
		iamrolepolicyattachment.NewIamRolePolicyAttachment(stack, s("web-"+p), &iamrolepolicyattachment.IamRolePolicyAttachmentConfig{
			Role: role.Name(), PolicyArn: s("arn:aws:iam::aws:policy/" + p),
		})
	}
	profile := iaminstanceprofile.NewIamInstanceProfile(stack, s("web-profile"), &iaminstanceprofile.IamInstanceProfileConfig{
		NamePrefix: s("wordpress-web-"), Role: role.Name(),
	})

	dbSubnets := dbsubnetgroup.NewDbSubnetGroup(stack, s("db-subnets"), &dbsubnetgroup.DbSubnetGroupConfig{
		NamePrefix: s("wordpress-"), SubnetIds: &private, Tags: tags,
	})
	db := dbinstance.NewDbInstance(stack, s("db"), &dbinstance.DbInstanceConfig{
		IdentifierPrefix: s("wordpress-"), Engine: s("mysql"), EngineVersion: s("8.0"),
		InstanceClass: s("db.t4g.small"), AllocatedStorage: n(20), MaxAllocatedStorage: n(100),
		DbName: s("wordpress"), Username: s("wordpress"), ManageMasterUserPassword: jsii.Bool(true),
		MasterUserSecretKmsKeyId: key.Arn(), StorageEncrypted: jsii.Bool(true), KmsKeyId: key.Arn(),
		MultiAz: jsii.Bool(true), DbSubnetGroupName: dbSubnets.Name(), VpcSecurityGroupIds: &[]*string{dbSG.Id()},
		BackupRetentionPeriod: n(7), SkipFinalSnapshot: jsii.Bool(false), FinalSnapshotIdentifier: s(fmt.Sprintf("wordpress-env%d-final", env)),
		Tags: tags,
	})

	fs := efsfilesystem.NewEfsFileSystem(stack, s("efs"), &efsfilesystem.EfsFileSystemConfig{
		Encrypted: jsii.Bool(true), KmsKeyId: key.Arn(), Tags: tags,
	})
	for j, id := range private {
		efsmounttarget.NewEfsMountTarget(stack, s(fmt.Sprintf("efs-mount-%d", j)), &efsmounttarget.EfsMountTargetConfig{
			FileSystemId: fs.Id(), SubnetId: id, SecurityGroups: &[]*string{efsSG.Id()},
		})
	}

	cacheSubnets := elasticachesubnetgroup.NewElasticacheSubnetGroup(stack, s("cache-subnets"), &elasticachesubnetgroup.ElasticacheSubnetGroupConfig{
		Name: s(fmt.Sprintf("wordpress-env%d", env)), SubnetIds: &private,
	})
	elasticachereplicationgroup.NewElasticacheReplicationGroup(stack, s("cache"), &elasticachereplicationgroup.ElasticacheReplicationGroupConfig{
		ReplicationGroupId: s(fmt.Sprintf("wordpress-env%d", env)), Description: s("object cache"),
		NodeType: s("cache.t4g.micro"), NumCacheClusters: n(2), AutomaticFailoverEnabled: jsii.Bool(true),
		SubnetGroupName: cacheSubnets.Name(), SecurityGroupIds: &[]*string{cacheSG.Id()},
		AtRestEncryptionEnabled: s("true"), TransitEncryptionEnabled: jsii.Bool(true), Tags: tags,
	})

	media := s3bucket.NewS3Bucket(stack, s("media"), &s3bucket.S3BucketConfig{BucketPrefix: s("wordpress-media-"), Tags: tags})
	s3bucketpublicaccessblock.NewS3BucketPublicAccessBlock(stack, s("media-pab"), &s3bucketpublicaccessblock.S3BucketPublicAccessBlockConfig{
		Bucket: media.Id(), BlockPublicAcls: jsii.Bool(true), BlockPublicPolicy: jsii.Bool(true),
		IgnorePublicAcls: jsii.Bool(true), RestrictPublicBuckets: jsii.Bool(true),
	})

	ami := dataawsami.NewDataAwsAmi(stack, s("ami"), &dataawsami.DataAwsAmiConfig{
		MostRecent: jsii.Bool(true), Owners: jsii.Strings("amazon"),
		Filter: &[]*dataawsami.DataAwsAmiFilter{{Name: s("name"), Values: jsii.Strings("al2023-ami-*-arm64")}},
	})
	lt := launchtemplate.NewLaunchTemplate(stack, s("web-lt"), &launchtemplate.LaunchTemplateConfig{
		NamePrefix: s("wordpress-web-"), ImageId: ami.Id(), InstanceType: s("t4g.small"),
		IamInstanceProfile:  &launchtemplate.LaunchTemplateIamInstanceProfile{Arn: profile.Arn()},
		VpcSecurityGroupIds: &[]*string{webSG.Id()},
		UserData:            cdktf.Fn_Base64encode(cdktf.Fn_Join(s("\n"), &[]*string{s("#!/bin/sh"), s("mount -t efs"), fs.Id(), db.Address(), secret.Arn()})),
		Tags:                tags,
	})
	tg := lbtargetgroup.NewLbTargetGroup(stack, s("web-tg"), &lbtargetgroup.LbTargetGroupConfig{
		NamePrefix: s("wp-"), Port: n(80), Protocol: s("HTTP"), VpcId: v.Id(),
		HealthCheck: &lbtargetgroup.LbTargetGroupHealthCheck{Path: s("/wp-login.php"), Matcher: s("200-399")},
		Tags:        tags,
	})
	alb := lb.NewLb(stack, s("alb"), &lb.LbConfig{
		NamePrefix: s("wp-"), LoadBalancerType: s("application"), Subnets: &public,
		SecurityGroups: &[]*string{albSG.Id()}, Tags: tags,
	})
	lblistener.NewLbListener(stack, s("http"), &lblistener.LbListenerConfig{
		LoadBalancerArn: alb.Arn(), Port: n(80), Protocol: s("HTTP"),
		DefaultAction: &[]*lblistener.LbListenerDefaultAction{{Type: s("forward"), TargetGroupArn: tg.Arn()}},
	})
	asg := autoscalinggroup.NewAutoscalingGroup(stack, s("web-asg"), &autoscalinggroup.AutoscalingGroupConfig{
		MinSize: n(2), MaxSize: n(6), DesiredCapacity: n(2), VpcZoneIdentifier: &private,
		TargetGroupArns: &[]*string{tg.Arn()}, HealthCheckType: s("ELB"),
		LaunchTemplate: &autoscalinggroup.AutoscalingGroupLaunchTemplate{Id: lt.Id(), Version: s("$Latest")},
	})

	logs := cloudwatchloggroup.NewCloudwatchLogGroup(stack, s("logs"), &cloudwatchloggroup.CloudwatchLogGroupConfig{
		NamePrefix: s("/wordpress/"), RetentionInDays: n(30), KmsKeyId: key.Arn(), Tags: tags,
	})
	for _, a := range []struct{ id, ns, metric, dim, dimValue string }{
		{"cpu", "AWS/EC2", "CPUUtilization", "AutoScalingGroupName", ""},
		{"db-cpu", "AWS/RDS", "CPUUtilization", "DBInstanceIdentifier", ""},
		{"alb-5xx", "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", ""},
	} {
		dims := map[string]*string{a.dim: asg.Name()}
		switch a.ns {
		case "AWS/RDS":
			dims = map[string]*string{a.dim: db.Identifier()}
		case "AWS/ApplicationELB":
			dims = map[string]*string{a.dim: alb.ArnSuffix()}
		}
		cloudwatchmetricalarm.NewCloudwatchMetricAlarm(stack, s("alarm-"+a.id), &cloudwatchmetricalarm.CloudwatchMetricAlarmConfig{
			AlarmName: s(fmt.Sprintf("wordpress-env%d-%s", env, a.id)), ComparisonOperator: s("GreaterThanThreshold"),
			EvaluationPeriods: n(3), MetricName: s(a.metric), Namespace: s(a.ns), Period: n(60),
			Statistic: s("Average"), Threshold: n(80), Dimensions: &dims, Tags: tags,
		})
	}

	cdktf.NewTerraformOutput(stack, s("url"), &cdktf.TerraformOutputConfig{Value: alb.DnsName()})
	cdktf.NewTerraformOutput(stack, s("media-bucket"), &cdktf.TerraformOutputConfig{Value: media.Bucket()})
	cdktf.NewTerraformOutput(stack, s("log-group"), &cdktf.TerraformOutputConfig{Value: logs.Name()})
}
