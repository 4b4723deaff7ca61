// Package jsiiboottest checks and measures jsiiboot: it synthesizes an app
// both ways, fast and stock, in child processes (jsii reads the environment
// once, when it starts node), compares the output, and measures wall time
// and the peak resident memory of the whole process tree.
//
// A test binary whose stacks must synthesize identically both ways:
//
//	func TestMain(m *testing.M) {
//		jsiiboot.Enable()
//		jsiiboottest.RunChild(func(outdir string) error { return wordpress.Synth(outdir, configs()) })
//		jsiiboot.Exit(m.Run())
//	}
//
//	func TestFastSynthMatchesStock(t *testing.T) {
//		jsiiboottest.CompareFastStock(t)
//	}
//
// CompareFastStock re-executes the test binary twice with
// JSIIBOOTTEST_SYNTH_DIR set (RunChild then synthesizes there and exits),
// once with WORDPRESS_JSII_FAST=0, and diffs every file written. The stock
// run (~3 s) is cached per test binary build, environment and node, in
// jsiiboot's cache directory; JSIIBOOTTEST_STOCK_CACHE=0 forces it.
//
// SmallApp is a stand-in app (a VPC, a small stack, or a WordPress-shaped
// one of ~65 resources) for jsiiboot's own tests and scripts/bench-synth.sh.
package jsiiboottest
