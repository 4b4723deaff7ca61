package data_test

// These tests synthesize the network, security and data tiers, in both
// protection modes. The plain decisions behind them (names, parameters,
// protection, the file-system policy) are tested in plan_test.go.

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/wordpress-cdktf/resilient-wordpress/constructs/data"
	"github.com/wordpress-cdktf/resilient-wordpress/constructs/network"
	"github.com/wordpress-cdktf/resilient-wordpress/constructs/security"
	"github.com/wordpress-cdktf/resilient-wordpress/internal/jsiiboot"
	"github.com/wordpress-cdktf/resilient-wordpress/internal/stacktest"
)

// dataCase is one data tier under test: its configuration, and that
// configuration with defaults applied, which the tests expect to find.
type dataCase struct {
	name  string
	zones []string
	db    data.DatabaseConfig // Network and Security are filled in
	// want is db as the database must come out.
	want         data.DatabaseConfig
	allowDestroy bool
	// cache adds the object cache, with every default.
	cache bool
}

var cases = []dataCase{
	{
		// Every optional field left out: protected, the defaults.
		name:  "protected",
		zones: []string{"us-east-1a", "us-east-1b"},
		db:    data.DatabaseConfig{Name: "wordpress-prot"},
		want: data.DatabaseConfig{
			Name: "wordpress-prot", EngineVersion: data.DefaultEngineVersion, InstanceClass: data.DefaultInstanceClass,
			AllocatedStorage: data.DefaultAllocatedStorage, MaxAllocatedStorage: data.DefaultMaxAllocatedStorage,
			BackupRetentionDays: data.DefaultBackupRetentionDays, DatabaseName: data.DefaultDatabaseName,
		},
	},
	{
		// A throw-away environment: nothing guards against deletion.
		name:  "throwaway",
		zones: []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"},
		db: data.DatabaseConfig{
			Name: "wordpress-temp", EngineVersion: "8.0.40", InstanceClass: "db.t4g.micro",
			AllocatedStorage: 50, MaxAllocatedStorage: 200, BackupRetentionDays: 14, AllowDestroy: true,
			SnapshotIdentifier: "rds:wordpress-prod-mysql-2026-11-26-03-10",
		},
		want: data.DatabaseConfig{
			Name: "wordpress-temp", EngineVersion: "8.0.40", InstanceClass: "db.t4g.micro",
			AllocatedStorage: 50, MaxAllocatedStorage: 200, BackupRetentionDays: 14, DatabaseName: data.DefaultDatabaseName,
			SnapshotIdentifier: "rds:wordpress-prod-mysql-2026-11-26-03-10",
		},
		allowDestroy: true,
		cache:        true,
	},
}

var stacks *stacktest.Table[dataCase]

func TestMain(m *testing.M) {
	stacks = stacktest.StartTable(cases, func(c dataCase) stacktest.Case {
		return stacktest.Case{Name: c.name, Build: func(s cdktf.TerraformStack) {
			n := network.NewNetwork(s, "network", network.NetworkConfig{Name: c.db.Name, AvailabilityZones: c.zones})
			sec := security.NewSecurity(s, "security", security.SecurityConfig{Network: n, ObjectCache: c.cache})
			if c.cache {
				data.NewCache(s, "cache", data.CacheConfig{Name: c.db.Name, Network: n, Security: sec})
			}
			db := c.db
			db.Network, db.Security = n, sec
			data.NewDatabase(s, "database", db)
			data.NewFileSystem(s, "file-system", data.FileSystemConfig{
				Name: c.db.Name, Network: n, Security: sec, AllowDestroy: c.allowDestroy,
			})
		}}
	})
	jsiiboot.Exit(m.Run())
}

// attrRule is one attribute a resource must have, and why.
type attrRule struct {
	rule, attr string
	want       any
}

func checkAttrs(t *testing.T, typ string, r map[string]any, rules []attrRule) {
	t.Helper()
	for _, ru := range rules {
		t.Run(ru.rule, func(t *testing.T) {
			if diff := cmp.Diff(ru.want, r[ru.attr]); diff != "" {
				t.Errorf("%s.%s (-want +got):\n%s", typ, ru.attr, diff)
			}
		})
	}
}

