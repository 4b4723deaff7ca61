package jsiiboot

import (
	"io"
	"os"
	"regexp"

	"github.com/aws/jsii-runtime-go"
)

// Exit ends the program as os.Exit does, after stopping jsii's node child.
// jsii unpacks its runtime (~2 MB) into a new temporary folder in every
// process that links bindings (their package initialisers do it, before
// Enable, and again at the first jsii call when node starts through jsii's
// wrapper), and only jsii.Close removes it: os.Exit, or returning from main,
// leaves it behind, one per run. Every program and test binary that links
// bindings ends with Exit, even one that never synthesizes.
//
// What jsii prints on standard error while it closes still shows, except its
// false report of a failed child (waitRace).
func Exit(code int) {
	done := dropWaitRace()
	jsii.Close()
	done()
	os.Exit(code)
}

// waitRace is what jsii-runtime-go prints when its two waits for its node
// child race. A goroutine started with the child waits for it, and Close
// waits for it again once it has exited; whichever wait comes second gets
// ECHILD, and when that is the goroutine, it reports "Runtime process exited
// abnormally: waitid: no child processes" (no newline): in about one exit in
// 30 (jsii-runtime-go v1.119.0, Go 1.26; "wait" where Go has no pidfd). The
// child exited as asked and nothing failed, but a deploy log showing it
// would say otherwise. A child that really failed reports its exit status
// instead, which still shows.
var waitRace = regexp.MustCompile(`Runtime process exited abnormally: wait(id)?: no child processes\n?`)

// dropWaitRace points os.Stderr at a pipe that copies what it gets to the
// real standard error, less waitRace. done closes the pipe and waits for the
// copy; a report written after that fails on the closed pipe and is lost,
// which is what Exit wants of the goroutine's, the only thing left to write.
func dropWaitRace() (done func()) {
	r, w, err := os.Pipe()
	if err != nil {
		return func() {} // the report may then show: harmless
	}
	stderr := os.Stderr
	os.Stderr = w
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		copyWithout(stderr, r, waitRace)
	}()
	return func() {
		w.Close() // later writes to os.Stderr fail, and are lost
		<-copied
	}
}

// copyWithout copies src to dst until src ends, less every match of re.
// Close writes little, so the whole of it is read before the matches go. A
// failed write to standard error at exit has nowhere to be reported.
func copyWithout(dst io.Writer, src io.Reader, re *regexp.Regexp) {
	b, _ := io.ReadAll(src) // a pipe's read end fails only once closed, which ends the copy as EOF does
	_, _ = dst.Write(re.ReplaceAll(b, nil))
}
