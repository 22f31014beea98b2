package server

import (
	"encoding/json"
	"io"
	"net/http"
)

// decodeJSON reads a request body of at most limit bytes into v, refusing
// unknown fields, so that a misspelt field is an error naming it rather
// than a silently ignored setting. A body that does not decode is the
// caller's mistake: a 400 saying what the body must be (want, e.g. `with
// a "title"`) and what was wrong. Every handler with a JSON body but the
// OpenAI-compatible API (which takes OpenAI's fields and answers in its
// error format) decodes through here.
func decodeJSON(r *http.Request, limit int64, v any, want string) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, limit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		msg := "the body must be a JSON object"
		if want != "" {
			msg += " " + want
		}
		return errorf(CodeInvalid, msg+": "+err.Error())
	}
	return nil
}
