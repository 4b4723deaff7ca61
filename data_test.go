package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wordpress-cdktf/resilient-wordpress/constructs/wordpress"
)

// The data tier's properties, checked on the synthesized JSON of every stack
// under test. Where a property depends on data_protection, the test reads
// the stack's configuration, so a stack with protection off is checked for
// the relaxed settings.

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

func TestDataDatabaseSettings(t *testing.T) {
	for _, c := range configs {
		t.Run(c.Environment, func(t *testing.T) {
			_, db := only(t, c.Environment, "aws_db_instance")
			// Restored from a snapshot, the schema and the master user are the snapshot's.
			restore := []attrRule{
				{"database name", "db_name", "wordpress"},
				{"master user", "username", "wpadmin"},
				{"empty database", "snapshot_identifier", nil},
			}
			if c.DBSnapshotIdentifier != "" {
				restore = []attrRule{
					{"database name from the snapshot", "db_name", nil},
					{"master user from the snapshot", "username", nil},
					{"restored from the snapshot", "snapshot_identifier", c.DBSnapshotIdentifier},
				}
			}
			checkAttrs(t, "aws_db_instance", db, restore)
			checkAttrs(t, "aws_db_instance", db, []attrRule{
				{"engine is MySQL", "engine", "mysql"},
				{"engine version from config", "engine_version", c.DBEngineVersion},
				{"instance class from config", "instance_class", c.DBInstanceClass},
				{"gp3 storage", "storage_type", "gp3"},
				{"allocated storage from config", "allocated_storage", float64(c.DBAllocatedStorage)},
				{"storage autoscaling", "max_allocated_storage", float64(c.DBMaxAllocatedStorage)},
				{"deterministic identifier", "identifier", c.Name() + "-mysql"},
				{"not publicly accessible", "publicly_accessible", false},
				{"multi-AZ", "multi_az", true},
				{"encrypted at rest", "storage_encrypted", true},
				{"RDS manages the master password", "manage_master_user_password", true},
				{"no password attribute", "password", nil},
				{"backup retention from config", "backup_retention_period", float64(c.DBBackupRetentionDays)},
				{"tags copied to snapshots", "copy_tags_to_snapshot", true},
				{"logs exported", "enabled_cloudwatch_logs_exports", []any{"error", "slowquery"}},
				{"minor versions upgrade", "auto_minor_version_upgrade", true},
				{"no implicit major upgrade", "allow_major_version_upgrade", false},
				{"changes wait for the maintenance window", "apply_immediately", false},
				{"current CA", "ca_cert_identifier", "rds-ca-rsa2048-g1"},
			})
		})
	}
}

