package edge

// How CloudFront treats each part of a WordPress site. Plain Go, apart from
// any construct, so the rules read as one table.

// Caching is what a cache behaviour does with responses.
type Caching int

const (
	// Never: CloudFront forwards every request with all its cookies,
	// headers and query strings and stores nothing (managed policies
	// CachingDisabled and AllViewer).
	Never Caching = iota
	// Static: long-lived files, cached for days; no cookies reach the
	// origin, so the origin answers as to an anonymous visitor.
	Static
	// Pages: the default behaviour. Anonymous visitors share copies for a
	// few minutes; WordPress's login, post password and comment author
	// cookies are part of the cache key, so a visitor carrying one never
	// gets another visitor's copy, and the web servers mark such responses
	// uncacheable.
	Pages
)

// Behaviour is one ordered cache behaviour: CloudFront uses the first whose
// path pattern matches, else the default (Pages).
type Behaviour struct {
	PathPattern string
	Caching     Caching
}

// Behaviours are the ordered cache behaviours, most specific first.
var Behaviours = []Behaviour{
	// The dashboard, admin-ajax.php and the REST API (the block editor
	// authenticates there with a cookie and an X-WP-Nonce header).
	{"/wp-admin/*", Never},
	{"/wp-json/*", Never},
	// Log-in, log-out, password reset and post passwords.
	{"/wp-login.php", Never},
	// XML-RPC: remote publishing and pingbacks, always authenticated or
	// state-changing.
	{"/xmlrpc.php", Never},
	// Themes, plugins and uploads; core scripts and styles. WordPress adds
	// ?ver= to the URLs it prints, so the query string is in the key.
	{"/wp-content/*", Static},
	{"/wp-includes/*", Static},
}

// AuthCookies are the WordPress cookies that make a response personal:
// logged-in users (and the admin bar they see), readers of
// password-protected posts, and commenters whose name and e-mail WordPress
// fills in. The default behaviour keys its cache on them and forwards them.
var AuthCookies = []string{"wordpress_logged_in_*", "wp-postpass_*", "comment_author_*"}

// TTLs in seconds.
const (
	// Pages are cached briefly: a published change shows within this.
	PagesDefaultTTL = 300
	PagesMaxTTL     = 3600
	// Static files are cached long; a changed file gets a new ?ver=.
	StaticDefaultTTL = 7 * 24 * 3600
	StaticMaxTTL     = 365 * 24 * 3600
)

// AWS-managed CloudFront policies, by their fixed IDs (the same in every
// account): referring to them needs no lookup at plan time.
const (
	ManagedCachingDisabled       = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
	ManagedAllViewer             = "216adef6-5c7f-47e4-b989-5492eafa07d3"
	ManagedSecurityHeadersPolicy = "67f7725c-6f97-4210-82d7-5512b31e9d03"
)
