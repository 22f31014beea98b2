package audit

import (
	"context"
	"embed"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

//go:embed sql/*.sql
var sqlFiles embed.FS

// Filter selects rows of the trail. The zero value selects all.
type Filter struct {
	From, To time.Time // at >= From, at < To; zero: open
	Actor    string    // who acted
	People   []string  // any of them acted or is concerned; empty: anyone
	Action   string    // exact, or a prefix ending in "." ("document.")
}

// MaxPage bounds one page of Search.
const MaxPage = 1000

// Search returns up to limit rows matching f, newest first, with ids below
// before (0: from the newest). Pass the last row's id as before to get the
// next page.
func Search(ctx context.Context, db DB, f Filter, before int64, limit int) ([]Record, error) {
	limit = min(max(limit, 1), MaxPage)
	return search(ctx, db, "SearchBackward", f, before, limit)
}

// Each calls fn with every row matching f, oldest first, reading a page at
// a time so that an export of the whole trail needs little memory and no
// long transaction. It stops at fn's first error.
func Each(ctx context.Context, db DB, f Filter, fn func(Record) error) error {
	var after int64
	for {
		page, err := search(ctx, db, "SearchForward", f, after, MaxPage)
		if err != nil {
			return err
		}
		for _, r := range page {
			if err := fn(r); err != nil {
				return err
			}
		}
		if len(page) < MaxPage {
			return nil
		}
		after = page[len(page)-1].ID
	}
}

func search(ctx context.Context, db DB, query string, f Filter, bound int64, limit int) ([]Record, error) {
	q, err := queries()
	if err != nil {
		return nil, err
	}
	rows, err := db.Query(ctx, q.Get(query), timeOrNil(f.From), timeOrNil(f.To), f.Actor, nonNil(f.People), f.Action, bound, limit)
	if err != nil {
		return nil, fmt.Errorf("audit: search: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanRecord)
	if err != nil {
		return nil, fmt.Errorf("audit: search: %w", err)
	}
	return out, nil
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// scanRecord reads the columns of ChainPage and Search.
func scanRecord(row pgx.CollectableRow) (Record, error) {
	var r Record
	var details, data string
	var has bool
	var p Personal
	if err := row.Scan(&r.ID, &r.At, &r.Action, &r.Target, &details, &r.PersonalHash, &r.PrevHash, &r.Hash,
		&has, &p.Actor, &p.Subject, &data, &p.salt); err != nil {
		return r, err
	}
	r.At = r.At.UTC()
	r.Details = []byte(details)
	if has {
		p.Data = []byte(data)
		r.Personal = &p
	}
	return r, nil
}

// nonNil keeps an empty list from reaching SQL as NULL.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