func TestDataDatabaseProtection(t *testing.T) {
	for _, c := range configs {
		t.Run(c.Environment, func(t *testing.T) {
			_, db := only(t, c.Environment, "aws_db_instance")
			var rules []attrRule
			if c.DataProtection {
				rules = []attrRule{
					{"deletion protection", "deletion_protection", true},
					{"final snapshot taken", "skip_final_snapshot", false},
					{"deterministic final snapshot", "final_snapshot_identifier", c.Name() + "-final"},
					{"automated backups kept", "delete_automated_backups", false},
					{"prevent_destroy", "lifecycle", map[string]any{"prevent_destroy": true}},
				}
			} else {
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
}

func TestDataDefaultBackupRetention(t *testing.T) {
	_, db := only(t, wordpress.DefaultEnvironment, "aws_db_instance")
	if got, _ := db["backup_retention_period"].(float64); got < 7 {
		t.Errorf("default stack: backup_retention_period = %v, want at least 7", db["backup_retention_period"])
	}
}

func TestDataMaintenanceWindows(t *testing.T) {
	for _, c := range configs {
		t.Run(c.Environment, func(t *testing.T) {
			_, db := only(t, c.Environment, "aws_db_instance")
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
}

func TestDataSubnetGroup(t *testing.T) {
	for _, c := range configs {
		t.Run(c.Environment, func(t *testing.T) {
			name, group := only(t, c.Environment, "aws_db_subnet_group")
			want := subnetRefs(t, c.Environment, "Data")
			if len(want) != len(c.AvailabilityZones) {
				t.Fatalf("got %d data subnets, want one per zone (%d)", len(want), len(c.AvailabilityZones))
			}
			if diff := cmp.Diff(want, sortedStrings(group["subnet_ids"])); diff != "" {
				t.Errorf("subnet group subnet_ids, want exactly the data subnets (-want +got):\n%s", diff)
			}
			_, db := only(t, c.Environment, "aws_db_instance")
			if diff := cmp.Diff(ref("aws_db_subnet_group", name, "name"), db["db_subnet_group_name"]); diff != "" {
				t.Errorf("db_subnet_group_name (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDataDatabaseSecurityGroup(t *testing.T) {
	for _, c := range configs {
		t.Run(c.Environment, func(t *testing.T) {
			_, db := only(t, c.Environment, "aws_db_instance")
			want := []any{securityGroupRef(t, c.Environment, "InternalData")}
			if diff := cmp.Diff(want, db["vpc_security_group_ids"]); diff != "" {
				t.Errorf("vpc_security_group_ids, want only InternalData (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDataParameterGroup(t *testing.T) {
	for _, c := range configs {
		t.Run(c.Environment, func(t *testing.T) {
			name, pg := only(t, c.Environment, "aws_db_parameter_group")
			_, db := only(t, c.Environment, "aws_db_instance")
			if diff := cmp.Diff(ref("aws_db_parameter_group", name, "name"), db["parameter_group_name"]); diff != "" {
				t.Errorf("parameter_group_name (-want +got):\n%s", diff)
			}
			major := strings.Join(strings.SplitN(c.DBEngineVersion, ".", 3)[:2], ".")
			if diff := cmp.Diff("mysql"+major, pg["family"]); diff != "" {
				t.Errorf("family for engine %s (-want +got):\n%s", c.DBEngineVersion, diff)
			}
			got := map[string]string{}
			for _, p := range asSlice(pg["parameter"]) {
				k, _ := asMap(p)["name"].(string)
				got[k], _ = asMap(p)["value"].(string)
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
}

// TestDataNoPassword checks that no password reaches the configuration:
// no attribute names one (but manage_master_user_password), no expression
// interpolates one, and no value mentions one, save user data and boot
// scripts, which read the RDS-managed secret at boot and so speak of it.
var reInterpolatedPassword = regexp.MustCompile(`\$\{[^}]*password[^}]*\}`)

func TestDataNoPassword(t *testing.T) {
	allowedKeys := map[string]bool{"manage_master_user_password": true}
	mayMention := map[string]bool{"user_data": true, "user_data_base64": true}
	for _, c := range configs {
		t.Run(c.Environment, func(t *testing.T) {
			for _, typ := range []string{"random_password", "aws_secretsmanager_secret_version"} {
				if rs := resources(t, c.Environment, typ); len(rs) > 0 {
					t.Errorf("got %d %s, want none: the database password is RDS-managed", len(rs), typ)
				}
			}
			var walk func(path, key string, v any)
			walk = func(path, key string, v any) {
				switch v := v.(type) {
				case map[string]any:
					for k, e := range v {
						if strings.Contains(strings.ToLower(k), "password") && !allowedKeys[k] {
							t.Errorf("%s.%s: a password attribute", path, k)
						}
						walk(path+"."+k, k, e)
					}
				case []any:
					for i, e := range v {
						walk(fmt.Sprintf("%s[%d]", path, i), key, e)
					}
				case string:
					lower := strings.ToLower(v)
					switch {
					case reInterpolatedPassword.MatchString(lower):
						t.Errorf("%s: value interpolates a password: %q", path, reInterpolatedPassword.FindString(lower))
					case strings.Contains(lower, "password") && !mayMention[key] && !strings.HasPrefix(v, "#!"):
						t.Errorf("%s: value mentions a password: %.80q", path, v)
					}
				}
			}
			walk("", "", stacks[c.Environment])
		})
	}
}

func TestDataFileSystemSettings(t *testing.T) {
	for _, c := range configs {
		t.Run(c.Environment, func(t *testing.T) {
			_, fs := only(t, c.Environment, "aws_efs_file_system")
			var lifecycle any
			if c.DataProtection {
				lifecycle = map[string]any{"prevent_destroy": true}
			}
			checkAttrs(t, "aws_efs_file_system", fs, []attrRule{
				{"encrypted at rest", "encrypted", true},
				{"elastic throughput", "throughput_mode", "elastic"},
				{"general purpose", "performance_mode", "generalPurpose"},
				{"deterministic creation token", "creation_token", c.Name() + "-web-root"},
				{"infrequent access tiering", "lifecycle_policy", []any{
					map[string]any{"transition_to_ia": "AFTER_30_DAYS"},
					map[string]any{"transition_to_primary_storage_class": "AFTER_1_ACCESS"},
				}},
				{"prevent_destroy when protected", "lifecycle", lifecycle},
			})
		})
	}
}

func TestDataFileSystemBackup(t *testing.T) {
	for _, c := range configs {
		t.Run(c.Environment, func(t *testing.T) {
			fsName, _ := only(t, c.Environment, "aws_efs_file_system")
			_, bp := only(t, c.Environment, "aws_efs_backup_policy")
			checkAttrs(t, "aws_efs_backup_policy", bp, []attrRule{
				{"backups enabled", "backup_policy", map[string]any{"status": "ENABLED"}},
				{"of the file system", "file_system_id", ref("aws_efs_file_system", fsName, "id")},
			})
		})
	}
}

func TestDataMountTargets(t *testing.T) {
	for _, c := range configs {
		t.Run(c.Environment, func(t *testing.T) {
			fsName, _ := only(t, c.Environment, "aws_efs_file_system")
			efsSG := securityGroupRef(t, c.Environment, "InternalEFS")
			var subnets []string
			for name, mt := range resources(t, c.Environment, "aws_efs_mount_target") {
				s, _ := mt["subnet_id"].(string)
				subnets = append(subnets, s)
				checkAttrs(t, "aws_efs_mount_target."+name, mt, []attrRule{
					{"only InternalEFS", "security_groups", []any{efsSG}},
					{"of the file system", "file_system_id", ref("aws_efs_file_system", fsName, "id")},
				})
			}
			sort.Strings(subnets)
			if diff := cmp.Diff(subnetRefs(t, c.Environment, "Data"), subnets); diff != "" {
				t.Errorf("mount target subnets, want one in each data subnet and none elsewhere (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDataAccessPoint(t *testing.T) {
	for _, c := range configs {
		t.Run(c.Environment, func(t *testing.T) {
			fsName, _ := only(t, c.Environment, "aws_efs_file_system")
			_, ap := only(t, c.Environment, "aws_efs_access_point")
			checkAttrs(t, "aws_efs_access_point", ap, []attrRule{
				{"of the file system", "file_system_id", ref("aws_efs_file_system", fsName, "id")},
				{"web root owned by apache", "root_directory", map[string]any{
					"path":          "/wordpress",
					"creation_info": map[string]any{"owner_uid": 48.0, "owner_gid": 48.0, "permissions": "0755"},
				}},
				{"clients act as apache", "posix_user", map[string]any{"uid": 48.0, "gid": 48.0}},
			})
		})
	}
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

func TestDataFileSystemPolicy(t *testing.T) {
	anyone := map[string]any{"AWS": "*"}
	for _, c := range configs {
		t.Run(c.Environment, func(t *testing.T) {
			fsName, _ := only(t, c.Environment, "aws_efs_file_system")
			fsARN := ref("aws_efs_file_system", fsName, "arn")
			_, res := only(t, c.Environment, "aws_efs_file_system_policy")
			if diff := cmp.Diff(ref("aws_efs_file_system", fsName, "id"), res["file_system_id"]); diff != "" {
				t.Errorf("file_system_id (-want +got):\n%s", diff)
			}
			raw, _ := res["policy"].(string)
			var p efsPolicy
			if err := json.Unmarshal([]byte(raw), &p); err != nil {
				t.Fatalf("policy is not JSON: %v\n%s", err, raw)
			}
			deniesPlaintext := false
			for i, s := range p.Statement {
				if s.Resource != fsARN {
					t.Errorf("statement %d: Resource %q, want %q", i, s.Resource, fsARN)
				}
				switch s.Effect {
				case "Deny":
					if cmp.Equal(anyone, s.Principal) && s.Action == "*" && s.Condition["Bool"]["aws:SecureTransport"] == "false" {
						deniesPlaintext = true
					}
				case "Allow":
					want := []any{"elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"}
					if diff := cmp.Diff(want, s.Action); diff != "" {
						t.Errorf("statement %d allows (-want +got):\n%s", i, diff)
					}
					if s.Condition["Bool"]["elasticfilesystem:AccessedViaMountTarget"] != "true" {
						t.Errorf("statement %d allows without requiring access through a mount target: %v", i, s.Condition)
					}
				default:
					t.Errorf("statement %d: Effect %q", i, s.Effect)
				}
			}
			if !deniesPlaintext {
				t.Errorf("no statement denies everyone any action without TLS (aws:SecureTransport false):\n%s", raw)
			}
		})
	}
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
