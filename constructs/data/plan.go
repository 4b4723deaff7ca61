package data

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/wordpress-cdktf/resilient-wordpress/constructs/network"
	"github.com/wordpress-cdktf/resilient-wordpress/constructs/security"
)

// The decisions in this file are plain Go, apart from any construct, so
// that both protection modes and the derived names are tested without
// starting a jsii runtime.

const (
	// masterUsername owns the database; its password lives only in the
	// RDS-managed secret.
	masterUsername = "wpadmin"
	// caCertificate is the CA whose certificate the server presents; the
	// web tier verifies it with the RDS global bundle.
	caCertificate = "rds-ca-rsa2048-g1"
	// Windows are UTC and disjoint, backups first: RDS refuses overlapping
	// windows, and a maintenance reboot during a backup would delay it.
	backupWindow      = "03:00-04:00"
	maintenanceWindow = "sun:04:30-sun:05:30"
	// storageType gives a 3000 IOPS baseline at every size, independent
	// of allocated storage unlike gp2.
	storageType = "gp3"
)

// cloudwatchLogs are the MySQL logs exported to CloudWatch. The general log
// records every statement: too noisy and too costly for a web site.
var cloudwatchLogs = []string{"error", "slowquery"}

// Bounds of the database's sizes, in GiB and days.
const (
	// MinAllocatedStorage is the least gp3 storage RDS MySQL takes;
	// MaxStorage the most.
	MinAllocatedStorage = 20
	MaxStorage          = 65536
	// Automated backups are kept 1 to 35 days; 0 would turn them off.
	MinBackupRetentionDays = 1
	MaxBackupRetentionDays = 35
)

var (
	reEngineVersion = regexp.MustCompile(`^(8\.[04])(\.[0-9]+)?$`)
	reInstanceClass = regexp.MustCompile(`^db\.[a-z][a-z0-9-]*\.[a-z0-9]+$`)
)

// EngineFamily returns the RDS parameter group family of a MySQL version
// given as major ("8.4") or exact ("8.4.3"): "mysql8.4"; an error for a
// version out of standard support or of another shape.
func EngineFamily(version string) (string, error) {
	m := reEngineVersion.FindStringSubmatch(version)
	if m == nil {
		return "", fmt.Errorf("got %q, want a MySQL version in standard support: 8.4 or 8.0, optionally with a minor version such as 8.4.3", version)
	}
	return "mysql" + m[1], nil
}

// CheckInstanceClass reports a string that is not an RDS instance class.
func CheckInstanceClass(class string) error {
	if !reInstanceClass.MatchString(class) {
		return fmt.Errorf("got %q, want an RDS instance class such as %s", class, DefaultInstanceClass)
	}
	return nil
}

// CheckStorage reports an initial storage or a storage autoscaling cap
// that RDS would refuse, or a cap that leaves storage no room to grow.
// It returns the problem of each value, nil where there is none.
func CheckStorage(allocated, max int) (allocatedErr, maxErr error) {
	if allocated < MinAllocatedStorage || allocated > MaxStorage {
		allocatedErr = fmt.Errorf("got %d GiB, want %d to %d GiB (gp3)", allocated, MinAllocatedStorage, MaxStorage)
	}
	if max <= allocated || max > MaxStorage {
		maxErr = fmt.Errorf("got %d GiB, want more than the allocated storage (%d GiB) and at most %d GiB, so storage can grow", max, allocated, MaxStorage)
	}
	return allocatedErr, maxErr
}

// CheckBackupRetention reports a retention RDS would refuse.
func CheckBackupRetention(days int) error {
	if days < MinBackupRetentionDays || days > MaxBackupRetentionDays {
		return fmt.Errorf("got %d days, want %d to %d days (0 would turn automated backups off)", days, MinBackupRetentionDays, MaxBackupRetentionDays)
	}
	return nil
}