func TestDatabaseSettings(t *testing.T) {
	stacks.Run(t, func(t *testing.T, c dataCase, s *stacktest.Stack) {
		_, db := s.Only(t, "aws_db_instance")
		checkAttrs(t, "aws_db_instance", db, []attrRule{
			{"engine is MySQL", "engine", "mysql"},
			{"engine version from config", "engine_version", c.want.EngineVersion},
			{"instance class from config", "instance_class", c.want.InstanceClass},
			{"gp3 storage", "storage_type", "gp3"},
			{"allocated storage from config", "allocated_storage", float64(c.want.AllocatedStorage)},
			{"storage autoscaling", "max_allocated_storage", float64(c.want.MaxAllocatedStorage)},
			{"deterministic identifier", "identifier", c.want.Name + "-mysql"},
			{"not publicly accessible", "publicly_accessible", false},
			{"multi-AZ", "multi_az", true},
			{"encrypted at rest", "storage_encrypted", true},
			{"RDS manages the master password", "manage_master_user_password", true},
			{"no password attribute", "password", nil},
			{"backup retention from config", "backup_retention_period", float64(c.want.BackupRetentionDays)},
			{"tags copied to snapshots", "copy_tags_to_snapshot", true},
			{"logs exported", "enabled_cloudwatch_logs_exports", []any{"error", "slowquery"}},
			{"minor versions upgrade", "auto_minor_version_upgrade", true},
			{"no implicit major upgrade", "allow_major_version_upgrade", false},
			{"changes wait for the maintenance window", "apply_immediately", false},
			{"current CA", "ca_cert_identifier", "rds-ca-rsa2048-g1"},
		})
		// Restored from a snapshot, the schema and the master user are the snapshot's.
		restore := []attrRule{
			{"database name", "db_name", c.want.DatabaseName},
			{"master user", "username", "wpadmin"},
			{"empty database", "snapshot_identifier", nil},
		}
		if c.want.SnapshotIdentifier != "" {
			restore = []attrRule{
				{"database name from the snapshot", "db_name", nil},
				{"master user from the snapshot", "username", nil},
				{"restored from the snapshot", "snapshot_identifier", c.want.SnapshotIdentifier},
			}
		}
		checkAttrs(t, "aws_db_instance", db, restore)
	})
}

func TestDatabaseProtection(t *testing.T) {
	stacks.Run(t, func(t *testing.T, c dataCase, s *stacktest.Stack) {
		_, db := s.Only(t, "aws_db_instance")
		rules := []attrRule{
			{"deletion protection", "deletion_protection", true},
			{"final snapshot taken", "skip_final_snapshot", false},
			{"deterministic final snapshot", "final_snapshot_identifier", c.want.Name + "-final"},
			{"automated backups kept", "delete_automated_backups", false},
			{"prevent_destroy", "lifecycle", map[string]any{"prevent_destroy": true}},
		}
		if c.allowDestroy {
			rules = []attrRule{
				{"no deletion protection", "deletion_protection", false},
				{"final snapshot skipped", "skip_final_snapshot", true},
				{"no final snapshot identifier", "final_snapshot_identifier", nil},
				{"automated backups deleted", "delete_automated_backups", true},
				{"no prevent_destroy", "lifecycle", nil},
			}
		}
		checkAttrs(t, "aws_db_instance", db, rules)
	})
}

// TestDefaultBackupRetention holds the default to a floor, whatever it is
// set to: a week of point-in-time recovery.
func TestDefaultBackupRetention(t *testing.T) {
	_, db := stacks.Get(t, "protected").Only(t, "aws_db_instance")
	if got, _ := db["backup_retention_period"].(float64); got < 7 {
		t.Errorf("default: backup_retention_period = %v, want at least 7", db["backup_retention_period"])
	}
}

func TestMaintenanceWindows(t *testing.T) {
	stacks.Run(t, func(t *testing.T, c dataCase, s *stacktest.Stack) {
		_, db := s.Only(t, "aws_db_instance")
		backup, _ := db["backup_window"].(string)
		maintenance, _ := db["maintenance_window"].(string)
		b, err := dailyWindow(backup)
		if err != nil {
			t.Fatalf("backup_window: %v", err)
		}
		m, err := weeklyWindow(maintenance)
		if err != nil {
			t.Fatalf("maintenance_window: %v", err)
		}
		for day := 0; day < 7; day++ {
			if overlaps(span{b.from + day*dayMinutes, b.to + day*dayMinutes}, m) {
				t.Errorf("backup window %s overlaps maintenance window %s", backup, maintenance)
				break
			}
		}
	})
}

