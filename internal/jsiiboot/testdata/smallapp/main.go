// Command smallapp is the throwaway cdktf app that scripts/bench-synth.sh
// times: jsiiboottest.SmallApp behind jsiiboot.Enable, so WORDPRESS_JSII_FAST=0
// gives the stock path. -vpc-only (the provider and one VPC) is the baseline
// of the README's speed figures.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/wordpress-cdktf/resilient-wordpress/internal/jsiiboot"
	"github.com/wordpress-cdktf/resilient-wordpress/internal/jsiiboot/jsiiboottest"
)

func main() {
	out := flag.String("out", "cdktf.out", "synth output directory")
	vpcOnly := flag.Bool("vpc-only", false, "only the provider and one VPC (-shape vpc)")
	shape := flag.String("shape", "small", "what each stack holds: vpc, small or wordpress")
	stacks := flag.Int("stacks", 1, "number of environment stacks")
	flag.Parse()

	jsiiboot.Enable()
	if err := jsiiboot.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "smallapp: stock jsii path:", err)
	}
	if *vpcOnly {
		*shape = string(jsiiboottest.ShapeVPC)
	}
	jsiiboottest.SmallApp(*out, jsiiboottest.Shape(*shape), *stacks)
	jsiiboot.Exit(0)
}
