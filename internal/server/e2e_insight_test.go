package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/civitas-eu/civitas/internal/auth"
)

// TestBrowserInsightPages: the feedback-and-gaps, usage and transparency
// pages in a real browser, as a development user who is knowledge
// manager and admin. A thumbs-down answer shows in the review and is
// handled there; the questions no document answers are listed; the
// metadata form says when the server has no document library; the
// dashboard counts answers;
// the transparency record's fields are saved. axe-core checks each page
// (no serious or critical violation); screenshots insight.png,
// usage.png and transparency.png.
func TestBrowserInsightPages(t *testing.T) {
	ctx := browser(t)
	dir := artifacts(t)
	staff := "km-" + newCollection()
	b := setup(t, setupOpts{auth: auth.Config{DevUser: staff, DevGroups: []string{auth.GroupKnowledgeManager, auth.GroupAdmin}}})
	b.ingestFiles(t, nil, map[string]string{"bewohnerparken.md": parkingDoc})
	db := b.store.DB()
	bg := context.Background()
	var doc, conv, down int64
	if err := db.QueryRow(bg, `SELECT d.id FROM documents d JOIN collections c ON c.id = d.collection_id WHERE c.name = $1`, b.collection).Scan(&doc); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(bg, "INSERT INTO conversations (user_name) VALUES ($1) RETURNING id", staff).Scan(&conv); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = db.Exec(context.Background(), "DELETE FROM conversations WHERE id = $1", conv) })
	src := fmt.Sprintf(`[{"n": 1, "document_id": %d, "title": "Bewohnerparken", "snippet": "Ein Bewohnerparkausweis kostet 90 Euro."}]`, doc)
	if err := db.QueryRow(bg, `INSERT INTO answers (conversation_id, user_name, question, answer, mode, sources, chat_model, total_ms)
		VALUES ($1, $2, 'Was kostet der Bewohnerparkausweis?', 'Er kostet 60 Euro [1].', 'answer', $3::jsonb, 'chat', 900) RETURNING id`,
		conv, staff, src).Scan(&down); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(bg, `INSERT INTO answer_feedback (answer_id, user_name, rating, comment) VALUES ($1, $2, 'down', 'Der Preis stimmt nicht')`, down, staff); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"Wann wird Sperrmüll abgeholt?", "Wie melde ich Sperrmüll an?", "Was kostet Sperrmüll?"} {
		if _, err := db.Exec(bg, `INSERT INTO answers (conversation_id, user_name, question, mode) VALUES ($1, $2, $3, 'not_covered')`, conv, staff, q); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("feedback and gaps", func(t *testing.T) {
		openPage(t, ctx, b.url+"/insight")
		step(t, ctx, "filter by the collection", chromedp.SetValue(chromedp.CSS("#feedback-collection"), b.collection),
			chromedp.Click(chromedp.CSS(`#feedback-form button[type=submit]`)))
		waitFor(t, ctx, "the thumbs-down answer", `[...document.querySelectorAll('#feedback-list h3')].some(h => h.textContent === 'Was kostet der Bewohnerparkausweis?')`, 10*time.Second)
		waitFor(t, ctx, "the Sperrmüll gap", `[...document.querySelectorAll('#gaps-body th')].some(th => th.textContent === 'sperrmüll')`, 10*time.Second)
		// The shared database holds other tests' questions too: the
		// summary names the largest gap, the table's first row.
		first := text(t, ctx, "#gaps-body tr:first-child th")
		if s := text(t, ctx, "#gaps-summary li:first-child"); !strings.Contains(s, "about “"+first+"” — no document answers them") {
			t.Errorf("gap summary %q, want the largest gap %q", s, first)
		}
		checkAccessibility(t, ctx, dir, "insight")
		screenshot(t, ctx, dir, "insight.png")
		id := fmt.Sprintf("handle-%d", down)
		step(t, ctx, "handle it", chromedp.SetValue(chromedp.CSS("#"+id+"-outcome"), "document_fixed"),
			chromedp.SetValue(chromedp.CSS("#"+id+"-note"), "Preis korrigiert"),
			chromedp.Click(chromedp.CSS(`#feedback-list form button[type=submit]`)))
		waitFor(t, ctx, "the handled answer to leave the open list", `document.querySelectorAll('#feedback-list li.insight-item').length === 0`, 10*time.Second)
		// This server has no document library (its own tests cover it):
		// the metadata form says so instead of failing the page.
		if eval[bool](t, ctx, `document.getElementById('meta-unavailable').hidden`) {
			t.Error("the metadata form does not say the library is missing")
		}
		checkNarrow(t, ctx, "insight")
	})
	t.Run("usage", func(t *testing.T) {
		openPage(t, ctx, b.url+"/usage")
		waitFor(t, ctx, "the totals", `document.querySelectorAll('#usage-total div').length > 0`, 10*time.Second)
		if n := eval[int](t, ctx, `document.querySelectorAll('#usage-days tr').length`); n == 0 {
			t.Error("no day in the dashboard")
		}
		checkAccessibility(t, ctx, dir, "usage")
		screenshot(t, ctx, dir, "usage.png")
	})
	t.Run("transparency", func(t *testing.T) {
		openPage(t, ctx, b.url+"/transparency")
		waitFor(t, ctx, "the fields", `!!document.getElementById('field-name')`, 10*time.Second)
		step(t, ctx, "name the system", chromedp.SetValue(chromedp.CSS("#field-name"), "Civitas "+b.collection),
			chromedp.Click(chromedp.CSS(`#transparency-form button[type=submit]`)))
		waitFor(t, ctx, "the saved record", `document.getElementById('transparency-status').textContent !== ''`, 10*time.Second)
		checkAccessibility(t, ctx, dir, "transparency")
		screenshot(t, ctx, dir, "transparency.png")
	})
}
