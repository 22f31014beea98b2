package auth

import (
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"
)

// MaxUserNameBytes bounds a user name: directory names and e-mail
// addresses are far shorter; a longer one is an error, not a person.
const MaxUserNameBytes = 256

// ErrInvalidUserName is wrapped by CheckUserName's errors.
var ErrInvalidUserName = errors.New("invalid user name")

// CheckUserName is the one rule for user names, whatever their source
// (proxy header, OpenID Connect claim, development user, API key) and
// for routes that name a user (data-subject requests, API keys): not
// empty, valid UTF-8, no control characters (NUL, line breaks, escape
// sequences), at most MaxUserNameBytes. A name that breaks it would be
// stored mangled (U+FFFD), refused by PostgreSQL, or forge log lines.
// name is expected trimmed of spaces already.
func CheckUserName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%w: empty", ErrInvalidUserName)
	case len(name) > MaxUserNameBytes:
		return fmt.Errorf("%w: longer than %d bytes", ErrInvalidUserName, MaxUserNameBytes)
	case !utf8.ValidString(name):
		return fmt.Errorf("%w: not valid UTF-8", ErrInvalidUserName)
	}
	for _, r := range name {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return fmt.Errorf("%w: contains the control character %U", ErrInvalidUserName, r)
		}
	}
	return nil
}
