package gates

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/bmatcuk/doublestar/v4"
	"go.yaml.in/yaml/v3"
)

// IgnoreEntry accepts one trivy check: trivy's ignore-file format
// (.trivyignore.yaml), the part of it that applies to misconfigurations.
type IgnoreEntry struct {
	// ID is the check, as trivy names it (AWS-0053).
	ID string `yaml:"id"`
	// Paths limits the entry to these scanned files (doublestar patterns such
	// as cdk.tf.json, plan.json; trivy calls the plan main.tf). Default:
	// every file.
	Paths []string `yaml:"paths"`
	// Statement says why the finding is accepted. Required.
	Statement string `yaml:"statement"`
	// ExpiredAt ends the acceptance on that date. Default: never.
	ExpiredAt time.Time `yaml:"expired_at"`
}

// IgnoreFile is a parsed ignore file.
type IgnoreFile struct {
	Path    string
	Entries []IgnoreEntry
}

// LoadIgnoreFile reads and checks an ignore file: every entry needs an id and
// a statement, and its paths must be valid patterns. Keys trivy's format has
// for other scanners (vulnerabilities, secrets, licenses) are rejected: the
// gates scan configuration only, and an entry there would accept nothing.
func LoadIgnoreFile(path string) (*IgnoreFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read ignore file: %w", err)
	}
	return ParseIgnoreFile(path, b)
}

// ParseIgnoreFile parses the contents of the ignore file at path.
func ParseIgnoreFile(path string, b []byte) (*IgnoreFile, error) {
	var doc struct {
		Misconfigurations []IgnoreEntry `yaml:"misconfigurations"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %w (want trivy's ignore format: misconfigurations, a list of id, paths, statement, expired_at)", path, err)
	}
	f := &IgnoreFile{Path: path, Entries: doc.Misconfigurations}
	for i, e := range f.Entries {
		where := fmt.Sprintf("%s: misconfigurations[%d]", path, i)
		if e.ID == "" {
			return nil, fmt.Errorf("%s: no id: want the trivy check ID it accepts, such as AWS-0053", where)
		}
		if e.Statement == "" {
			return nil, fmt.Errorf("%s (%s): no statement: want the reason the finding is accepted", where, e.ID)
		}
		for _, p := range e.Paths {
			if !doublestar.ValidatePattern(p) {
				return nil, fmt.Errorf("%s (%s): paths: got %q, want a file pattern such as cdk.tf.json", where, e.ID, p)
			}
		}
	}
	return f, nil
}

// Match returns the index of the first entry that accepts f at time now, or
// -1. Like trivy, an entry matches the check ID (or its older AVD ID) and,
// when it has paths, the file: as the gates name it (cdk.tf.json,
// plan.json) or as trivy does (main.tf for a plan's findings), so that an
// ignore file written for trivy works unchanged. An expired entry accepts
// nothing.
func (f *IgnoreFile) Match(fd Finding, now time.Time) int {
	for i, e := range f.Entries {
		if e.ID != fd.ID && (fd.AVDID == "" || e.ID != fd.AVDID) {
			continue
		}
		if e.expired(now) {
			continue
		}
		if len(e.Paths) > 0 && !matchAny(e.Paths, fd.File) && !matchAny(e.Paths, fd.Target) {
			continue
		}
		return i
	}
	return -1
}

func (e IgnoreEntry) expired(now time.Time) bool {
	return !e.ExpiredAt.IsZero() && e.ExpiredAt.Before(now)
}

func matchAny(patterns []string, file string) bool {
	for _, p := range patterns {
		if ok, _ := doublestar.Match(p, file); ok {
			return true
		}
	}
	return false
}

// Stale lists the entries that accepted nothing, given how many findings
// each entry accepted over a whole run: an acceptance whose finding no longer
// occurs would silently accept the next regression of that check. Expired
// entries are listed by Expired instead.
func (f *IgnoreFile) Stale(used []int, now time.Time) []IgnoreEntry {
	var stale []IgnoreEntry
	for i, e := range f.Entries {
		if !e.expired(now) && (i >= len(used) || used[i] == 0) {
			stale = append(stale, e)
		}
	}
	return stale
}

// Expired lists the entries past their expired_at date.
func (f *IgnoreFile) Expired(now time.Time) []IgnoreEntry {
	var out []IgnoreEntry
	for _, e := range f.Entries {
		if e.expired(now) {
			out = append(out, e)
		}
	}
	return out
}
