package ingest

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"text/tabwriter"
)

// WriteJSON writes the report as one JSON object.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteSummary writes the human summary: the counts, then every failure
// with its reason, so that a knowledge manager knows what to fix.
func (r *Report) WriteSummary(w io.Writer) {
	verb := ""
	if r.DryRun {
		verb = " (dry run: nothing was written)"
	}
	fmt.Fprintf(w, "\nIngest finished in %.1fs%s: %d added, %d updated, %d unchanged, %d removed, %d failed; %d pages, %d chunks.\n",
		r.Duration, verb, r.Added, r.Updated, r.Unchanged, r.Removed, r.Failed, r.Pages, r.Chunks)
	if r.Changes() == 0 && r.Failed == 0 && !r.DryRun {
		fmt.Fprintln(w, "Nothing changed: every document is up to date.")
	}
	var failed []FileResult
	for _, f := range r.Files {
		if f.Status == StatusFailed {
			failed = append(failed, f)
		}
	}
	if len(failed) == 0 {
		return
	}
	sort.Slice(failed, func(i, j int) bool { return failed[i].Path < failed[j].Path })
	fmt.Fprintf(w, "\nFailed files (%d):\n", len(failed))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, f := range failed {
		fmt.Fprintf(tw, "  %s\t%s\n", f.Path, f.Reason)
	}
	tw.Flush()
}