func TestSubnetGroup(t *testing.T) {
	stacks.Run(t, func(t *testing.T, c dataCase, s *stacktest.Stack) {
		name, group := s.Only(t, "aws_db_subnet_group")
		want := s.SubnetRefs(t, string(network.Data))
		if len(want) != len(c.zones) {
			t.Fatalf("got %d data subnets, want one per zone (%d)", len(want), len(c.zones))
		}
		if diff := cmp.Diff(want, stacktest.SortedStrings(group["subnet_ids"])); diff != "" {
			t.Errorf("subnet group subnet_ids, want exactly the data subnets (-want +got):\n%s", diff)
		}
		_, db := s.Only(t, "aws_db_instance")
		if diff := cmp.Diff(stacktest.Ref("aws_db_subnet_group", name, "name"), db["db_subnet_group_name"]); diff != "" {
			t.Errorf("db_subnet_group_name (-want +got):\n%s", diff)
		}
	})
}

func TestDatabaseSecurityGroup(t *testing.T) {
	stacks.Run(t, func(t *testing.T, c dataCase, s *stacktest.Stack) {
		_, db := s.Only(t, "aws_db_instance")
		want := []any{s.GroupRef(t, "InternalData")}
		if diff := cmp.Diff(want, db["vpc_security_group_ids"]); diff != "" {
			t.Errorf("vpc_security_group_ids, want only InternalData (-want +got):\n%s", diff)
		}
	})
}

func TestParameterGroup(t *testing.T) {
	stacks.Run(t, func(t *testing.T, c dataCase, s *stacktest.Stack) {
		name, pg := s.Only(t, "aws_db_parameter_group")
		_, db := s.Only(t, "aws_db_instance")
		if diff := cmp.Diff(stacktest.Ref("aws_db_parameter_group", name, "name"), db["parameter_group_name"]); diff != "" {
			t.Errorf("parameter_group_name (-want +got):\n%s", diff)
		}
		major := strings.Join(strings.SplitN(c.want.EngineVersion, ".", 3)[:2], ".")
		if diff := cmp.Diff("mysql"+major, pg["family"]); diff != "" {
			t.Errorf("family for engine %s (-want +got):\n%s", c.want.EngineVersion, diff)
		}
		got := map[string]string{}
		for _, p := range stacktest.AsSlice(pg["parameter"]) {
			k, _ := stacktest.AsMap(p)["name"].(string)
			got[k], _ = stacktest.AsMap(p)["value"].(string)
		}
		if v := strings.ToUpper(got["require_secure_transport"]); v != "1" && v != "ON" {
			t.Errorf("require_secure_transport = %q, want 1 (TLS required)", got["require_secure_transport"])
		}
		want := map[string]string{
			"character_set_server": "utf8mb4",
			// What WordPress creates its own tables in.
			"collation_server": "utf8mb4_unicode_520_ci",
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("parameter %s = %q, want %q", k, got[k], v)
			}
		}
	})
}

func TestFileSystemSettings(t *testing.T) {
	stacks.Run(t, func(t *testing.T, c dataCase, s *stacktest.Stack) {
		_, fs := s.Only(t, "aws_efs_file_system")
		var lifecycle any
		if !c.allowDestroy {
			lifecycle = map[string]any{"prevent_destroy": true}
		}
		checkAttrs(t, "aws_efs_file_system", fs, []attrRule{
			{"encrypted at rest", "encrypted", true},
			{"elastic throughput", "throughput_mode", "elastic"},
			{"general purpose", "performance_mode", "generalPurpose"},
			{"deterministic creation token", "creation_token", c.want.Name + "-web-root"},
			{"infrequent access tiering", "lifecycle_policy", []any{
				map[string]any{"transition_to_ia": "AFTER_30_DAYS"},
				map[string]any{"transition_to_primary_storage_class": "AFTER_1_ACCESS"},
			}},
			{"prevent_destroy when protected", "lifecycle", lifecycle},
		})
	})
}

func TestFileSystemBackup(t *testing.T) {
	stacks.Run(t, func(t *testing.T, c dataCase, s *stacktest.Stack) {
		fsName, _ := s.Only(t, "aws_efs_file_system")
		_, bp := s.Only(t, "aws_efs_backup_policy")
		checkAttrs(t, "aws_efs_backup_policy", bp, []attrRule{
			{"backups enabled", "backup_policy", map[string]any{"status": "ENABLED"}},
			{"of the file system", "file_system_id", stacktest.Ref("aws_efs_file_system", fsName, "id")},
		})
	})
}

