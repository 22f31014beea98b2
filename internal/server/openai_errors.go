package server

import (
	"errors"
	"net/http"
	"strings"
)

// The OpenAI-compatible API (/v1/...) answers errors in OpenAI's shape,
// {"error":{"message","type","param","code"}}, because its clients (the
// openai libraries, Open WebUI, LibreChat) read only that. The text still
// comes from clientError and is logged in writeError, so an internal error
// is logged once and never sent, whichever shape it goes out in.

// openAIPrefix is the path under which errors take OpenAI's shape; it
// covers what the middleware refuses too (no identity, cross-origin).
const openAIPrefix = "/v1/"

func isOpenAI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, openAIPrefix) }

// paramError is a client error about one request field, with the code
// OpenAI gives it ("model_not_found"); clientError sees the *Error inside.
type paramError struct {
	err   *Error
	Param string
	// OpenAICode is OpenAI's code for the error; "" sends null.
	OpenAICode string
}

func (e *paramError) Error() string { return e.err.Error() }
func (e *paramError) Unwrap() error { return e.err }

func invalidParam(param, msg string) error {
	return &paramError{err: errorf(CodeInvalid, msg), Param: param}
}

// openAIType is OpenAI's error type for each of our codes.
var openAIType = map[string]string{
	CodeInvalid:         "invalid_request_error",
	CodeUnauthenticated: "authentication_error",
	CodeForbidden:       "permission_error",
	CodeNotFound:        "invalid_request_error",
	CodeMisdirected:     "invalid_request_error",
	CodeGone:            "invalid_request_error",
	CodeRateLimited:     "requests",
	CodeUnavailable:     "server_error",
	CodeInternal:        "server_error",
}

type openAIErrorDetail struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    *string `json:"code"`
}

// openAIError is the body of an OpenAI error reply for ce, the client's
// view of err; err supplies the parameter and OpenAI code when it has
// them.
func openAIError(err error, ce *Error) map[string]openAIErrorDetail {
	d := openAIErrorDetail{Message: ce.Message, Type: openAIType[ce.Code]}
	if d.Type == "" {
		d.Type = "server_error"
	}
	code := ce.Code
	var pe *paramError
	if errors.As(err, &pe) {
		if pe.Param != "" {
			d.Param = &pe.Param
		}
		if pe.OpenAICode != "" {
			code = pe.OpenAICode
		}
	}
	switch ce.Code {
	case CodeUnauthenticated:
		code = "invalid_api_key" // what OpenAI clients expect for a 401
	case CodeRateLimited:
		code = "rate_limit_exceeded" // what OpenAI clients retry on
	}
	d.Code = &code
	return map[string]openAIErrorDetail{"error": d}
}
