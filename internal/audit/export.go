package audit

import (
	"context"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"
)

// Entry is a row as auditors see it, in JSON and CSV exports and the API.
type Entry struct {
	ID      int64           `json:"id"`
	At      time.Time       `json:"at"`
	Action  string          `json:"action"`
	Target  string          `json:"target"`
	Details json.RawMessage `json:"details"`
	Actor   *string         `json:"actor"` // null once erased or expired
	Subject string          `json:"subject,omitempty"`
	// Personal is the erasable part (e.g. the question); null once gone.
	Personal     json.RawMessage `json:"personal"`
	PersonalHash string          `json:"personal_hash,omitempty"`
	PrevHash     string          `json:"prev_hash"`
	Hash         string          `json:"hash"`
}

// EntryOf returns r as auditors see it.
func EntryOf(r Record) Entry {
	e := Entry{ID: r.ID, At: r.At, Action: r.Action, Target: r.Target, Details: r.Details, Personal: json.RawMessage("null"),
		PersonalHash: hex.EncodeToString(r.PersonalHash), PrevHash: hex.EncodeToString(r.PrevHash), Hash: hex.EncodeToString(r.Hash)}
	if r.Personal != nil {
		actor := r.Personal.Actor
		e.Actor, e.Subject, e.Personal = &actor, r.Personal.Subject, r.Personal.Data
	}
	return e
}

// CSVHeader is the column order of CSV exports. With at in RFC 3339 at
// microsecond precision, each row's hash can be recomputed from its
// columns (see computeHash), after dropping the quote CSVCell may have
// put in front of a cell.
var CSVHeader = []string{"id", "at", "action", "target", "details", "actor", "subject", "personal", "personal_hash", "prev_hash", "hash"}

// Export writes the rows matching f, oldest first, to w as "csv" or as a
// "json" array, reading a page at a time. It returns how many rows it
// wrote; on an error the output is cut short.
func Export(ctx context.Context, db DB, w io.Writer, f Filter, format string) (int, error) {
	n := 0
	switch format {
	case "csv":
		cw := csv.NewWriter(w)
		if err := cw.Write(CSVHeader); err != nil {
			return 0, fmt.Errorf("audit: export: %w", err)
		}
		err := Each(ctx, db, f, func(r Record) error {
			e := EntryOf(r)
			actor := ""
			if e.Actor != nil {
				actor = *e.Actor
			}
			n++
			row := []string{strconv.FormatInt(e.ID, 10), e.At.Format(time.RFC3339Nano), e.Action, e.Target,
				string(e.Details), actor, e.Subject, string(e.Personal), e.PersonalHash, e.PrevHash, e.Hash}
			for i := range row {
				row[i] = CSVCell(row[i])
			}
			return cw.Write(row)
		})
		cw.Flush()
		if err == nil {
			err = cw.Error()
		}
		if err != nil {
			return n, fmt.Errorf("audit: export: %w", err)
		}
		return n, nil
	case "json":
		if _, err := io.WriteString(w, "["); err != nil {
			return 0, fmt.Errorf("audit: export: %w", err)
		}
		enc := json.NewEncoder(w)
		err := Each(ctx, db, f, func(r Record) error {
			if n > 0 {
				if _, err := io.WriteString(w, ","); err != nil {
					return err
				}
			}
			n++
			return enc.Encode(EntryOf(r))
		})
		if err == nil {
			_, err = io.WriteString(w, "]\n")
		}
		if err != nil {
			return n, fmt.Errorf("audit: export: %w", err)
		}
		return n, nil
	default:
		return 0, fmt.Errorf("audit: export format %q: want csv or json", format)
	}
}

// CSVCell neutralises a cell that a spreadsheet would run as a formula
// (CSV injection: a user named "=HYPERLINK(...)" opened in Excel or
// LibreOffice). As OWASP recommends, a cell starting with = + - @, a tab
// or a carriage return gets a single quote in front, which makes it
// text. A cell that already starts with a quote gets one too, so that the
// rule can be undone exactly: a cell starting with a quote lost none of
// its characters but that first one. Every CSV the assistant writes
// passes its cells through here.
func CSVCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r', '\'':
		return "'" + s
	}
	return s
}
