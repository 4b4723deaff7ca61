package jsiiboot

// DirectRuntime is the JSII_RUNTIME Enable sets to start the kernel saved in
// slot without jsii's wrapper. Test binaries carry no module versions to key
// the slot by, so the synth test saves and starts one explicitly.
func DirectRuntime(slot string) string {
	node, _ := nodeFor(osEnv{}, cacheRoot(osEnv{}))
	return directCommand(node, slot+"/program.js")
}
