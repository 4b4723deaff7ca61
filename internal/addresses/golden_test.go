package addresses_test

// Accepts -update, which go test ./... -update passes to every test binary:
// the golden files live at the top of the module.
import _ "github.com/wordpress-cdktf/resilient-wordpress/internal/golden"