// parameterGroupName carries the family because a group cannot change
// family: a version upgrade replaces the group, and create_before_destroy
// needs the new one to have a name the old one does not hold.
func parameterGroupName(name, family string) string {
	return name + "-" + strings.ReplaceAll(family, ".", "-")
}

type parameter struct{ Name, Value string }

// parameters are the server settings of every database this package
// builds, in the order they are synthesized. All three are dynamic: they
// apply without a reboot.
func parameters() []parameter {
	return []parameter{
		// RDS MySQL instances take 0 or 1 here; ON is the Aurora spelling.
		{"require_secure_transport", "1"},
		{"character_set_server", "utf8mb4"},
		// WordPress creates its tables in utf8mb4_unicode_520_ci on any
		// MySQL from 5.6 (wpdb::determine_charset), not in the 8.x default
		// utf8mb4_0900_ai_ci. The server default is what the database and
		// plugin tables created without an explicit collation get; matching
		// WordPress avoids "Illegal mix of collations" errors on joins.
		{"collation_server", "utf8mb4_unicode_520_ci"},
	}
}

// protection is everything DatabaseConfig.AllowDestroy switches off.
type protection struct {
	DeletionProtection bool
	SkipFinalSnapshot  bool
	// FinalSnapshotIdentifier is empty when the final snapshot is skipped.
	FinalSnapshotIdentifier string
	// DeleteAutomatedBackups drops the automated backups with the
	// instance; kept, they remain restorable until their retention ends.
	DeleteAutomatedBackups bool
	// PreventDestroy makes Terraform refuse any plan that destroys the
	// resource, replacements included.
	PreventDestroy bool
}

func protectionFor(name string, on bool) protection {
	if !on {
		return protection{SkipFinalSnapshot: true, DeleteAutomatedBackups: true}
	}
	return protection{
		DeletionProtection: true,
		// Deterministic, so the reviewed plan names the snapshot. A second
		// destroy of an environment of the same name fails until the old
		// snapshot is deleted or renamed, which is the safe way to fail.
		FinalSnapshotIdentifier: name + "-final",
		PreventDestroy:          true,
	}
}

// policyDocument is an IAM policy; the field order is the JSON order.
type policyDocument struct {
	Version   string
	Statement []policyStatement
}

type policyStatement struct {
	Sid       string
	Effect    string
	Principal map[string]string
	Action    any // a string or a list of strings
	Resource  string
	Condition map[string]map[string]string
}

// fileSystemPolicy is the resource policy of the web root file system.
// fsARN may be a cdktf token: it survives embedding in the JSON string.
//
// Clients are allowed by the network, not by identity: only the
// InternalEFS security group reaches the mount targets. Granting only the
// web servers' role would need the "iam" mount option on every server and
// a dependency of this tier on the web tier.
func fileSystemPolicy(fsARN string) (string, error) {
	anyone := map[string]string{"AWS": "*"}
	doc := policyDocument{
		Version: "2012-10-17",
		Statement: []policyStatement{
			{
				Sid:       "DenyUnencryptedTransport",
				Effect:    "Deny",
				Principal: anyone,
				Action:    "*",
				Resource:  fsARN,
				Condition: map[string]map[string]string{"Bool": {"aws:SecureTransport": "false"}},
			},
			{
				// Without ClientRootAccess, root on a client is squashed;
				// the web servers write as the access point's POSIX user.
				Sid:       "AllowMountThroughMountTargets",
				Effect:    "Allow",
				Principal: anyone,
				Action:    []string{"elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"},
				Resource:  fsARN,
				Condition: map[string]map[string]string{"Bool": {"elasticfilesystem:AccessedViaMountTarget": "true"}},
			},
		},
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return "", fmt.Errorf("file system policy: %w", err)
	}
	return string(b), nil
}

