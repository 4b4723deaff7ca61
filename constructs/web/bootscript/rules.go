package bootscript

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

// DefaultWordPressVersion is the WordPress release the servers install when
// the configuration names none.
const DefaultWordPressVersion = "6.8.3"

var (
	reWordPressVersion = regexp.MustCompile(`^[0-9]+\.[0-9]+(\.[0-9]+)?$`)
	reEmail            = regexp.MustCompile(`^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$`)
)

// CheckWordPressVersion reports a string that is not a WordPress release number.
func CheckWordPressVersion(v string) error {
	if !reWordPressVersion.MatchString(v) {
		return fmt.Errorf("got %q, want a WordPress release such as %s", v, DefaultWordPressVersion)
	}
	return nil
}

// CheckSiteTitle reports a title WordPress cannot be installed with from the
// boot script: any printable text is fine, quotes included, but no "${" or
// "%{", which Terraform would read as its own template syntax.
func CheckSiteTitle(title string) error {
	switch {
	case title == "" || len(title) > 200:
		return fmt.Errorf("got %q, want 1 to 200 characters", title)
	case strings.ContainsFunc(title, unicode.IsControl):
		return fmt.Errorf("got %q, want no control characters such as newlines", title)
	case strings.Contains(title, "${") || strings.Contains(title, "%{"):
		return fmt.Errorf(`got %q, want no "${" or "%%{" (Terraform template syntax)`, title)
	}
	return nil
}

// CheckEmail reports a string that is not an e-mail address: the admin
// user's, the sender's, the alarms' recipients'.
func CheckEmail(email string) error {
	if !reEmail.MatchString(email) {
		return fmt.Errorf("got %q, want an e-mail address such as admin@example.com", email)
	}
	return nil
}
