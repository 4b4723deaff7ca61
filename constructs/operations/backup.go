package operations

import (
	"errors"
	"fmt"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/backupplan"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/backupselection"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/backupvault"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrole"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrolepolicy"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrolepolicyattachment"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/kmskey"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/wordpress-cdktf/resilient-wordpress/constructs/network"
)

// DefaultBackupRetentionDays is how long daily recovery points are kept by default.
const DefaultBackupRetentionDays = 35

// CheckBackupRetention reports a retention AWS Backup would refuse or that
// keeps recovery points for over ten years.
func CheckBackupRetention(days int) error {
	if days < 1 || days > 3650 {
		return fmt.Errorf("got %d, want 1 to 3650 days", days)
	}
	return nil
}

// CheckCopyRegion reports a region recovery points cannot usefully be
// copied to: not a region name, or the stack's own region.
func CheckCopyRegion(copyRegion, region string) error {
	if err := network.CheckRegion(copyRegion); err != nil {
		return err
	}
	if copyRegion == region {
		return fmt.Errorf("got %q, want a region other than the stack's region %s (a copy in the same region does not survive its loss)", copyRegion, region)
	}
	return nil
}

// BackupConfig describes the AWS Backup plan.
type BackupConfig struct {
	// RetentionDays keeps each daily recovery point this long (1 to 3650).
	// Default: DefaultBackupRetentionDays (35)
	RetentionDays int
	// CopyRegion, when set, copies each recovery point to a vault in that
	// region, kept as long; CopyProvider must be an AWS provider for it.
	// Default: "" (no copy)
	CopyRegion   string
	CopyProvider cdktf.TerraformProvider
}

// BackupSchedule is when the daily backup starts (UTC): after the database's
// automated backup window (03:00-04:00) and its Sunday maintenance window
// (04:30-05:30), so the three never compete.
const BackupSchedule = "cron(0 6 * * ? *)"

// Backup is the built plan.
type Backup struct {
	Vault backupvault.BackupVault
	Plan  backupplan.BackupPlan
	// CopyVault is nil without a copy region.
	CopyVault backupvault.BackupVault
}

func (b BackupConfig) withDefaults() BackupConfig {
	if b.RetentionDays == 0 {
		b.RetentionDays = DefaultBackupRetentionDays
	}
	return b
}

func (b BackupConfig) validate(region string) error {
	var errs []error
	if err := CheckBackupRetention(b.RetentionDays); err != nil {
		errs = append(errs, fmt.Errorf("backup retention: %w", err))
	}
	if b.CopyRegion != "" {
		if err := CheckCopyRegion(b.CopyRegion, region); err != nil {
			errs = append(errs, fmt.Errorf("backup copy region: %w", err))
		}
	}
	if (b.CopyRegion != "") != (b.CopyProvider != nil) {
		errs = append(errs, fmt.Errorf("backup copy provider: want one exactly when a copy region is set (copy region %q)", b.CopyRegion))
	}
	return errors.Join(errs...)
}

