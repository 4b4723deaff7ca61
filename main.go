// Command resilient-wordpress synthesizes the Terraform stacks of a highly
// available WordPress on AWS, one per environment declared in
// environments.json (or one "default" stack when there is no such file).
// Run it with `cdktf synth` or `go run .`; see README.md.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/wordpress-cdktf/resilient-wordpress/constructs/wordpress"
	"github.com/wordpress-cdktf/resilient-wordpress/internal/jsiiboot"
	"github.com/wordpress-cdktf/resilient-wordpress/internal/review"
)

// configPath is where environments are declared; WORDPRESS_CONFIG names another file.
func configPath() string {
	if p := os.Getenv("WORDPRESS_CONFIG"); p != "" {
		return p
	}
	return "environments.json"
}

// outdir is where stacks are written: the cdktf CLI says where through
// CDKTF_OUTDIR; otherwise cdktf.out, as cdktf.json declares.
func outdir() string {
	if d := os.Getenv("CDKTF_OUTDIR"); d != "" {
		return d
	}
	return "cdktf.out"
}

func main() {
	quiet := flag.Bool("q", false, "print nothing on success, not even that synthesis took jsii's slower path")
	flag.Parse()
	if *quiet {
		// Read by jsiiboot and, through the environment, by its preload in node.
		if err := os.Setenv(jsiiboot.QuietEnv, "1"); err != nil {
			fmt.Fprintf(os.Stderr, "error: %v\n", err)
			os.Exit(1)
		}
	}
	// Before anything touches jsii: it arranges the Node child's environment
	// (see internal/jsiiboot; WORDPRESS_JSII_FAST=0 turns it off).
	jsiiboot.Enable()
	err := run()
	if err == nil && !*quiet {
		err = printSummaries()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		jsiiboot.Exit(1)
	}
	jsiiboot.Exit(0)
}

// printSummaries prints one line per stack written, as `cdktf synth`
// reports what it generated.
func printSummaries() error {
	lines, err := review.Summaries(outdir())
	for _, l := range lines {
		fmt.Println(l)
	}
	return err
}

func run() error {
	cfgs, err := wordpress.LoadConfig(configPath())
	if err != nil {
		return fmt.Errorf("invalid configuration, nothing written:\n%w", err)
	}
	for _, c := range cfgs {
		for _, w := range c.Warnings() {
			fmt.Fprintf(os.Stderr, "WARNING: %s: %s\n", c.Environment, w)
		}
	}
	return wordpress.Synth(outdir(), cfgs)
}
