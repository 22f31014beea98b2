package sources

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// newWebKind builds a web source from a stored source: its URL and
// allow_remote come from the source's own fields, the rest (max_depth,
// max_pages, max_documents, max_bytes, concurrency, timeout, user_agent)
// from its settings.
func newWebKind(c Config) (Lister, error) {
	var wc WebConfig
	if err := decodeSettings(c.Settings, &wc); err != nil {
		return nil, fmt.Errorf("web source: %w", err)
	}
	wc.URL, wc.AllowRemote, wc.Egress = c.URL, c.AllowRemote, c.Egress
	return NewWeb(wc, c.Client)
}

// newOParlKind builds an OParl source (settings: bodies, meetings,
// modified_since, max_list_pages, max_files, max_bytes, timeout,
// user_agent).
func newOParlKind(c Config) (Lister, error) {
	var oc OParlConfig
	if err := decodeSettings(c.Settings, &oc); err != nil {
		return nil, fmt.Errorf("oparl source: %w", err)
	}
	oc.URL, oc.AllowRemote, oc.Egress = c.URL, c.AllowRemote, c.Egress
	return NewOParl(oc, c.Client)
}

// decodeSettings fills cfg from a source's settings, refusing keys the
// kind does not know (a typo would otherwise be a silently ignored
// limit) and the ones that are the source's own fields. A timeout may be
// given as a duration ("30s").
func decodeSettings(settings map[string]any, cfg any) error {
	m := make(map[string]any, len(settings))
	for k, v := range settings {
		switch k {
		case "url", "allow_remote":
			return fmt.Errorf("settings: %s is a field of the source, not a setting", k)
		case "timeout":
			if s, ok := v.(string); ok {
				d, err := time.ParseDuration(s)
				if err != nil || d <= 0 {
					return fmt.Errorf("settings: timeout: want a duration such as 30s, got %q", s)
				}
				v = int64(d)
			}
		}
		m[k] = v
	}
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(cfg); err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	return nil
}