func TestMountTargets(t *testing.T) {
	stacks.Run(t, func(t *testing.T, c dataCase, s *stacktest.Stack) {
		fsName, _ := s.Only(t, "aws_efs_file_system")
		efsSG := s.GroupRef(t, "InternalEFS")
		var subnets []string
		for name, mt := range s.Resources(t, "aws_efs_mount_target") {
			sub, _ := mt["subnet_id"].(string)
			subnets = append(subnets, sub)
			checkAttrs(t, "aws_efs_mount_target."+name, mt, []attrRule{
				{"only InternalEFS", "security_groups", []any{efsSG}},
				{"of the file system", "file_system_id", stacktest.Ref("aws_efs_file_system", fsName, "id")},
			})
		}
		sort.Strings(subnets)
		if diff := cmp.Diff(s.SubnetRefs(t, string(network.Data)), subnets); diff != "" {
			t.Errorf("mount target subnets, want one in each data subnet and none elsewhere (-want +got):\n%s", diff)
		}
	})
}

func TestAccessPoint(t *testing.T) {
	stacks.Run(t, func(t *testing.T, c dataCase, s *stacktest.Stack) {
		fsName, _ := s.Only(t, "aws_efs_file_system")
		_, ap := s.Only(t, "aws_efs_access_point")
		checkAttrs(t, "aws_efs_access_point", ap, []attrRule{
			{"of the file system", "file_system_id", stacktest.Ref("aws_efs_file_system", fsName, "id")},
			{"web root owned by apache", "root_directory", map[string]any{
				"path":          "/wordpress",
				"creation_info": map[string]any{"owner_uid": 48.0, "owner_gid": 48.0, "permissions": "0755"},
			}},
			{"clients act as apache", "posix_user", map[string]any{"uid": 48.0, "gid": 48.0}},
		})
	})
}

// efsPolicy is the part of an IAM policy the checks read.
type efsPolicy struct {
	Statement []struct {
		Effect    string
		Principal any
		Action    any
		Resource  string
		Condition map[string]map[string]string
	}
}

func TestFileSystemPolicy(t *testing.T) {
	anyone := map[string]any{"AWS": "*"}
	stacks.Run(t, func(t *testing.T, c dataCase, s *stacktest.Stack) {
		fsName, _ := s.Only(t, "aws_efs_file_system")
		fsARN := stacktest.Ref("aws_efs_file_system", fsName, "arn")
		_, res := s.Only(t, "aws_efs_file_system_policy")
		if diff := cmp.Diff(stacktest.Ref("aws_efs_file_system", fsName, "id"), res["file_system_id"]); diff != "" {
			t.Errorf("file_system_id (-want +got):\n%s", diff)
		}
		raw, _ := res["policy"].(string)
		var p efsPolicy
		if err := json.Unmarshal([]byte(raw), &p); err != nil {
			t.Fatalf("policy is not JSON: %v\n%s", err, raw)
		}
		deniesPlaintext := false
		for i, st := range p.Statement {
			if st.Resource != fsARN {
				t.Errorf("statement %d: Resource %q, want %q", i, st.Resource, fsARN)
			}
			switch st.Effect {
			case "Deny":
				if cmp.Equal(anyone, st.Principal) && st.Action == "*" && st.Condition["Bool"]["aws:SecureTransport"] == "false" {
					deniesPlaintext = true
				}
			case "Allow":
				want := []any{"elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"}
				if diff := cmp.Diff(want, st.Action); diff != "" {
					t.Errorf("statement %d allows (-want +got):\n%s", i, diff)
				}
				if st.Condition["Bool"]["elasticfilesystem:AccessedViaMountTarget"] != "true" {
					t.Errorf("statement %d allows without requiring access through a mount target: %v", i, st.Condition)
				}
			default:
				t.Errorf("statement %d: Effect %q", i, st.Effect)
			}
		}
		if !deniesPlaintext {
			t.Errorf("no statement denies everyone any action without TLS (aws:SecureTransport false):\n%s", raw)
		}
	})
}

// span is a time range in minutes from Monday 00:00 UTC, to exclusive.
type span struct{ from, to int }

