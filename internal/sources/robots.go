package sources

import (
	"bufio"
	"bytes"
	"strconv"
	"strings"
	"time"
)

// robots holds the rules of a robots.txt (RFC 9309) that apply to one
// crawler: the groups naming it, or else the "*" groups.
type robots struct {
	rules []robotsRule
	// delay is the group's Crawl-delay (not in the RFC, but widely used),
	// capped at maxCrawlDelay: the pause between two requests.
	delay time.Duration
}

// maxCrawlDelay caps a Crawl-delay: 500 pages at 5 s is 40 minutes.
const maxCrawlDelay = 5 * time.Second

type robotsRule struct {
	allow   bool
	pattern string // a path prefix with * wildcards, $ anchoring the end
}

// parseRobots keeps the rules for agent (a product token, such as
// "Civitas"), matched case-insensitively. Lines it does not understand
// are skipped, as the RFC asks.
func parseRobots(data []byte, agent string) *robots {
	agent = strings.ToLower(agent)
	var mine, star []robotsRule
	var mineDelay, starDelay time.Duration
	var foundMine bool
	var groupAgents []string // user-agents of the group being read
	inRules := false         // a rule line ends the user-agent lines of a group
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 64*1024)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		key, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		key = strings.ToLower(strings.TrimSpace(key))
		value = strings.TrimSpace(value)
		switch key {
		case "user-agent":
			if inRules {
				groupAgents, inRules = nil, false
			}
			groupAgents = append(groupAgents, strings.ToLower(value))
		case "crawl-delay":
			inRules = true
			secs, err := strconv.ParseFloat(value, 64)
			if err != nil || secs <= 0 {
				continue
			}
			d := min(time.Duration(secs*float64(time.Second)), maxCrawlDelay)
			for _, a := range groupAgents {
				if a == "*" {
					starDelay = d
				} else if a != "" && strings.Contains(agent, a) {
					mineDelay = d
				}
			}
		case "allow", "disallow":
			inRules = true
			if value == "" {
				continue // "Disallow:" with nothing allows everything
			}
			r := robotsRule{allow: key == "allow", pattern: value}
			for _, a := range groupAgents {
				switch {
				case a == "*":
					star = append(star, r)
				case a != "" && strings.Contains(agent, a):
					mine = append(mine, r)
					foundMine = true
				}
			}
		}
	}
	if foundMine || hasAgent(data, agent) {
		return &robots{rules: mine, delay: mineDelay}
	}
	return &robots{rules: star, delay: starDelay}
}

// hasAgent reports whether a group names agent even with no rules, which
// still means "this crawler may fetch everything".
func hasAgent(data []byte, agent string) bool {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 64*1024)
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.EqualFold(strings.TrimSpace(key), "user-agent") {
			v, _, _ := strings.Cut(value, "#")
			if v = strings.ToLower(strings.TrimSpace(v)); v != "" && v != "*" && strings.Contains(agent, v) {
				return true
			}
		}
	}
	return false
}

// allowed decides for a path (with its query): the longest matching rule
// wins, and Allow wins a tie. /robots.txt itself is always allowed.
func (r *robots) allowed(path string) bool {
	if r == nil || path == "/robots.txt" {
		return true
	}
	best, allow := -1, true
	for _, rule := range r.rules {
		if !robotsMatch(rule.pattern, path) {
			continue
		}
		if n := len(rule.pattern); n > best || n == best && rule.allow {
			best, allow = n, rule.allow
		}
	}
	return allow
}

// robotsMatch matches a pattern where * is any run of characters and a
// final $ anchors the end; otherwise the pattern is a prefix.
func robotsMatch(pattern, path string) bool {
	anchored := strings.HasSuffix(pattern, "$")
	pattern = strings.TrimSuffix(pattern, "$")
	parts := strings.Split(pattern, "*")
	if !strings.HasPrefix(path, parts[0]) {
		return false
	}
	rest := path[len(parts[0]):]
	for i, p := range parts[1:] {
		last := i == len(parts)-2
		if last && anchored {
			return strings.HasSuffix(rest, p)
		}
		j := strings.Index(rest, p)
		if j < 0 {
			return false
		}
		rest = rest[j+len(p):]
	}
	return !anchored || rest == "" || len(parts) > 1 && parts[len(parts)-1] == ""
}
