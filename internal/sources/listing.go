package sources

import "errors"

// FailureReporter is implemented by kinds whose listing can lose single
// entries without being incomplete (a dead link on a website, one OParl
// file that cannot be fetched). Failures returns those of the most recent
// List call.
//
// The contract with List, which the web and OParl kinds follow:
//   - List returns (entries, nil) and reports entries it could not read in
//     Failures: a failing leaf does not hold the others back, and pruning
//     goes ahead for everything but the failed keys.
//   - When a failure may hide entries (a page that answered 5xx or timed
//     out may link documents nobody saw; a bound on pages was reached),
//     List returns the entries it has together with an error wrapping
//     ErrIncomplete: the entries are valid and may be ingested, but nothing
//     may be pruned after this listing.
//   - Any other error (the start URL, robots.txt or the OParl system
//     unreachable) comes with no entries.
type FailureReporter interface {
	Failures() []Failure
}

// ErrIncomplete is wrapped by a List error that comes with valid entries
// but without the guarantee that they are all there is.
var ErrIncomplete = errors.New("listing incomplete; nothing is removed after it")

// errListingIncomplete ends a run whose listing was incomplete: what it
// listed was synced, nothing was removed, and the run reports the error.
var errListingIncomplete = errors.New("the listing was incomplete: new and changed entries were synced, nothing was removed")