const dayMinutes = 24 * 60

var weekdays = map[string]int{"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}

// dailyWindow parses an RDS backup window, "hh:mm-hh:mm", as it falls on Monday.
func dailyWindow(w string) (span, error) {
	from, to, ok := strings.Cut(w, "-")
	if !ok {
		return span{}, fmt.Errorf("got %q, want hh:mm-hh:mm", w)
	}
	f, err1 := clock(from)
	e, err2 := clock(to)
	if err1 != nil || err2 != nil {
		return span{}, fmt.Errorf("got %q, want hh:mm-hh:mm", w)
	}
	if e <= f {
		e += dayMinutes
	}
	return span{f, e}, nil
}

// weeklyWindow parses an RDS maintenance window, "ddd:hh:mm-ddd:hh:mm".
func weeklyWindow(w string) (span, error) {
	from, to, ok := strings.Cut(w, "-")
	f, err1 := weekTime(from)
	e, err2 := weekTime(to)
	if !ok || err1 != nil || err2 != nil {
		return span{}, fmt.Errorf("got %q, want ddd:hh:mm-ddd:hh:mm", w)
	}
	if e <= f {
		e += 7 * dayMinutes
	}
	return span{f, e}, nil
}

func weekTime(s string) (int, error) {
	day, hm, _ := strings.Cut(s, ":")
	d, ok := weekdays[day]
	m, err := clock(hm)
	if !ok || err != nil {
		return 0, fmt.Errorf("bad time %q", s)
	}
	return d*dayMinutes + m, nil
}

func clock(s string) (int, error) {
	var h, m int
	if _, err := fmt.Sscanf(s, "%2d:%2d", &h, &m); err != nil || h > 23 || m > 59 {
		return 0, fmt.Errorf("bad clock %q", s)
	}
	return h*60 + m, nil
}

// overlaps reports whether two spans of a week intersect, wrapping at its end.
func overlaps(a, b span) bool {
	const week = 7 * dayMinutes
	for _, shift := range []int{-week, 0, week} {
		if a.from < b.to+shift && b.from+shift < a.to {
			return true
		}
	}
	return false
}

// TestCacheIsMultiAZAndPrivate: one node per zone with automatic failover,
// encrypted at rest and in transit, in the data subnets, in InternalCache
// only, which admits the web servers only.
func TestCacheIsMultiAZAndPrivate(t *testing.T) {
	stacks.Run(t, func(t *testing.T, c dataCase, s *stacktest.Stack) {
		if !c.cache {
			if n := len(s.Resources(t, "aws_elasticache_replication_group")); n != 0 {
				t.Errorf("got %d replication groups without a cache", n)
			}
			return
		}
		_, rg := s.Only(t, "aws_elasticache_replication_group")
		sgName, sg := s.Only(t, "aws_elasticache_subnet_group")
		var zones []any
		for _, z := range c.zones {
			zones = append(zones, z)
		}
		want := map[string]any{
			"engine": "valkey", "engine_version": data.DefaultCacheEngineVersion, "node_type": data.DefaultCacheNodeType,
			"multi_az_enabled": true, "automatic_failover_enabled": true,
			"num_cache_clusters": float64(len(c.zones)), "preferred_cache_cluster_azs": zones,
			"at_rest_encryption_enabled": "true", "transit_encryption_enabled": true, "transit_encryption_mode": "required",
			"port": float64(security.Valkey), "security_group_ids": []any{s.GroupRef(t, "InternalCache")},
			"subnet_group_name": stacktest.Ref("aws_elasticache_subnet_group", sgName, "name"),
		}
		if diff := cmp.Diff(want, stacktest.Pick(rg, want)); diff != "" {
			t.Errorf("replication group (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(s.SubnetRefs(t, string(network.Data)), stacktest.SortedStrings(sg["subnet_ids"])); diff != "" {
			t.Errorf("cache subnets: the data subnets (-want +got):\n%s", diff)
		}
		var in []string
		for _, r := range s.Rules(t) {
			if strings.HasPrefix(r, "InternalCache ") {
				in = append(in, r)
			}
		}
		if diff := cmp.Diff([]string{"InternalCache in 6379 InternalWeb"}, in); diff != "" {
			t.Errorf("InternalCache rules: in from the web servers on the cache port only (-want +got):\n%s", diff)
		}
	})
}