// newBackup builds the vault (encrypted with the operations key), the daily
// plan for the database and the file system, the role AWS Backup runs as,
// the optional copy vault in another region, and the rule that sends failed
// backup and copy jobs to the topic.
func newBackup(c constructs.Construct, cfg OperationsConfig, o *Operations) *Backup {
	b := &Backup{}
	partition := arnPart(o.Key.Arn(), 1)
	role := iamrole.NewIamRole(c, jsii.String("backup"), &iamrole.IamRoleConfig{
		Name:        jsii.String(cfg.Name + "-backup"),
		Description: jsii.String("AWS Backup backs up and restores the database and the file system"),
		AssumeRolePolicy: jsii.String(mustJSON(policy(statement{
			Sid: "BackupAssumes", Effect: "Allow", Principal: map[string]any{"Service": "backup.amazonaws.com"}, Action: []string{"sts:AssumeRole"},
		}))),
	})
	for _, p := range []struct{ id, name string }{
		{"backup-service", "AWSBackupServiceRolePolicyForBackup"},
		{"backup-restores", "AWSBackupServiceRolePolicyForRestores"},
	} {
		iamrolepolicyattachment.NewIamRolePolicyAttachment(c, jsii.String(p.id), &iamrolepolicyattachment.IamRolePolicyAttachmentConfig{
			Role:      role.Name(),
			PolicyArn: jsii.String(fmt.Sprintf("arn:%s:iam::aws:policy/service-role/%s", partition, p.name)),
		})
	}
	// The vault's key is a customer key: the managed policies grant no use of it.
	iamrolepolicy.NewIamRolePolicy(c, jsii.String("backup-vault-key"), &iamrolepolicy.IamRolePolicyConfig{
		Name: jsii.String("use-vault-key"),
		Role: role.Id(),
		Policy: jsii.String(mustJSON(policy(
			statement{Sid: "UseVaultKey", Effect: "Allow", Action: []string{"kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey"}, Resource: *o.Key.Arn()},
			statement{
				Sid: "GrantToBackup", Effect: "Allow", Action: []string{"kms:CreateGrant"}, Resource: *o.Key.Arn(),
				Condition: map[string]any{"Bool": map[string]string{"kms:GrantIsForAWSResource": "true"}},
			},
		))),
	})

	b.Vault = backupvault.NewBackupVault(c, jsii.String("backups"), &backupvault.BackupVaultConfig{
		Name:      jsii.String(cfg.Name),
		KmsKeyArn: o.Key.Arn(),
		Tags:      nameTag(cfg.Name),
	})
	lifecycle := &backupplan.BackupPlanRuleLifecycle{DeleteAfter: jsii.Number(cfg.Backup.RetentionDays)}
	rule := &backupplan.BackupPlanRule{
		RuleName:         jsii.String("daily"),
		TargetVaultName:  b.Vault.Name(),
		Schedule:         jsii.String(BackupSchedule),
		StartWindow:      jsii.Number(60),
		CompletionWindow: jsii.Number(480),
		Lifecycle:        lifecycle,
	}
	if cfg.Backup.CopyRegion != "" {
		// The copy's vault needs a key of its own region.
		copyKey := kmskey.NewKmsKey(c, jsii.String("backup-copies"), &kmskey.KmsKeyConfig{
			Provider:             cfg.Backup.CopyProvider,
			Description:          jsii.String("Backup copies of " + cfg.Name),
			EnableKeyRotation:    jsii.Bool(true),
			DeletionWindowInDays: jsii.Number(30),
			Tags:                 nameTag(cfg.Name + "-backup-copy"),
		})
		b.CopyVault = backupvault.NewBackupVault(c, jsii.String("backup-copies.vault"), &backupvault.BackupVaultConfig{
			Provider:  cfg.Backup.CopyProvider,
			Name:      jsii.String(cfg.Name + "-copy"),
			KmsKeyArn: copyKey.Arn(),
			Tags:      nameTag(cfg.Name + "-copy"),
		})
		rule.CopyAction = &[]*backupplan.BackupPlanRuleCopyAction{{
			DestinationVaultArn: b.CopyVault.Arn(),
			Lifecycle:           &backupplan.BackupPlanRuleCopyActionLifecycle{DeleteAfter: jsii.Number(cfg.Backup.RetentionDays)},
		}}
	}
	b.Plan = backupplan.NewBackupPlan(c, jsii.String("daily"), &backupplan.BackupPlanConfig{
		Name: jsii.String(cfg.Name),
		Rule: &[]*backupplan.BackupPlanRule{rule},
		Tags: nameTag(cfg.Name),
	})
	backupselection.NewBackupSelection(c, jsii.String("daily.selection"), &backupselection.BackupSelectionConfig{
		Name:       jsii.String(cfg.Name + "-data"),
		PlanId:     b.Plan.Id(),
		IamRoleArn: role.Arn(),
		Resources:  &[]*string{cfg.Database.ARN(), cfg.FileSystem.ARN()},
	})

	failed := []string{"FAILED", "ABORTED", "EXPIRED"}
	newEventRule(c, "backup-failures", cfg.Name+"-backup-failures", "Failed backup jobs of the "+cfg.Name+" vault", map[string]any{
		"source":      []string{"aws.backup"},
		"detail-type": []string{"Backup Job State Change"},
		"detail":      map[string]any{"state": failed, "backupVaultName": []string{*b.Vault.Name()}},
	}, o.Topic)
	if b.CopyVault != nil {
		newEventRule(c, "backup-copy-failures", cfg.Name+"-backup-copy-failures", "Failed copies of the "+cfg.Name+" vault's recovery points", map[string]any{
			"source":      []string{"aws.backup"},
			"detail-type": []string{"Copy Job State Change"},
			"detail":      map[string]any{"state": failed, "sourceBackupVaultArn": []string{*b.Vault.Arn()}},
		}, o.Topic)
	}
	return b
}
