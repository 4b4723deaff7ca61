package bootscript

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestUserDataShipsLogs: the CloudWatch agent gets a configuration naming
// every log file and its group, and is started with it.
func TestUserDataShipsLogs(t *testing.T) {
	t.Parallel()
	s := newSandbox(t, testConfig)
	s.mustRun("main")
	var cfg struct {
		Logs struct {
			LogsCollected struct {
				Files struct {
					CollectList []map[string]string `json:"collect_list"`
				} `json:"files"`
			} `json:"logs_collected"`
		} `json:"logs"`
	}
	config := s.path("root/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json")
	if err := json.Unmarshal([]byte(s.read("root/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json")), &cfg); err != nil {
		t.Fatalf("agent configuration is not JSON: %v", err)
	}
	var want []map[string]string
	for _, f := range LogFiles {
		want = append(want, map[string]string{"file_path": f.Path, "log_group_name": testConfig.LogGroupPrefix + "/" + f.Group, "log_stream_name": "{instance_id}"})
	}
	if diff := cmp.Diff(want, cfg.Logs.LogsCollected.Files.CollectList); diff != "" {
		t.Errorf("collected files (-want +got):\n%s", diff)
	}
	if got, want := s.calls("amazon-cloudwatch-agent-ctl"), []string{"amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c file:" + config}; !cmp.Equal(got[:1], want) {
		t.Errorf("agent calls: got %q, want %q at each boot", got, want)
	}
	if !strings.Contains(mustRender(t, testConfig), "\nLOG_FILE='"+BootLogPath+"'\n") {
		t.Errorf("the boot script does not log to %s, the file the agent ships", BootLogPath)
	}
}

// TestUserDataScheduledJobs: WP-Cron is off page loads, and the timer's job
// runs wp-cron.php with the site's host on exactly one of several servers
// that try at once.
func TestUserDataScheduledJobs(t *testing.T) {
	t.Parallel()
	requireTool(t, "php")
	s := newSandbox(t, testConfig)
	s.mustRun("main")

	timer := s.read("root/etc/systemd/system/wordpress-cron.timer")
	service := s.read("root/etc/systemd/system/wordpress-cron.service")
	for _, want := range []string{"\nOnCalendar=minutely\n", "\nWantedBy=timers.target\n"} {
		if !strings.Contains(timer, want) {
			t.Errorf("wordpress-cron.timer lacks %q:\n%s", want, timer)
		}
	}
	for _, want := range []string{"\nType=oneshot\n", "\nExecStart=" + s.path("root/usr/local/sbin/wordpress-cron") + "\n", "\nRequiresMountsFor=" + s.webDir + "\n"} {
		if !strings.Contains(service, want) {
			t.Errorf("wordpress-cron.service lacks %q:\n%s", want, service)
		}
	}
	shellcheck(t, s.read("root/usr/local/sbin/wordpress-cron"))

	// A wp-cron.php that records who ran it, and for which host, then holds
	// the lock until the test lets it go: the other servers try while it
	// runs, whatever the machine's speed.
	s.write(webRoot+"/wp-cron.php", `<?php
file_put_contents(getenv('T') . '/cron-runs', $_SERVER['HTTP_HOST'] . ' ' . $_SERVER['HTTP_X_FORWARDED_PROTO'] . "\n", FILE_APPEND | LOCK_EX);
while (!file_exists(getenv('T') . '/cron-release')) {
    usleep(10000);
}
`, 0o644)
	job := func() string {
		// The installed job, as the timer runs it on each server.
		out, err := s.command("bash", s.path("root/usr/local/sbin/wordpress-cron")).CombinedOutput()
		if err != nil {
			t.Errorf("wordpress-cron: %v\n%s", err, out)
		}
		return string(out)
	}
	outs := make([]string, 3)
	first := make(chan struct{})
	go func() {
		defer close(first)
		outs[0] = job()
	}()
	for !s.exists("cron-runs") { // the first server holds the lock
		select {
		case <-first:
			t.Fatalf("the first run ended before running wp-cron.php:\n%s", outs[0])
		case <-time.After(10 * time.Millisecond):
		}
	}
	outs[1], outs[2] = job(), job()
	s.write("cron-release", "", 0o644)
	<-first
	host := strings.TrimPrefix(testConfig.SiteURL, "http://")
	if got, want := s.read("cron-runs"), host+" http\n"; got != want {
		t.Errorf("wp-cron.php runs: got %q, want exactly one, for %q", got, want)
	}
	if skipped := strings.Count(strings.Join(outs, ""), "another server is running the scheduled jobs"); skipped != 2 {
		t.Errorf("got %d servers skipping, want 2:\n%s", skipped, strings.Join(outs, "\n"))
	}
	// The lock is free again: the next minute runs.
	if out, err := s.command("bash", s.path("root/usr/local/sbin/wordpress-cron")).CombinedOutput(); err != nil {
		t.Fatalf("wordpress-cron: %v\n%s", err, out)
	}
	if n := strings.Count(s.read("cron-runs"), "\n"); n != 2 {
		t.Errorf("after a second minute, wp-cron.php ran %d times, want 2", n)
	}
}

