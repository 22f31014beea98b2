package sources

import (
	"testing"
	"time"
)

// TestRobotsRules checks the RFC 9309 rules the web kind relies on:
// group choice, longest match, Allow winning ties, wildcards and $.
func TestRobotsRules(t *testing.T) {
	const txt = `# city site
User-agent: *
Disallow: /

User-agent: Googlebot
User-agent: civitas   # case does not matter
Disallow: /intern/
Allow: /intern/public
Disallow: /*.pdf$
Allow: /docs/*.pdf$
Disallow: /search?
Disallow: /tie
Allow: /tie
Disallow:
`
	r := parseRobots([]byte(txt), "Civitas")
	cases := map[string]bool{
		"/":                     true, // the Civitas group replaces the * group
		"/robots.txt":           true,
		"/intern/":              false,
		"/intern/a.html":        false,
		"/intern/public.html":   true, // longer Allow wins
		"/files/plan.pdf":       false,
		"/files/plan.pdf?x=1":   true, // $ anchors the end
		"/docs/plan.pdf":        true,
		"/search?q=haushalt":    false,
		"/search":               true,
		"/tie":                  true, // equal length: Allow wins
		"/internal-news.html":   true,
		"/intern":               true,
		"/docs/sub/bericht.pdf": true,
	}
	for p, want := range cases {
		if got := r.allowed(p); got != want {
			t.Errorf("allowed(%q) = %v, want %v", p, got, want)
		}
	}
	other := parseRobots([]byte(txt), "OtherBot")
	if other.allowed("/about.html") {
		t.Error("a crawler without its own group must follow the * group")
	}
	empty := parseRobots([]byte("User-agent: *\nDisallow: /\n\nUser-agent: Civitas\n"), "Civitas")
	if !empty.allowed("/x") {
		t.Error("a group naming Civitas without rules allows everything")
	}
	for txt, want := range map[string]time.Duration{
		"User-agent: *\nCrawl-delay: 9\nUser-agent: Civitas\nCrawl-delay: 0.5\n": 500 * time.Millisecond,
		"User-agent: *\nCrawl-delay: 2\n":                                        2 * time.Second,
		"User-agent: Civitas\nCrawl-delay: 3600\n":                               maxCrawlDelay,
		"User-agent: Civitas\nCrawl-delay: soon\n":                               0,
	} {
		if got := parseRobots([]byte(txt), "Civitas").delay; got != want {
			t.Errorf("Crawl-delay of %q = %s, want %s", txt, got, want)
		}
	}
	if !parseRobots([]byte("garbage\x00\nDisallow /x\n"), "Civitas").allowed("/x") {
		t.Error("lines that are not rules must be ignored")
	}
}
