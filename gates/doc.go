// Package gates holds the pre-apply gates that `go run ./cmd/gates` runs
// over synthesized stacks, before anyone runs `cdktf deploy`:
//
//   - init, validate and plan with every engine (Terraform and OpenTofu), in
//     scratch copies of the stack folder, with a released hashicorp/aws found
//     by ResolveProvider (a reachable registry, then a plugin directory, and
//     only then a development build), dummy credentials and no network; a
//     plan that deletes a protected resource (ProtectedTypes) fails;
//   - a trivy scan of the stack and its plan JSON (ParseTrivyJSON), whose
//     CRITICAL/HIGH findings fail unless the ignore file accepts them
//     (IgnoreFile), with accepted findings that no longer occur reported as
//     stale.
//
// It needs the engines and trivy (scripts/tools.sh installs them into the
// tools cache) and the synthesized Terraform JSON; nothing of the constructs.
// The tests that run the tools sit behind the gates build tag.
package gates
