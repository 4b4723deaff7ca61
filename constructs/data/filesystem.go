package data

import (
	"fmt"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/efsaccesspoint"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/efsbackuppolicy"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/efsfilesystem"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/efsfilesystempolicy"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/efsmounttarget"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/wordpress-cdktf/resilient-wordpress/constructs/network"
	"github.com/wordpress-cdktf/resilient-wordpress/constructs/security"
)

// FileSystemConfig describes the file system of the WordPress web root.
type FileSystemConfig struct {
	// Name is "<project>-<environment>", the prefix of every name. Required.
	Name string
	// Network's data subnets each get a mount target. Required.
	Network *network.Network
	// Security provides the mount targets' only security group (InternalEFS). Required.
	Security *security.Security
	// AllowDestroy lets Terraform destroy the file system (no
	// prevent_destroy). Only for throw-away environments; the zero value is
	// the safe one.
	// Default: false
	AllowDestroy bool
	// OwnerUID and OwnerGID own the web root and are the identity of every
	// client operation through the access point; 0 means the default, so
	// root can never own the web root.
	// Default: 48 and 48 (apache on Amazon Linux 2023)
	OwnerUID, OwnerGID int
}

// FileSystem is the built EFS file system, seen by its clients.
type FileSystem struct {
	constructs.Construct
	fileSystem   efsfilesystem.EfsFileSystem
	accessPoint  efsaccesspoint.EfsAccessPoint
	mountTargets []efsmounttarget.EfsMountTarget
}

// ID is the file system's ID, fs-….
func (f *FileSystem) ID() *string { return f.fileSystem.Id() }

// ARN is the file system's ARN, for backup selections.
func (f *FileSystem) ARN() *string { return f.fileSystem.Arn() }

// AccessPointID is the web root's access point, fsap-…: /wordpress, owned
// by OwnerUID:OwnerGID. Clients mount it with TLS, as the policy demands:
// mount -t efs -o tls,accesspoint=<id> <file system id>:/ <dir>
func (f *FileSystem) AccessPointID() *string { return f.accessPoint.Id() }

// MountTargetsReady is what a client must depend on when it mounts the file
// system as soon as it exists: the mount target of every zone. Terraform
// cannot see that need through references, because a client names only the
// file system.
func (f *FileSystem) MountTargetsReady() []cdktf.ITerraformDependable {
	out := make([]cdktf.ITerraformDependable, 0, len(f.mountTargets))
	for _, mt := range f.mountTargets {
		out = append(out, mt)
	}
	return out
}

// NewFileSystem builds an encrypted, backed-up EFS file system with a
// mount target in each data subnet and an access point for the web root.
// It panics on an invalid configuration.
func NewFileSystem(scope constructs.Construct, id string, cfg FileSystemConfig) *FileSystem {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		panic(fmt.Errorf("data: file system %q: invalid configuration: %w", id, err))
	}

	c := constructs.NewConstruct(scope, jsii.String(id))
	f := &FileSystem{Construct: c}

	fsConfig := &efsfilesystem.EfsFileSystemConfig{
		// The token makes creation idempotent: a retried create returns
		// the same file system instead of a second one.
		CreationToken:   jsii.String(cfg.Name + "-web-root"),
		Encrypted:       jsii.Bool(true),
		PerformanceMode: jsii.String("generalPurpose"),
		// Elastic throughput follows the load; bursting would tie it to
		// the stored size, which is small for a web root.
		ThroughputMode: jsii.String("elastic"),
		// The provider takes one transition per block.
		LifecyclePolicy: &[]*efsfilesystem.EfsFileSystemLifecyclePolicy{
			{TransitionToIa: jsii.String("AFTER_30_DAYS")},
			{TransitionToPrimaryStorageClass: jsii.String("AFTER_1_ACCESS")},
		},
		Tags: nameTag(cfg.Name + "-web-root"),
	}
	if !cfg.AllowDestroy {
		fsConfig.Lifecycle = &cdktf.TerraformResourceLifecycle{PreventDestroy: jsii.Bool(true)}
	}
	f.fileSystem = efsfilesystem.NewEfsFileSystem(c, jsii.String("web-root"), fsConfig)

	efsbackuppolicy.NewEfsBackupPolicy(c, jsii.String("web-root.backup-policy"), &efsbackuppolicy.EfsBackupPolicyConfig{
		FileSystemId: f.fileSystem.Id(),
		BackupPolicy: &efsbackuppolicy.EfsBackupPolicyBackupPolicy{Status: jsii.String("ENABLED")},
	})

	policy, err := fileSystemPolicy(*f.fileSystem.Arn())
	if err != nil {
		panic(fmt.Errorf("data: file system %q: %w", id, err))
	}
	efsfilesystempolicy.NewEfsFileSystemPolicy(c, jsii.String("web-root.policy"), &efsfilesystempolicy.EfsFileSystemPolicyConfig{
		FileSystemId: f.fileSystem.Id(),
		Policy:       jsii.String(policy),
	})

	for _, z := range cfg.Network.Zones() {
		f.mountTargets = append(f.mountTargets, efsmounttarget.NewEfsMountTarget(c, jsii.String("web-root-"+z.Letter), &efsmounttarget.EfsMountTargetConfig{
			FileSystemId:   f.fileSystem.Id(),
			SubnetId:       cfg.Network.SubnetID(network.Data, z.Letter),
			SecurityGroups: cfg.Security.FileSystemGroupIDs(),
		}))
	}

	f.accessPoint = efsaccesspoint.NewEfsAccessPoint(c, jsii.String("web-root.access-point"), &efsaccesspoint.EfsAccessPointConfig{
		FileSystemId: f.fileSystem.Id(),
		RootDirectory: &efsaccesspoint.EfsAccessPointRootDirectory{
			Path: jsii.String("/wordpress"),
			// EFS creates the directory on first mount, owned by the web
			// server user, so no server needs root on the file system.
			CreationInfo: &efsaccesspoint.EfsAccessPointRootDirectoryCreationInfo{
				OwnerUid:    jsii.Number(cfg.OwnerUID),
				OwnerGid:    jsii.Number(cfg.OwnerGID),
				Permissions: jsii.String("0755"),
			},
		},
		// Every operation through the access point runs as this user,
		// whatever the client's user: root on a web server writes files
		// apache can still read and change.
		PosixUser: &efsaccesspoint.EfsAccessPointPosixUser{
			Uid: jsii.Number(cfg.OwnerUID),
			Gid: jsii.Number(cfg.OwnerGID),
		},
		Tags: nameTag(cfg.Name + "-web-root"),
	})
	return f
}
