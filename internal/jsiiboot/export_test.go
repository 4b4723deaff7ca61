package jsiiboot

import "path/filepath"

// RuntimeSlot is where the wrapper saves this binary's kernel for direct
// starts.
func RuntimeSlot() string {
	dir, err := CacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "runtime-"+jsiiRuntimeID())
}
