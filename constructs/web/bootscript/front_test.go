package bootscript

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// cacheConfig is testConfig behind CloudFront, with a domain and an object cache.
func cacheConfig() Config {
	c := testConfig
	c.SiteURL, c.PinSiteURL = "https://www.example.com", true
	c.BehindCDN = true
	c.CacheHost = "master.wordpress-prod-cache.abcdef.use1.cache.amazonaws.com"
	c.CachePort = 6379
	return c
}

// TestUserDataFront runs configure_front and loads what it writes with the
// real PHP, as php-fpm would before every script.
func TestUserDataFront(t *testing.T) {
	t.Parallel()
	requireTool(t, "php")
	tests := []struct {
		name string
		c    Config
		want map[string]any
	}{
		{"no front", testConfig, map[string]any{"https": nil, "home": nil, "redis": nil}},
		{"domain on the load balancer", func() Config {
			c := testConfig
			c.SiteURL, c.PinSiteURL = "https://www.example.com", true
			return c
		}(), map[string]any{"https": nil, "home": "https://www.example.com", "redis": nil}},
		{"cloudfront and cache", cacheConfig(), map[string]any{
			"https": "on", "home": "https://www.example.com",
			"redis": []any{"predis", "tls", "master.wordpress-prod-cache.abcdef.use1.cache.amazonaws.com", 6379.0, true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSandbox(t, tt.c)
			s.mustRun("configure_front")
			first := s.snapshot()
			s.mustRun("configure_front")
			if diff := cmp.Diff(first, s.snapshot()); diff != "" {
				t.Errorf("second run changed files (-want +got):\n%s", diff)
			}
			ini := s.read("root/etc/php.d/91-wordpress-front.ini")
			if ini != "auto_prepend_file="+s.path("root/etc/wordpress/front.php")+"\n" {
				t.Errorf("php.d: got %q, want auto_prepend_file of front.php", ini)
			}
			code := `echo json_encode([
				"https" => $_SERVER["HTTPS"] ?? null,
				"home" => defined("WP_HOME") && WP_HOME === WP_SITEURL ? WP_HOME : null,
				"redis" => defined("WP_REDIS_HOST") ? [WP_REDIS_CLIENT, WP_REDIS_SCHEME, WP_REDIS_HOST, WP_REDIS_PORT, WP_REDIS_GRACEFUL] : null,
			]);`
			// A script file: PHP prepends nothing to -r code.
			s.write("probe.php", "<?php\n"+code+"\n", 0o644)
			out, err := exec.Command("php", "-n", "-c", s.path("root/etc/php.d/91-wordpress-front.ini"), s.path("probe.php")).CombinedOutput()
			if err != nil {
				t.Fatalf("php: %v\n%s", err, out)
			}
			var got map[string]any
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("php printed %q: %v", out, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("what WordPress sees (-want +got):\n%s", diff)
			}
		})
	}
}

// pluginZip is a stand-in for the Redis Object Cache release zip.
func pluginZip(t *testing.T, withDropin bool) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	files := map[string]string{"redis-cache/redis-cache.php": "<?php\n// Plugin Name: Redis Object Cache\n"}
	if withDropin {
		files["redis-cache/includes/object-cache.php"] = "<?php\n// Redis Object Cache Drop-In\n"
	}
	for name, body := range files {
		f, err := w.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestUserDataObjectCache: the drop-in is installed once, only as the
// pinned and verified release, never over someone else's, and removed when
// the stack drops the cache; whatever fails, the site is still set up.
func TestUserDataObjectCache(t *testing.T) {
	t.Parallel()
	requireTool(t, "python3")
	const (
		dropin = webRoot + "/wp-content/object-cache.php"
		marker = webRoot + "/.wp-private/object-cache-version"
		plugin = webRoot + "/wp-content/plugins/redis-cache/redis-cache.php"
	)
	good := pluginZip(t, true)
	sum := sha256.Sum256(good)
	tests := []struct {
		name          string
		zip           []byte // served at the pinned URL; nil: 404
		sha           string // pinned checksum; "" is the zip's own
		before        map[string]string
		wantDropin    string // "" means none
		wantDownloads int    // of the plugin, over two boots
	}{
		{name: "verified release", zip: good, wantDropin: "<?php\n// Redis Object Cache Drop-In\n", wantDownloads: 1},
		{name: "checksum mismatch", zip: good, sha: strings.Repeat("0", 64), wantDownloads: 2},
		{name: "download fails", wantDownloads: 4}, // two attempts a boot in the sandbox
		{name: "release without the drop-in", zip: pluginZip(t, false), sha: func() string { s := sha256.Sum256(pluginZip(t, false)); return hex.EncodeToString(s[:]) }(), wantDownloads: 2},
		{name: "someone else's drop-in", zip: good, before: map[string]string{
			"wp-config.php":               "<?php // the site's own config\n",
			"wp-includes/version.php":     "<?php $wp_version = '6.8.3';\n",
			"wp-content/object-cache.php": "<?php // another cache plugin's drop-in\n",
		}, wantDropin: "<?php // another cache plugin's drop-in\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSandbox(t, cacheConfig())
			if tt.zip != nil {
				s.write("www/redis-cache.2.7.0.zip", string(tt.zip), 0o644)
			}
			sha := tt.sha
			if sha == "" {
				sha = hex.EncodeToString(sum[:])
			}
			for name, body := range tt.before {
				s.write(webRoot+"/"+name, body, 0o644)
			}
			boot := "OBJECT_CACHE_PLUGIN_SHA256=" + sha + "; with_install_lock setup_site"
			s.mustRun("eval", boot)
			s.mustRun("eval", boot)
			if !s.exists(version) || !s.exists(wpConfig) {
				t.Errorf("site not set up")
			}
			got := ""
			if s.exists(dropin) {
				got = s.read(dropin)
			}
			if got != tt.wantDropin {
				t.Errorf("drop-in: got %q, want %q", got, tt.wantDropin)
			}
			if tt.wantDropin != "" && tt.before == nil && (!s.exists(plugin) || s.read(marker) != "2.7.0\n") {
				t.Errorf("plugin or version marker missing")
			}
			n := 0
			for _, c := range s.calls("curl") {
				if strings.Contains(c, "redis-cache") {
					n++
				}
			}
			if n != tt.wantDownloads {
				t.Errorf("plugin downloads over two boots: got %d, want %d", n, tt.wantDownloads)
			}
		})
	}

	t.Run("cache dropped", func(t *testing.T) {
		t.Parallel()
		s := newSandbox(t, cacheConfig())
		s.write("www/redis-cache.2.7.0.zip", string(good), 0o644)
		s.mustRun("eval", "OBJECT_CACHE_PLUGIN_SHA256="+hex.EncodeToString(sum[:])+"; with_install_lock setup_site")
		if !s.exists(dropin) {
			t.Fatal("drop-in not installed")
		}
		s.mustRun("eval", "CACHE_HOST=; with_install_lock setup_site")
		if s.exists(dropin) || s.exists(marker) {
			t.Errorf("drop-in or marker left behind after the cache is gone")
		}
	})
}
