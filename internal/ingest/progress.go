package ingest

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Progress counts what a run has done and draws it: a bar redrawn in place
// on a terminal, or a plain line every few seconds in a log.
type Progress struct {
	found, done, failed atomic.Int64
	pages, chunks       atomic.Int64
	embeddedN           atomic.Int64

	w     io.Writer
	tty   bool
	start time.Time
	stop  chan struct{}
	wg    sync.WaitGroup
}

// NewProgress returns a Progress that draws to w; tty selects the redrawn
// bar (for a terminal) over plain lines (for logs and CI).
func NewProgress(w io.Writer, tty bool) *Progress {
	return &Progress{w: w, tty: tty, start: time.Now(), stop: make(chan struct{})}
}

func (p *Progress) fileFound()               { p.found.Add(1) }
func (p *Progress) parsed(pages, chunks int) { p.pages.Add(int64(pages)); p.chunks.Add(int64(chunks)) }
func (p *Progress) embedded(n int)           { p.embeddedN.Add(int64(n)) }
func (p *Progress) fileDone(res FileResult) {
	p.done.Add(1)
	if res.Status == StatusFailed {
		p.failed.Add(1)
	}
}

// Start draws until Stop.
func (p *Progress) Start() {
	every := 5 * time.Second
	if p.tty {
		every = 200 * time.Millisecond
	}
	p.wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				p.draw(true)
				return
			case <-t.C:
				p.draw(false)
			}
		}
	})
}

// Stop draws the last state and ends the drawing.
func (p *Progress) Stop() {
	close(p.stop)
	p.wg.Wait()
}

func (p *Progress) draw(final bool) {
	found, done := p.found.Load(), p.done.Load()
	elapsed := time.Since(p.start)
	rate := float64(p.embeddedN.Load()) / max(elapsed.Seconds(), 0.001)
	eta := "?"
	if done > 0 && found >= done {
		left := time.Duration(float64(elapsed) / float64(done) * float64(found-done))
		eta = left.Round(time.Second).String()
	}
	status := fmt.Sprintf("files %d/%d (failed %d) · pages %d · chunks %d · embedded %.1f chunks/s · elapsed %s · ETA %s",
		done, found, p.failed.Load(), p.pages.Load(), p.chunks.Load(), rate, elapsed.Round(time.Second), eta)
	if !p.tty {
		fmt.Fprintln(p.w, "ingest:", status)
		return
	}
	const width = 24
	filled := 0
	if found > 0 {
		filled = int(float64(width) * float64(done) / float64(found))
	}
	bar := strings.Repeat("█", filled) + strings.Repeat("░", width-filled)
	fmt.Fprintf(p.w, "\r\033[K%s %s", bar, status)
	if final {
		fmt.Fprintln(p.w)
	}
}
