// Package data builds the data tier of the architecture: a Multi-AZ RDS for
// MySQL database (NewDatabase), the EFS file system that holds the
// WordPress web root, shared by every web server (NewFileSystem), and
// optionally an ElastiCache Valkey object cache (NewCache, with the
// InternalCache group).
//
// It needs the network tier, whose data subnets hold the database and the
// EFS mount targets, and two security groups of the security tier:
// InternalData for the database and InternalEFS for the mount targets. It
// needs nothing from the web tier; the web tier needs from it the
// database's endpoint and master secret, the file system and its access
// point.
//
// Both stores hold the site's only copy of its content. Unless AllowDestroy
// is set they refuse deletion at every level (AWS deletion protection, a final
// snapshot, Terraform's prevent_destroy), and the database's password never
// leaves AWS: RDS generates it and keeps it in Secrets Manager.
package data

import (
	"fmt"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dbinstance"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dbparametergroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dbsubnetgroup"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/wordpress-cdktf/resilient-wordpress/constructs/network"
	"github.com/wordpress-cdktf/resilient-wordpress/constructs/security"
)

// Defaults of DatabaseConfig, also the defaults of the stack configuration.
const (
	DefaultEngineVersion       = "8.4"
	DefaultInstanceClass       = "db.t4g.medium"
	DefaultAllocatedStorage    = 20
	DefaultMaxAllocatedStorage = 100
	DefaultBackupRetentionDays = 7
	DefaultDatabaseName        = "wordpress"
)

// DatabaseConfig describes the WordPress database.
type DatabaseConfig struct {
	// Name is "<project>-<environment>", the prefix of every identifier. Required.
	Name string
	// Network's data subnets hold the database's subnet group. Required.
	Network *network.Network
	// Security provides the database's only security group (InternalData). Required.
	Security *security.Security
	// EngineVersion is the MySQL version, major ("8.4") or exact
	// ("8.4.3"); the parameter group family follows it. Minor versions
	// upgrade automatically in the maintenance window, so an exact version
	// must be raised in the configuration once RDS has moved past it.
	// Default: DefaultEngineVersion ("8.4")
	EngineVersion string
	// InstanceClass sizes the database.
	// Default: DefaultInstanceClass ("db.t4g.medium")
	InstanceClass string
	// AllocatedStorage is the initial gp3 storage in GiB.
	// Default: DefaultAllocatedStorage (20)
	AllocatedStorage int
	// MaxAllocatedStorage caps storage autoscaling in GiB.
	// Default: DefaultMaxAllocatedStorage (100)
	MaxAllocatedStorage int
	// BackupRetentionDays keeps automated backups this long, 1 to 35.
	// Default: DefaultBackupRetentionDays (7)
	BackupRetentionDays int
	// AllowDestroy lifts the guards against deletion: deletion protection,
	// the final snapshot, automated backups kept after deletion and
	// Terraform's prevent_destroy. Only for throw-away environments; the
	// zero value is the safe one.
	// Default: false
	AllowDestroy bool
	// DatabaseName is the schema created for WordPress.
	// Default: DefaultDatabaseName ("wordpress")
	DatabaseName string
	// SnapshotIdentifier, when set, creates the instance from this DB
	// snapshot (its identifier, or its ARN when shared from another account);
	// the schema and the master user are then the snapshot's. Changing it
	// replaces the instance, which AllowDestroy's guards refuse.
	// Default: "" (an empty database)
	SnapshotIdentifier string
}

// Database is the built RDS instance, seen by its clients.
type Database struct {
	constructs.Construct
	instance  dbinstance.DbInstance
	name      string
	secretARN *string
	sizing    Sizing
}

// Sizing is what the database was built with, for thresholds that follow it.
type Sizing struct {
	InstanceClass          string
	MaxAllocatedStorageGiB int
}

// Address is the database's host name, without port.
func (d *Database) Address() *string { return d.instance.Address() }

// Endpoint is "host:port".
func (d *Database) Endpoint() *string { return d.instance.Endpoint() }

// Port is the port MySQL listens on.
func (d *Database) Port() int { return security.MySQL }

// Name is the schema WordPress uses.
func (d *Database) Name() string { return d.name }

// SecretARN is the ARN of the RDS-managed Secrets Manager secret that holds
// the master user's name and password, for the web servers to read.
func (d *Database) SecretARN() *string { return d.secretARN }

// Identifier is the instance's identifier, which CloudWatch metrics and RDS
// events name it by.
func (d *Database) Identifier() *string { return d.instance.Identifier() }

// ARN is the instance's ARN, for backup selections.
func (d *Database) ARN() *string { return d.instance.Arn() }

// Sizing is the instance class and storage cap, for alarm thresholds.
func (d *Database) Sizing() Sizing { return d.sizing }

