// Command gates runs the pre-apply gates over synthesized stacks: init,
// validate and plan with Terraform and OpenTofu and the released AWS
// provider, and a trivy scan of the stack and its plan. See gates/README.md.
//
//	go run ./cmd/gates [flags] [STACK...]
//
// STACK is a folder of stack folders (default cdktf.out/stacks), one stack
// folder, or a Terraform JSON file. Exit status: 0 every gate passed, 1 a
// gate failed, 2 usage, a missing tool or no provider.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/wordpress-cdktf/resilient-wordpress/gates"
)

func main() {
	os.Exit(run())
}

func run() int {
	var numbers = map[string]int{"GATES_JOBS": 2, "GATES_REGISTRY_TIMEOUT": 3, "GATES_TF_TIMEOUT": 600}
	for name, def := range numbers {
		n, err := envInt(name, def)
		if err != nil {
			fmt.Fprintf(os.Stderr, "gates: %v\n", err)
			return gates.ExitUsage
		}
		numbers[name] = n
	}
	flags := flag.NewFlagSet("gates", flag.ContinueOnError)
	engines := flags.String("engines", "terraform,tofu", "engines that init, validate and plan every stack")
	jobs := flags.Int("jobs", numbers["GATES_JOBS"], "stacks checked at once (env GATES_JOBS)")
	keep := flags.Bool("keep-scratch", os.Getenv("GATES_KEEP_SCRATCH") == "1", "keep the scratch folder and print where it is (env GATES_KEEP_SCRATCH=1)")
	findProvider := flags.Bool("find-provider", false, "only say where hashicorp/aws would come from for each engine; exit 0 when it is a release for all, 1 when not")
	flags.Usage = func() {
		fmt.Fprintf(flags.Output(), "usage: go run ./cmd/gates [flags] [STACK...]   (default STACK: cdktf.out/stacks)\n")
		flags.PrintDefaults()
	}
	if err := flags.Parse(os.Args[1:]); err != nil {
		if err == flag.ErrHelp {
			return gates.ExitPassed
		}
		return gates.ExitUsage
	}

	cache := os.Getenv("WORDPRESS_CDKTF_CACHE")
	home, _ := os.UserHomeDir()
	if cache == "" {
		cache = filepath.Join(home, ".cache", "wordpress-cdktf")
	}
	pluginDirs := gates.DefaultPluginDirs(home)
	if v := os.Getenv("GATES_PLUGIN_DIRS"); v != "" {
		pluginDirs = filepath.SplitList(v)
	}
	provider := gates.ProviderOptions{
		PluginDirs: pluginDirs,
		DevMirror:  filepath.Join(cache, "provider-mirror"),
		Probe:      gates.ProbeRegistry(time.Duration(numbers["GATES_REGISTRY_TIMEOUT"]) * time.Second),
	}
	ignore := os.Getenv("GATES_TRIVY_IGNORE")
	if ignore == "" {
		ignore = filepath.Join("gates", "trivyignore.yaml")
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if *findProvider {
		return gates.FindProvider(ctx, os.Stdout, strings.Split(*engines, ","), provider)
	}
	return gates.Run(ctx, gates.Options{
		Stacks:      flags.Args(),
		IgnoreFile:  ignore,
		Cache:       cache,
		Engines:     strings.Split(*engines, ","),
		Timeout:     time.Duration(numbers["GATES_TF_TIMEOUT"]) * time.Second,
		Jobs:        *jobs,
		KeepScratch: *keep,
		Provider:    provider,
	})
}

// envInt reads a positive whole number from the environment, or def.
func envInt(name string, def int) (int, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%s: got %q, want a positive whole number", name, v)
	}
	return n, nil
}
