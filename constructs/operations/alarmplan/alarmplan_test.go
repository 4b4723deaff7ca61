package alarmplan

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestInstanceMemory(t *testing.T) {
	for _, tt := range []struct {
		class string
		want  float64
		ok    bool
	}{
		{"db.t4g.micro", 1, true}, {"db.t4g.small", 2, true}, {"db.t4g.medium", 4, true}, {"db.t3.large", 8, true},
		{"db.m7g.large", 8, true}, {"db.m7g.xlarge", 16, true}, {"db.m6i.4xlarge", 64, true},
		{"db.r6g.large", 16, true}, {"db.r7g.2xlarge", 64, true}, {"db.x2g.large", 32, true},
		{"db.m7g.micro", 0, false}, {"db.q1.large", 0, false}, {"t4g.micro", 0, false}, {"db.m5.1xlarge", 0, false},
	} {
		got, ok := instanceMemoryGiB(tt.class)
		if got != tt.want || ok != tt.ok {
			t.Errorf("instanceMemoryGiB(%q): got %g, %v; want %g, %v", tt.class, got, ok, tt.want, tt.ok)
		}
	}
}

func TestThresholdsFollowTheConfiguration(t *testing.T) {
	for _, tt := range []struct {
		name string
		s    Sizing
		want Thresholds
	}{
		{"micro, small cap", Sizing{DBInstanceClass: "db.t4g.micro", DBMaxAllocatedStorageGiB: 10},
			Thresholds{DBMemoryGiB: 1, DBFreeMemoryBytes: 107374182, DBFreeStorageBytes: 2 * gib, DBConnections: 68}},
		{"medium, default cap", Sizing{DBInstanceClass: "db.t4g.medium", DBMaxAllocatedStorageGiB: 100},
			Thresholds{DBMemoryGiB: 4, DBFreeMemoryBytes: 429496729, DBFreeStorageBytes: 10 * gib, DBConnections: 272}},
		{"unknown class: smallest memory", Sizing{DBInstanceClass: "db.q9.huge", DBMaxAllocatedStorageGiB: 500},
			Thresholds{DBMemoryGiB: 1, DBFreeMemoryBytes: 107374182, DBFreeStorageBytes: 50 * gib, DBConnections: 68}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, ThresholdsFor(tt.s)); diff != "" {
				t.Errorf("thresholds (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAlarmsUseTheSizes(t *testing.T) {
	s := Sizing{DBInstanceClass: "db.m7g.large", DBMaxAllocatedStorageGiB: 500, MinSize: 3, MaxSize: 9}
	got := map[string]float64{}
	for _, a := range Alarms(Watched{}, s) {
		if _, dup := got[a.ID]; dup {
			t.Errorf("alarm ID %s twice", a.ID)
		}
		got[a.ID] = a.Threshold
		if a.Check() != nil {
			t.Errorf("%v", a.Check())
		}
	}
	want := map[string]float64{"healthy-hosts-low": 3, "asg-at-max": 9, "efs-clients": 3, "db-storage": 50 * gib, "db-connections": 545}
	if diff := cmp.Diff(want, pick(got, want)); diff != "" {
		t.Errorf("thresholds (-want +got):\n%s", diff)
	}
}

func pick(got, want map[string]float64) map[string]float64 {
	out := map[string]float64{}
	for k := range want {
		out[k] = got[k]
	}
	return out
}

// TestMailReputation: with mail, the account's SES reputation is watched at
// the marks where SES reviews it; without, nothing about mail is.
func TestMailReputation(t *testing.T) {
	s := Sizing{DBInstanceClass: "db.t4g.small", DBMaxAllocatedStorageGiB: 100, MinSize: 2, MaxSize: 4}
	for _, tt := range []struct {
		mail bool
		want map[string]float64
	}{
		{false, map[string]float64{}},
		{true, map[string]float64{"ses-bounce-rate": 0.05, "ses-complaint-rate": 0.001}},
	} {
		got := map[string]float64{}
		for _, a := range Alarms(Watched{Mail: tt.mail}, s) {
			if err := a.Check(); err != nil {
				t.Error(err)
			}
			if a.Tier == tierMail {
				got[a.ID] = a.Threshold
				if a.Metric.Namespace != "AWS/SES" || len(a.Metric.Dimensions) != 0 {
					t.Errorf("%s: metric %v, want an account-wide AWS/SES metric", a.ID, a.Metric)
				}
			}
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("mail %v: mail alarms (-want +got):\n%s", tt.mail, diff)
		}
	}
}

// TestDashboardRowsOnlyForWatchedTiers: a tier without alarms gets no row.
func TestDashboardRowsOnlyForWatchedTiers(t *testing.T) {
	s := Sizing{DBInstanceClass: "db.t4g.small", DBMaxAllocatedStorageGiB: 100, MinSize: 2, MaxSize: 4}
	for _, mail := range []bool{false, true} {
		specs := Alarms(Watched{Mail: mail}, s)
		var rows []string
		for _, w := range Dashboard("us-east-1", specs, make([]string, len(specs)))["widgets"].([]map[string]any) {
			if w["type"] == "text" {
				rows = append(rows, w["properties"].(map[string]any)["markdown"].(string))
			}
		}
		want := []string{"## Load balancer", "## Web servers", "## Database", "## File system"}
		if mail {
			want = append(want, "## Mail")
		}
		if diff := cmp.Diff(want, rows); diff != "" {
			t.Errorf("mail %v: dashboard rows (-want +got):\n%s", mail, diff)
		}
	}
}