// NewDatabase builds a Multi-AZ MySQL instance in the data subnets,
// reachable only through cfg.SecurityGroup and only over TLS. It panics on
// an invalid configuration.
func NewDatabase(scope constructs.Construct, id string, cfg DatabaseConfig) *Database {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		panic(fmt.Errorf("data: database %q: invalid configuration: %w", id, err))
	}
	family, _ := EngineFamily(cfg.EngineVersion) // validated above
	prot := protectionFor(cfg.Name, !cfg.AllowDestroy)

	c := constructs.NewConstruct(scope, jsii.String(id))
	d := &Database{Construct: c, name: cfg.DatabaseName, sizing: Sizing{InstanceClass: cfg.InstanceClass, MaxAllocatedStorageGiB: cfg.MaxAllocatedStorage}}

	subnets := dbsubnetgroup.NewDbSubnetGroup(c, jsii.String("database.subnet-group"), &dbsubnetgroup.DbSubnetGroupConfig{
		Name:        jsii.String(cfg.Name + "-data"),
		Description: jsii.String("Data subnets of " + cfg.Name + ": no route off the VPC"),
		SubnetIds:   cfg.Network.SubnetIDs(network.Data),
		Tags:        nameTag(cfg.Name + "-data"),
	})

	params := make([]*dbparametergroup.DbParameterGroupParameter, 0, len(parameters()))
	for _, p := range parameters() {
		params = append(params, &dbparametergroup.DbParameterGroupParameter{
			Name:  jsii.String(p.Name),
			Value: jsii.String(p.Value),
		})
	}
	pgName := parameterGroupName(cfg.Name, family)
	pg := dbparametergroup.NewDbParameterGroup(c, jsii.String("database.parameters"), &dbparametergroup.DbParameterGroupConfig{
		Name:        jsii.String(pgName),
		Family:      jsii.String(family),
		Description: jsii.String("MySQL settings of " + cfg.Name + ": TLS only, utf8mb4"),
		Parameter:   &params,
		Tags:        nameTag(pgName),
		// A new family means a new group; the instance must move to it
		// before the old one, still attached, can be deleted.
		Lifecycle: &cdktf.TerraformResourceLifecycle{CreateBeforeDestroy: jsii.Bool(true)},
	})

	instanceConfig := &dbinstance.DbInstanceConfig{
		Identifier:          jsii.String(cfg.Name + "-mysql"),
		Engine:              jsii.String("mysql"),
		EngineVersion:       jsii.String(cfg.EngineVersion),
		InstanceClass:       jsii.String(cfg.InstanceClass),
		StorageType:         jsii.String(storageType),
		AllocatedStorage:    jsii.Number(cfg.AllocatedStorage),
		MaxAllocatedStorage: jsii.Number(cfg.MaxAllocatedStorage),
		StorageEncrypted:    jsii.Bool(true),

		// RDS generates the password and keeps it in Secrets Manager: it
		// never appears in this configuration, in Terraform state or in
		// user data.
		ManageMasterUserPassword: jsii.Bool(true),

		Port:                jsii.Number(d.Port()),
		DbSubnetGroupName:   subnets.Name(),
		VpcSecurityGroupIds: cfg.Security.DatabaseGroupIDs(),
		PubliclyAccessible:  jsii.Bool(false),
		// A standby in another zone takes over within minutes when the
		// primary's zone fails; a single-AZ instance would make the
		// database the one zone-bound part of the architecture.
		MultiAz:            jsii.Bool(true),
		ParameterGroupName: pg.Name(),
		CaCertIdentifier:   jsii.String(caCertificate),

		BackupRetentionPeriod:        jsii.Number(cfg.BackupRetentionDays),
		BackupWindow:                 jsii.String(backupWindow),
		MaintenanceWindow:            jsii.String(maintenanceWindow),
		CopyTagsToSnapshot:           jsii.Bool(true),
		EnabledCloudwatchLogsExports: jsii.Strings(cloudwatchLogs...),
		AutoMinorVersionUpgrade:      jsii.Bool(true),
		// A major upgrade changes the parameter group family and needs
		// testing; it must be a deliberate change, not a side effect.
		AllowMajorVersionUpgrade: jsii.Bool(false),
		// Changes wait for the maintenance window rather than restarting
		// the database in the middle of the day.
		ApplyImmediately: jsii.Bool(false),
		// Left off: Performance Insights (db.t4g.micro and .small lack it,
		// and the scanners want a customer managed key for its data) and
		// IAM authentication (WordPress connects with the password; PHP's
		// mysqli cannot renew 15-minute IAM tokens).

		DeletionProtection:     jsii.Bool(prot.DeletionProtection),
		SkipFinalSnapshot:      jsii.Bool(prot.SkipFinalSnapshot),
		DeleteAutomatedBackups: jsii.Bool(prot.DeleteAutomatedBackups),
		Tags:                   nameTag(cfg.Name + "-mysql"),
	}
	if cfg.SnapshotIdentifier == "" {
		instanceConfig.DbName = jsii.String(cfg.DatabaseName)
		instanceConfig.Username = jsii.String(masterUsername)
	} else {
		// RDS for MySQL refuses a database name on a restore: the schema
		// and the master user are the snapshot's.
		instanceConfig.SnapshotIdentifier = jsii.String(cfg.SnapshotIdentifier)
	}
	if prot.FinalSnapshotIdentifier != "" {
		instanceConfig.FinalSnapshotIdentifier = jsii.String(prot.FinalSnapshotIdentifier)
	}
	if prot.PreventDestroy {
		instanceConfig.Lifecycle = &cdktf.TerraformResourceLifecycle{PreventDestroy: jsii.Bool(true)}
	}
	d.instance = dbinstance.NewDbInstance(c, jsii.String("database"), instanceConfig)
	d.secretARN = d.instance.MasterUserSecret().Get(jsii.Number(0)).SecretArn()
	return d
}

func nameTag(name string) *map[string]*string {
	return &map[string]*string{"Name": jsii.String(name)}
}
