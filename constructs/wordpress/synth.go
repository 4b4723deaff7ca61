package wordpress

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/wordpress-cdktf/resilient-wordpress/internal/review"
)

// Synth writes one stack per configuration into outdir. It synthesizes into
// a staging folder beside outdir and swaps it in only when synthesis has
// succeeded, so a failure leaves the previous output untouched.
//
// The cdktf CLI tells the app where to write through CDKTF_OUTDIR; callers
// pass that as outdir, and the staging folder goes to the App as its
// configured outdir, which the App prefers to the variable.
func Synth(outdir string, cfgs []StackConfig) error {
	abs, err := filepath.Abs(outdir)
	if err != nil {
		return fmt.Errorf("synth: resolve output folder: %w", err)
	}
	staging := abs + ".staging"
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return fmt.Errorf("synth: create parent of output folder: %w", err)
	}
	if err := os.RemoveAll(staging); err != nil {
		return fmt.Errorf("synth: clear staging folder: %w", err)
	}
	synthInto(staging, cfgs)
	if err := writeReviewFiles(staging, cfgs); err != nil {
		return errors.Join(err, os.RemoveAll(staging))
	}
	return swap(staging, abs)
}

// writeReviewFiles puts the diagram, runbook and cost estimate of each stack
// beside its cdk.tf.json, generated from that file (see internal/review).
func writeReviewFiles(dir string, cfgs []StackConfig) error {
	for _, c := range cfgs {
		if err := review.WriteFiles(StackDir(dir, c.Environment)); err != nil {
			return fmt.Errorf("synth: stack %s: %w", c.Environment, err)
		}
	}
	return nil
}

// StackDir is the folder of one stack in an output folder, as cdktf lays it out.
func StackDir(outdir, environment string) string {
	return filepath.Join(outdir, "stacks", environment)
}

// synthInto writes every stack into dir. Configurations are validated
// before this point (LoadConfig), so a panic here, from a construct or from
// a JavaScript exception that jsii turns into one, is a defect: it goes on
// with its stack trace, after the half-written dir is removed; the previous
// output is untouched.
func synthInto(dir string, cfgs []StackConfig) {
	defer func() {
		if r := recover(); r != nil {
			if err := os.RemoveAll(dir); err != nil {
				fmt.Fprintf(os.Stderr, "synth: remove %s: %v\n", dir, err)
			}
			panic(r)
		}
	}()
	app := cdktf.NewApp(&cdktf.AppConfig{
		Outdir:      jsii.String(dir),
		StackTraces: jsii.Bool(false), // stack traces hold absolute paths
	})
	var stacks []*Stack
	for _, c := range cfgs {
		stacks = append(stacks, NewStack(app, c.Environment, c))
	}
	app.Synth()
	for _, s := range stacks {
		if err := s.named.Err(); err != nil {
			panic(fmt.Errorf("synth: stack %s: %w", s.Config.Environment, err))
		}
	}
}

// swap replaces dst with src. Between the two renames dst is briefly absent,
// but never half-written.
func swap(src, dst string) error {
	old := dst + ".old"
	if err := os.RemoveAll(old); err != nil {
		return fmt.Errorf("synth: clear %s: %w", old, err)
	}
	if err := os.Rename(dst, old); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("synth: move previous output aside: %w", err)
	}
	if err := os.Rename(src, dst); err != nil {
		return fmt.Errorf("synth: move new output into place: %w", err)
	}
	if err := os.RemoveAll(old); err != nil {
		return fmt.Errorf("synth: remove previous output: %w", err)
	}
	return nil
}
