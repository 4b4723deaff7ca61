package data

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/elasticachereplicationgroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/elasticachesubnetgroup"

	"github.com/wordpress-cdktf/resilient-wordpress/constructs/network"
	"github.com/wordpress-cdktf/resilient-wordpress/constructs/security"
)

// Defaults of CacheConfig, also the defaults of the stack configuration.
const (
	DefaultCacheNodeType      = "cache.t4g.micro"
	DefaultCacheEngineVersion = "8.0"
)

// CacheConfig describes WordPress's persistent object cache.
type CacheConfig struct {
	// Name is "<project>-<environment>", the prefix of every identifier. Required.
	Name string
	// Network's data subnets hold the cache's subnet group, one node per zone. Required.
	Network *network.Network
	// Security provides the cache's only group, InternalCache: it must
	// have been built with ObjectCache. Required.
	Security *security.Security
	// NodeType sizes each node.
	// Default: DefaultCacheNodeType ("cache.t4g.micro")
	NodeType string
	// EngineVersion is the Valkey version.
	// Default: DefaultCacheEngineVersion ("8.0")
	EngineVersion string
}

// Cache is the built replication group, seen by its clients.
type Cache struct {
	constructs.Construct
	group elasticachereplicationgroup.ElasticacheReplicationGroup
}

// Host is the primary endpoint's DNS name; it follows a failover.
func (c *Cache) Host() *string { return c.group.PrimaryEndpointAddress() }

// Port is where the cache listens, over TLS only.
func (c *Cache) Port() int { return security.Valkey }

// The cache's maintenance window follows the database's
// (maintenanceWindow, sun 04:30-05:30 UTC) so the two never fail over at once.
const cacheMaintenanceWindow = "sun:06:00-sun:07:00"

var reCacheNodeType = regexp.MustCompile(`^cache\.[a-z][a-z0-9-]*\.[a-z0-9]+$`)

// CheckCacheNodeType reports a string that is not an ElastiCache node type.
func CheckCacheNodeType(t string) error {
	if !reCacheNodeType.MatchString(t) {
		return fmt.Errorf("got %q, want an ElastiCache node type such as %s", t, DefaultCacheNodeType)
	}
	return nil
}

func (cfg CacheConfig) withDefaults() CacheConfig {
	if cfg.NodeType == "" {
		cfg.NodeType = DefaultCacheNodeType
	}
	if cfg.EngineVersion == "" {
		cfg.EngineVersion = DefaultCacheEngineVersion
	}
	return cfg
}

// validate checks a configuration after withDefaults and returns every
// problem at once.
func (cfg CacheConfig) validate() error {
	errs := required(cfg.Name, cfg.Network, cfg.Security)
	if cfg.Security != nil && cfg.Security.CacheGroupIDs() == nil {
		errs = append(errs, errors.New("security: no InternalCache group (build the security tier with ObjectCache)"))
	}
	if cfg.Network != nil && len(cfg.Network.Zones()) < 2 {
		errs = append(errs, fmt.Errorf("network: got %d zones, want at least 2 for Multi-AZ with automatic failover", len(cfg.Network.Zones())))
	}
	if err := CheckCacheNodeType(cfg.NodeType); err != nil {
		errs = append(errs, fmt.Errorf("node type: %w", err))
	}
	return errors.Join(errs...)
}

// NewCache builds a Valkey replication group with one node per zone of the
// network (a primary and a replica in each further zone) in the data
// subnets: Multi-AZ, automatic failover to a replica in another zone,
// encrypted at rest and in transit (TLS required). It keeps no snapshots:
// everything in an object cache can be rebuilt from the database. It panics
// on an invalid configuration.
func NewCache(scope constructs.Construct, id string, cfg CacheConfig) *Cache {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		panic(fmt.Errorf("data: cache %q: invalid configuration: %w", id, err))
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	name := cfg.Name + "-cache"
	var zones []string
	for _, z := range cfg.Network.Zones() {
		zones = append(zones, z.Name)
	}
	subnets := elasticachesubnetgroup.NewElasticacheSubnetGroup(c, jsii.String("cache.subnet-group"), &elasticachesubnetgroup.ElasticacheSubnetGroupConfig{
		Name:        jsii.String(name),
		Description: jsii.String("Data subnets of " + cfg.Name + " for the object cache"),
		SubnetIds:   cfg.Network.SubnetIDs(network.Data),
		Tags:        nameTag(name),
	})
	group := elasticachereplicationgroup.NewElasticacheReplicationGroup(c, jsii.String("cache"), &elasticachereplicationgroup.ElasticacheReplicationGroupConfig{
		ReplicationGroupId:       jsii.String(name),
		Description:              jsii.String("WordPress object cache of " + cfg.Name),
		Engine:                   jsii.String("valkey"),
		EngineVersion:            jsii.String(cfg.EngineVersion),
		NodeType:                 jsii.String(cfg.NodeType),
		Port:                     jsii.Number(security.Valkey),
		NumCacheClusters:         jsii.Number(len(zones)),
		PreferredCacheClusterAzs: jsii.Strings(zones...),
		AutomaticFailoverEnabled: jsii.Bool(true),
		MultiAzEnabled:           jsii.Bool(true),
		SubnetGroupName:          subnets.Name(),
		SecurityGroupIds:         cfg.Security.CacheGroupIDs(),
		AtRestEncryptionEnabled:  jsii.String("true"),
		TransitEncryptionEnabled: jsii.Bool(true),
		TransitEncryptionMode:    jsii.String("required"),
		AutoMinorVersionUpgrade:  jsii.String("true"),
		MaintenanceWindow:        jsii.String(cacheMaintenanceWindow),
		SnapshotRetentionLimit:   jsii.Number(0),
		ApplyImmediately:         jsii.Bool(false),
		Tags:                     nameTag(name),
	})
	return &Cache{Construct: c, group: group}
}
