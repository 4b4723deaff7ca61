# Entry points (README.md). CI (.ci/run) runs `make test`.
.PHONY: synth test tools parity check bench integration

# The README's first command: set-up and synthesis.
synth:
	bash scripts/tools.sh node cdktf graphviz
	go run .
	for d in cdktf.out/stacks/*/; do dot -Tsvg "$${d}diagram.dot" -o "$${d}diagram.svg" || exit 1; done

# Every tool the tests and gates need, into the cache (cold: the trivy and OpenTofu
# builds dominate, README "CI time"; the AWS provider is built only when no release is found).
tools:
	bash scripts/tools.sh node cdktf shellcheck jq graphviz webstack trivy tofu terraform provider

# The README's second command: every test CI runs.
test: tools
	go test ./...
	go test -tags slow -run "TestFastPathChangesNothing|TestDeterministic" .
	$(MAKE) --no-print-directory integration parity check
	$(MAKE) --no-print-directory workflows

# The boot script against real Apache, php-fpm, MariaDB and WordPress (about
# 10 to 20 s warm). It skips where the web stack is missing, except in CI (CI=true),
# where it fails instead.
integration:
	bash scripts/tools.sh webstack
	go test -tags integration -count=1 -run TestIntegration -v ./constructs/web/bootscript/

# cdktf synth (the real CLI) and go run . must write the same files.
parity:
	bash scripts/cli-parity.sh

# Pre-apply gates over every synthesized stack with Terraform and OpenTofu, and
# over the test stacks of testdata/stacks.json (variant, edge, throwaway), which
# turn on what environments.json leaves off, synthesized for the run; then the
# gates' own tests (behind the gates build tag; -count=1: go test's cache does not
# see the engines, the provider or trivy change, and those are what they test).
check: tools synth
	tmp=$$(mktemp -d) && WORDPRESS_CONFIG=testdata/stacks.json CDKTF_OUTDIR="$$tmp" go run . -q && \
		go run ./cmd/gates cdktf.out/stacks "$$tmp/stacks"; rc=$$?; rm -rf "$$tmp"; exit $$rc
	go test -tags gates -count=1 ./gates/

# Synthesis speed and memory (README, "Synthesis speed").
bench:
	go test -run '^$$' -bench . -benchtime 5x .
	bash scripts/bench-synth.sh

# The edit loop: go test ./... after a one-line change in each construct
# package (README, "The edit loop"). It edits and restores source files: run it
# on a clean tree.
.PHONY: bench-edit
bench-edit:
	bash scripts/bench-edit-loop.sh

# What the working tree changes in every stack against a git ref (BASE, default HEAD):
# added, removed, moved and changed addresses, and the cost estimate (README, "Review").
.PHONY: diff
diff:
	go run ./cmd/stackdiff -base $(or $(BASE),HEAD)

# The GitHub Actions workflows: actionlint (which runs shellcheck on their run:
# blocks) and shellcheck on the scripts they call.
.PHONY: workflows
workflows:
	bash scripts/tools.sh actionlint shellcheck
	"$${WORDPRESS_CDKTF_CACHE:-$$HOME/.cache/wordpress-cdktf}/bin/actionlint"
	shellcheck .github/scripts/*.sh