// TestUserDataTurnsWPCronOffInOlderConfigs: a wp-config.php written before
// WP-Cron moved to the timer gets DISABLE_WP_CRON once, before WordPress
// loads; one that sets it itself is left alone.
func TestUserDataTurnsWPCronOffInOlderConfigs(t *testing.T) {
	t.Parallel()
	s := newSandbox(t, testConfig)
	const older = "<?php\ndefine('DB_NAME', 'wordpress');\nrequire_once ABSPATH . 'wp-settings.php';\n"
	s.write(wpConfig, older, 0o640)
	s.mustRun("disable_page_load_cron")
	s.mustRun("disable_page_load_cron")
	want := "<?php\ndefine('DB_NAME', 'wordpress');\ndefine('DISABLE_WP_CRON', true);\nrequire_once ABSPATH . 'wp-settings.php';\n"
	if diff := cmp.Diff(want, s.read(wpConfig)); diff != "" {
		t.Errorf("wp-config.php (-want +got):\n%s", diff)
	}
	if _, err := exec.LookPath("php"); err == nil {
		if out, err := s.command("php", "-l", s.path(wpConfig)).CombinedOutput(); err != nil {
			t.Errorf("php -l: %v\n%s", err, out)
		}
	}
	own := "<?php\ndefine( 'DISABLE_WP_CRON', false );\nrequire_once ABSPATH . 'wp-settings.php';\n"
	s.write(wpConfig, own, 0o640)
	s.mustRun("disable_page_load_cron")
	if got := s.read(wpConfig); got != own {
		t.Errorf("a wp-config.php that sets DISABLE_WP_CRON itself changed:\n%s", got)
	}
}

// TestUserDataMail: with a sender, WordPress's PHPMailer hands each message
// to a sendmail stand-in that sends it through SES with the AWS CLI (the
// instance role: no password anywhere); without one, the script carries no
// mail code and takes the plugin away again.
func TestUserDataMail(t *testing.T) {
	t.Parallel()
	c := testConfig
	c.MailFrom = "wordpress@example.com"
	script := mustRender(t, c)
	shellcheck(t, script)
	var b bytes.Buffer
	gz := gzip.NewWriter(&b)
	gz.Write([]byte(script))
	gz.Close()
	// The mail code is only in the scripts of stacks with mail_from; they
	// still leave a fifth of EC2's 16384 bytes free.
	if n, limit := b.Len(), 16384*4/5; n > limit {
		t.Errorf("gzipped script with mail is %d bytes, want at most %d", n, limit)
	}
	if strings.Contains(mustRender(t, testConfig), "sesv2") {
		t.Errorf("the script without mail_from carries the mail code")
	}

	s := newSandbox(t, c)
	s.mustRun("main")
	plugin := s.read(webRoot + "/wp-content/mu-plugins/wordpress-boot-mail.php")
	sendmail := s.path("root/usr/local/sbin/wordpress-ses-sendmail")
	for _, want := range []string{
		"add_filter('wp_mail_from', function () { return 'wordpress@example.com'; });",
		"$mailer->isSendmail();",
		"$mailer->Sendmail = '" + sendmail + "';",
	} {
		if !strings.Contains(plugin, want) {
			t.Errorf("mail plugin lacks %q:\n%s", want, plugin)
		}
	}
	if _, err := exec.LookPath("php"); err == nil {
		if out, err := s.command("php", "-l", s.path(webRoot+"/wp-content/mu-plugins/wordpress-boot-mail.php")).CombinedOutput(); err != nil {
			t.Errorf("php -l: %v\n%s", err, out)
		}
	}
	shellcheck(t, s.read("root/usr/local/sbin/wordpress-ses-sendmail"))

	// PHPMailer runs "<Sendmail> -oi -f<sender> -t" with the message on stdin.
	const message = "To: someone@example.org\r\nFrom: wordpress@example.com\r\nSubject: Password reset\r\n\r\nHello\r\n"
	cmd := s.command("bash", sendmail, "-oi", "-fwordpress@example.com", "-t")
	cmd.Stdin = strings.NewReader(message)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sendmail stand-in: %v\n%s", err, out)
	}
	if got := s.read("sent-mail"); got != message {
		t.Errorf("SES got %q, want the message as PHPMailer wrote it", got)
	}
	calls := s.calls("aws sesv2")
	if len(calls) != 1 || !strings.HasPrefix(calls[0], "aws sesv2 send-email --region us-east-1 --from-email-address wordpress@example.com --content Raw={Data=fileb://") {
		t.Errorf("SES calls: %q, want one raw send from the configured address", calls)
	}

	// Mail turned off: the next boot takes the plugin away.
	s.write("userdata-nomail.sh", mustRender(t, testConfig), 0o755)
	cmd = s.command("bash", s.path("harness.sh"), "main")
	cmd.Env = append(cmd.Env, "USERDATA="+s.path("userdata-nomail.sh"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("boot without mail: %v\n%s", err, out)
	}
	if s.exists(webRoot + "/wp-content/mu-plugins/wordpress-boot-mail.php") {
		t.Errorf("the mail plugin outlived mail_from")
	}
}
