package main

import (
	"fmt"
	"os"
	"time"

	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/wordpress-cdktf/resilient-wordpress/internal/jsiiboot"
)

func main() {
	jsiiboot.Enable()
	app := cdktf.NewApp(&cdktf.AppConfig{Outdir: jsii.String("/tmp/zzz")})
	n := app.Node()
	t0 := time.Now()
	for i := 0; i < 5000; i++ {
		n.Id()
	}
	fmt.Fprintf(os.Stderr, "%v per get\n", time.Since(t0)/5000)
	jsii.Close()
}
