package audit

import "strings"

// legalHold lists the kinds of event whose personal part (who acted, whom
// it concerned) is never erased: administration (API keys, models, data-
// subject requests), document changes, reads of the trail, retention runs,
// and sign-in and security events should any be recorded. They are the
// record of who did what with the assistant's access, knowledge and
// records, which the city must be able to show for the AI Act's record-
// keeping and GDPR's accountability, and which it needs to establish or
// defend legal claims; GDPR art. 17(3)(b) and (e) exempt them from
// erasure. An entry ending in "." is a prefix, as in Filter.Action.
//
// What erasure removes is the person's own use of the assistant: the
// events of their questions (answer.created) and any other kind not
// listed here. Retention expires only answer.created events.
var legalHold = []string{
	"admin.",    // API keys, model installs, re-embeds, …
	"model.",    // switches of the active models
	"document.", // what the assistant answers from
	"subject.",  // data-subject requests (they name the person by pseudonym)
	"audit.",    // reads of the trail
	"retention.",
	"auth.", // sign-in and access
	"security.",
}

// OnLegalHold reports whether events of action keep their personal part
// when a person they name is erased (see legalHold).
func OnLegalHold(action string) bool {
	for _, h := range legalHold {
		if action == h || strings.HasSuffix(h, ".") && strings.HasPrefix(action, h) {
			return true
		}
	}
	return false
}
