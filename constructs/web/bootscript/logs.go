package bootscript

// LogFile is a server log file the CloudWatch agent ships to a log group.
type LogFile struct {
	// Group is the log group's role, the last part of its name
	// ("/wordpress/<name>/<Group>") and its construct ID before "-log".
	Group string
	// Path is the file on the server.
	Path string
}

// LogFiles are the files shipped, grouped by what a reader looks for: one
// group per kind of log, one stream per server (its instance ID).
var LogFiles = []LogFile{
	{"apache-access", "/var/log/httpd/access_log"},
	{"apache-error", "/var/log/httpd/error_log"},
	{"php-fpm-error", "/var/log/php-fpm/error.log"},
	{"php-fpm-error", "/var/log/php-fpm/www-error.log"},
	{"boot", BootLogPath},
}

// BootLogPath is where the boot script writes its log.
const BootLogPath = "/var/log/wordpress-boot.log"
