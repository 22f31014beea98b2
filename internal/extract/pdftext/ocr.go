package pdftext

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// OCR of PDF pages without a text layer: pdftoppm (poppler-utils) renders
// the page to a PNG, tesseract (tesseract-ocr) reads it. Both run as child
// processes under ctx, so the caller's time limit stops them too.

const (
	// ocrDPI is the resolution pages are rendered at: enough for 8-point
	// print, the smallest in administrative forms.
	ocrDPI = 200
	// ocrMaxPixels bounds the rendered image; larger pages are rendered
	// at a lower resolution, so a 200 000-point page cannot fill the disk.
	ocrMaxPixels = 40_000_000
	// ocrMinDPI is the lowest resolution still worth reading.
	ocrMinDPI = 50
)

// ocrEngine runs tesseract over rendered pages.
type ocrEngine struct {
	tesseract, pdftoppm string
	langs               string // e.g. "deu+fra+eng"
}

// newOCREngine finds the tools and the wanted languages that are
// installed. It returns nil and the reason when OCR is not possible.
func newOCREngine(ctx context.Context, opts Options) (*ocrEngine, string) {
	if !opts.OCR {
		return nil, "OCR is turned off"
	}
	tess, err := exec.LookPath("tesseract")
	if err != nil {
		return nil, "tesseract is not installed (apt-get install tesseract-ocr)"
	}
	ppm, err := exec.LookPath("pdftoppm")
	if err != nil {
		return nil, "pdftoppm is not installed (apt-get install poppler-utils)"
	}
	out, err := exec.CommandContext(ctx, tess, "--list-langs").CombinedOutput()
	if err != nil {
		return nil, fmt.Sprintf("tesseract --list-langs: %v", err)
	}
	installed := ocrInstalledLangs(out)
	var langs []string
	for _, l := range opts.OCRLanguages {
		if installed[l] && !strings.Contains(strings.Join(langs, "+"), l) {
			langs = append(langs, l)
		}
	}
	if len(langs) == 0 && installed["eng"] {
		langs = []string{"eng"}
	}
	if len(langs) == 0 {
		return nil, fmt.Sprintf("no tesseract language data for %s (apt-get install tesseract-ocr-deu …)", strings.Join(opts.OCRLanguages, ", "))
	}
	return &ocrEngine{tesseract: tess, pdftoppm: ppm, langs: strings.Join(langs, "+")}, ""
}

// ocrInstalledLangs parses "tesseract --list-langs": a heading line, then
// one language code a line.
func ocrInstalledLangs(out []byte) map[string]bool {
	langs := map[string]bool{}
	for _, line := range strings.Split(string(out), "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.ContainsAny(line, " :\"") {
			langs[line] = true
		}
	}
	return langs
}

// ocrResolution is the DPI to render a w×h-point page at, or 0 when even
// ocrMinDPI would exceed ocrMaxPixels.
func ocrResolution(w, h float64) int {
	if w <= 0 || h <= 0 {
		w, h = 595, 842 // unknown size: assume A4
	}
	dpi := min(float64(ocrDPI), 72*math.Sqrt(ocrMaxPixels/(w*h)))
	if dpi < ocrMinDPI {
		return 0
	}
	return int(dpi)
}

// recognise renders page (1-based) of the PDF at path into dir and reads it.
func (e *ocrEngine) recognise(ctx context.Context, path, dir string, page, dpi int) (string, error) {
	prefix := filepath.Join(dir, "page-"+strconv.Itoa(page))
	n := strconv.Itoa(page)
	render := exec.CommandContext(ctx, e.pdftoppm, "-r", strconv.Itoa(dpi), "-f", n, "-l", n, "-gray", "-png", "-singlefile", path, prefix)
	if out, err := render.CombinedOutput(); err != nil {
		return "", fmt.Errorf("render page %d with pdftoppm: %w: %s", page, ocrCause(ctx, err), ocrTail(out))
	}
	img := prefix + ".png"
	defer os.Remove(img)
	var stdout, stderr bytes.Buffer
	// --psm 1: automatic segmentation with orientation detection, so that
	// a page scanned upside down is read too (one of the corpus's is).
	read := exec.CommandContext(ctx, e.tesseract, img, "stdout", "-l", e.langs, "--psm", "1")
	read.Stdout, read.Stderr = &stdout, &stderr
	read.Env = ocrEnv(os.Environ())
	err := read.Start()
	if err == nil {
		ocrYield(read.Process.Pid)
		err = read.Wait()
	}
	if err != nil {
		return "", fmt.Errorf("read page %d with tesseract: %w: %s", page, ocrCause(ctx, err), ocrTail(stderr.Bytes()))
	}
	return stdout.String(), nil
}

