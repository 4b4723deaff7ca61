package wordpress

import (
	"os"
	"testing"

	"github.com/wordpress-cdktf/resilient-wordpress/internal/jsiiboot"
)

func TestMain(m *testing.M) {
	jsiiboot.Enable() // before the first jsii call, as in main
	os.Exit(m.Run())
}