func (cfg DatabaseConfig) withDefaults() DatabaseConfig {
	if cfg.EngineVersion == "" {
		cfg.EngineVersion = DefaultEngineVersion
	}
	if cfg.InstanceClass == "" {
		cfg.InstanceClass = DefaultInstanceClass
	}
	if cfg.AllocatedStorage == 0 {
		cfg.AllocatedStorage = DefaultAllocatedStorage
	}
	if cfg.MaxAllocatedStorage == 0 {
		cfg.MaxAllocatedStorage = DefaultMaxAllocatedStorage
	}
	if cfg.BackupRetentionDays == 0 {
		cfg.BackupRetentionDays = DefaultBackupRetentionDays
	}
	if cfg.DatabaseName == "" {
		cfg.DatabaseName = DefaultDatabaseName
	}
	return cfg
}

var (
	reSnapshotName = regexp.MustCompile(`^((rds|awsbackup):)?[A-Za-z][A-Za-z0-9-]{0,254}$`)
	reSnapshotARN  = regexp.MustCompile(`^arn:aws[a-z-]*:rds:[a-z0-9-]+:[0-9]{12}:snapshot:(((rds|awsbackup):)?[A-Za-z][A-Za-z0-9-]*)$`)
)

// CheckSnapshotIdentifier reports a string that names no DB snapshot: a
// snapshot identifier (automated ones start with "rds:", AWS Backup's
// recovery points with "awsbackup:") or a snapshot ARN.
func CheckSnapshotIdentifier(id string) error {
	name := id
	if m := reSnapshotARN.FindStringSubmatch(id); m != nil {
		name = m[1]
	} else if !reSnapshotName.MatchString(id) {
		name = ""
	}
	if name == "" || strings.Contains(name, "--") || strings.HasSuffix(name, "-") {
		return fmt.Errorf("got %q, want a DB snapshot identifier (my-snapshot, rds:my-db-2026-01-31-03-10) an AWS Backup recovery point (awsbackup:job-…) or a DB snapshot ARN (arn:aws:rds:<region>:123456789012:snapshot:my-snapshot)", id)
	}
	return nil
}

// validate checks a configuration after withDefaults and returns every
// problem at once.
func (cfg DatabaseConfig) validate() error {
	errs := required(cfg.Name, cfg.Network, cfg.Security)
	add := func(field string, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", field, err))
		}
	}
	_, err := EngineFamily(cfg.EngineVersion)
	add("engine version", err)
	add("instance class", CheckInstanceClass(cfg.InstanceClass))
	allocatedErr, maxErr := CheckStorage(cfg.AllocatedStorage, cfg.MaxAllocatedStorage)
	add("allocated storage", allocatedErr)
	add("max allocated storage", maxErr)
	add("backup retention", CheckBackupRetention(cfg.BackupRetentionDays))
	if cfg.SnapshotIdentifier != "" {
		add("snapshot identifier", CheckSnapshotIdentifier(cfg.SnapshotIdentifier))
	}
	return errors.Join(errs...)
}

// required reports the fields every construct of this package needs.
func required(name string, n *network.Network, sec *security.Security) []error {
	var errs []error
	if name == "" {
		errs = append(errs, errors.New("name: required"))
	}
	if n == nil {
		errs = append(errs, errors.New("network: required"))
	}
	if sec == nil {
		errs = append(errs, errors.New("security: required"))
	}
	return errs
}

// Apache on Amazon Linux 2023 runs as apache:apache, 48:48.
const apacheID = 48

func (cfg FileSystemConfig) withDefaults() FileSystemConfig {
	if cfg.OwnerUID == 0 {
		cfg.OwnerUID = apacheID
	}
	if cfg.OwnerGID == 0 {
		cfg.OwnerGID = apacheID
	}
	return cfg
}

func (cfg FileSystemConfig) validate() error {
	errs := required(cfg.Name, cfg.Network, cfg.Security)
	if cfg.OwnerUID < 0 || cfg.OwnerGID < 0 {
		errs = append(errs, fmt.Errorf("owner: got %d:%d, want non-negative POSIX IDs", cfg.OwnerUID, cfg.OwnerGID))
	}
	return errors.Join(errs...)
}
