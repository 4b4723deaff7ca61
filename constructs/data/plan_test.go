package data

// These tests call plain functions only: no construct is built. The
// synthesized tier is tested in data_test.go.

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestEngineFamily(t *testing.T) {
	tests := []struct {
		version, want, wantErr string
	}{
		{version: "8.4", want: "mysql8.4"},
		{version: "8.4.3", want: "mysql8.4"},
		{version: "8.0", want: "mysql8.0"},
		{version: "8.0.40", want: "mysql8.0"},
		{version: "5.7", wantErr: `got "5.7"`},
		{version: "8.1", wantErr: `got "8.1"`},
		{version: "8", wantErr: `got "8"`},
		{version: "8.4.", wantErr: `got "8.4."`},
		{version: "", wantErr: `got ""`},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			got, err := EngineFamily(tt.version)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("EngineFamily(%q) error = %v, want one containing %q", tt.version, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("EngineFamily(%q): %v", tt.version, err)
			}
			if got != tt.want {
				t.Errorf("EngineFamily(%q) = %q, want %q", tt.version, got, tt.want)
			}
		})
	}
}

func TestParameterGroupName(t *testing.T) {
	// RDS allows letters, digits and hyphens only.
	if got, want := parameterGroupName("wordpress-prod", "mysql8.4"), "wordpress-prod-mysql8-4"; got != want {
		t.Errorf("parameterGroupName = %q, want %q", got, want)
	}
}

func TestProtectionFor(t *testing.T) {
	tests := []struct {
		name string
		on   bool
		want protection
	}{
		{"protected", true, protection{
			DeletionProtection:      true,
			FinalSnapshotIdentifier: "wordpress-prod-final",
			PreventDestroy:          true,
		}},
		{"relaxed", false, protection{
			SkipFinalSnapshot:      true,
			DeleteAutomatedBackups: true,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := protectionFor("wordpress-prod", tt.on)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("protectionFor(%v) (-want +got):\n%s", tt.on, diff)
			}
		})
	}
}

func TestParameters(t *testing.T) {
	got := map[string]string{}
	for _, p := range parameters() {
		if _, dup := got[p.Name]; dup {
			t.Errorf("parameter %s set twice", p.Name)
		}
		got[p.Name] = p.Value
	}
	want := map[string]string{
		"require_secure_transport": "1",
		"character_set_server":     "utf8mb4",
		"collation_server":         "utf8mb4_unicode_520_ci",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("parameters (-want +got):\n%s", diff)
	}
}

func TestFileSystemPolicy(t *testing.T) {
	// A cdktf token stands in for the ARN, as in synthesis.
	const arn = "${TfToken[TOKEN.42]}"
	raw, err := fileSystemPolicy(arn)
	if err != nil {
		t.Fatal(err)
	}
	var got any
	if err := json.Unmarshal([]byte(raw), &got); err != nil {
		t.Fatalf("policy is not JSON: %v\n%s", err, raw)
	}
	want := map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{
			map[string]any{
				"Sid":       "DenyUnencryptedTransport",
				"Effect":    "Deny",
				"Principal": map[string]any{"AWS": "*"},
				"Action":    "*",
				"Resource":  arn,
				"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
			},
			map[string]any{
				"Sid":       "AllowMountThroughMountTargets",
				"Effect":    "Allow",
				"Principal": map[string]any{"AWS": "*"},
				"Action":    []any{"elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"},
				"Resource":  arn,
				"Condition": map[string]any{"Bool": map[string]any{"elasticfilesystem:AccessedViaMountTarget": "true"}},
			},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("fileSystemPolicy (-want +got):\n%s", diff)
	}
	again, _ := fileSystemPolicy(arn)
	if again != raw {
		t.Errorf("fileSystemPolicy is not deterministic:\n%s\n%s", raw, again)
	}
}

func TestDatabaseConfigDefaults(t *testing.T) {
	got := DatabaseConfig{Name: "wordpress-default"}.withDefaults()
	want := DatabaseConfig{
		Name:                "wordpress-default",
		EngineVersion:       DefaultEngineVersion,
		InstanceClass:       DefaultInstanceClass,
		AllocatedStorage:    DefaultAllocatedStorage,
		MaxAllocatedStorage: DefaultMaxAllocatedStorage,
		BackupRetentionDays: DefaultBackupRetentionDays,
		DatabaseName:        DefaultDatabaseName,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("withDefaults (-want +got):\n%s", diff)
	}
}

func TestDatabaseConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  DatabaseConfig
		want []string
	}{
		{"missing required fields", DatabaseConfig{}, []string{"name: required", "network: required", "security: required"}},
		{"bad version", DatabaseConfig{EngineVersion: "9.1"}, []string{`engine version: got "9.1"`}},
		{"storage cannot grow", DatabaseConfig{AllocatedStorage: 100, MaxAllocatedStorage: 100}, []string{"max allocated storage: got 100 GiB"}},
		{"too small", DatabaseConfig{AllocatedStorage: 10}, []string{"allocated storage: got 10 GiB"}},
		{"retention too long", DatabaseConfig{BackupRetentionDays: 36}, []string{"backup retention: got 36 days"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.withDefaults().validate()
			if err == nil {
				t.Fatal("validate() = nil, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("validate() = %v, want it to mention %q", err, w)
				}
			}
		})
	}
}

func TestFileSystemConfigDefaults(t *testing.T) {
	got := FileSystemConfig{Name: "wordpress-default"}.withDefaults()
	want := FileSystemConfig{Name: "wordpress-default", OwnerUID: 48, OwnerGID: 48}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("withDefaults (-want +got):\n%s", diff)
	}
}

func TestCheckSnapshotIdentifier(t *testing.T) {
	for _, tt := range []struct {
		id string
		ok bool
	}{
		{"wordpress-prod-before-upgrade", true},
		{"rds:wordpress-prod-mysql-2026-11-26-03-10", true},
		{"awsbackup:job-1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d", true},
		{"arn:aws:rds:us-east-1:123456789012:snapshot:awsbackup:job-1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d", true},
		{"arn:aws:rds:us-east-1:123456789012:snapshot:wordpress-prod-final", true},
		{"arn:aws:rds:us-east-1:123456789012:snapshot:rds:wordpress-prod-mysql-2026-11-26-03-10", true},
		{"", false}, {"1snapshot", false}, {"two--hyphens", false}, {"trailing-", false}, {"under_score", false},
		{"arn:aws:rds:us-east-1:123:snapshot:x", false}, {"arn:aws:rds:us-east-1:123456789012:cluster-snapshot:x", false},
	} {
		if err := CheckSnapshotIdentifier(tt.id); (err == nil) != tt.ok {
			t.Errorf("CheckSnapshotIdentifier(%q): got %v, want ok %v", tt.id, err, tt.ok)
		}
	}
}