// ocrEnv is the environment of a tesseract process: one thread. By
// default tesseract's OpenMP build starts a thread per core for each page,
// so two ingest workers OCRing at once would claim every core twice over
// and starve the embedder, the stage that bounds the ingest (issue 16:
// wall time 1.34× the slowest stage with OCR on). One thread per page, and
// at most one page per ingest worker, bounds OCR to the workers' share.
func ocrEnv(env []string) []string {
	return append(env, "OMP_THREAD_LIMIT=1")
}

// ocrNice is the scheduling priority tesseract runs at: below the
// embedder's, so that OCR takes the cores the embedder leaves idle rather
// than the other way round.
const ocrNice = 10

// ocrYield lowers the priority of the tesseract process pid to ocrNice. A
// failure (a platform without priorities) only costs speed.
func ocrYield(pid int) {
	_ = setNice(pid, ocrNice)
}

// ocrCause prefers ctx's error to the "signal: killed" of a child that
// exec.CommandContext stopped.
func ocrCause(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	return err
}

// ocrTail is the last line of a tool's output, for error messages.
func ocrTail(out []byte) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return lines[len(lines)-1]
}

// ocrBlocks splits tesseract's output into blocks: paragraphs are
// separated by blank lines, lines within one are joined, undoing
// hyphenation, and lines that start with a bullet become list items.
func ocrBlocks(text string, page int) []Block {
	var blocks []Block
	var lines []string
	flush := func() {
		if len(lines) == 0 {
			return
		}
		kind, _ := pdfLineKind(lines[0])
		n := len(blocks)
		if blocks = appendBlock(blocks, kind, 0, pdfJoinLines(lines)); len(blocks) > n {
			blocks[n].Page, blocks[n].OCR = page, true
		}
		lines = lines[:0]
	}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(strings.ReplaceAll(line, "\f", ""))
		if line == "" {
			flush()
			continue
		}
		lines = append(lines, line)
	}
	flush()
	return blocks
}

// ocrPages OCRs the pages (0-based indexes) that have images but no text,
// storing their blocks in perPage. It returns warnings for pages it could
// not read; the error is ctx's, when ctx ends.
func (l pdfLoader) ocrPages(ctx context.Context, name string, data []byte, pages []pdfPage, todo []int, perPage [][]Block) ([]string, error) {
	list := make([]string, len(todo))
	for i, p := range todo {
		list[i] = strconv.Itoa(p + 1)
	}
	which := "page " + list[0]
	if len(list) > 1 {
		which = "pages " + strings.Join(list, ", ")
	}
	eng, why := newOCREngine(ctx, l.opts)
	if eng == nil {
		return []string{fmt.Sprintf("%s: no text layer, skipped: %s", which, why)}, nil
	}
	dir, err := os.MkdirTemp("", "civitas-ocr-")
	if err != nil {
		return []string{fmt.Sprintf("%s: no text layer, skipped: temporary directory: %v", which, err)}, nil
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "document.pdf")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return []string{fmt.Sprintf("%s: no text layer, skipped: %v", which, err)}, nil
	}
	var warnings []string
	for _, i := range todo {
		box := pages[i].box
		dpi := ocrResolution(box[2]-box[0], box[3]-box[1])
		if dpi == 0 {
			warnings = append(warnings, fmt.Sprintf("page %d: no text layer, and too large to OCR", i+1))
			continue
		}
		text, err := eng.recognise(ctx, path, dir, i+1, dpi)
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, fmt.Errorf("OCR page %d of %s: %w", i+1, name, ctxErr)
		}
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("page %d: OCR failed: %v", i+1, err))
			continue
		}
		perPage[i] = append(perPage[i], ocrBlocks(text, i+1)...)
	}
	return warnings, nil
}
