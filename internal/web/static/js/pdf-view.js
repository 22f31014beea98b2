// The PDF viewer of the side panel, loaded on first use (the chat page's
// first load does not carry it): pdf.js from our own origin
// (static/pdfjs, vendored by scripts/pdfjs.sh) draws the cited page on a
// canvas with its text layer above, and the text-layer pieces that hold
// the cited passage are wrapped in <mark>. The worker is a module from
// this origin, which the strict CSP allows (worker-src falls back to
// script-src 'self'). Nothing here sets inline styles: the scale is a
// constant the style sheet knows (pdf-view.css).
import * as pdfjs from '../pdfjs/pdf.min.mjs';

const SCALE = 1.25; // = --total-scale-factor in pdf-view.css

pdfjs.GlobalWorkerOptions.workerSrc = new URL('../pdfjs/pdf.worker.min.mjs', import.meta.url).href;

function loadCSS() {
  if (document.getElementById('pdf-view-css')) return;
  const link = document.createElement('link');
  link.id = 'pdf-view-css';
  link.rel = 'stylesheet';
  link.href = new URL('../pdf-view.css', import.meta.url).href;
  document.head.append(link);
}

const norm = (s) => s.toLowerCase().replace(/[\u00ad]/g, '').replace(/-\s+/g, '').replace(/\s+/g, ' ').trim();

// findRange finds passage in the page's text (spans), tolerant of line
// breaks and hyphenation: it looks for the passage's first words, then
// fewer, and returns the range [start, end) of the normalised page text.
function findRange(pageText, passage) {
  const words = norm(passage).split(' ');
  for (const n of [12, 8, 5, 3]) {
    for (let from = 0; from + n <= words.length && from < 40; from += n) {
      const probe = words.slice(from, from + n).join(' ');
      const at = pageText.indexOf(probe);
      if (probe.length > 8 && at >= 0) {
        const before = words.slice(0, from).join(' ').length;
        const start = Math.max(0, at - before);
        return [start, Math.min(pageText.length, start + norm(passage).length)];
      }
    }
  }
  return null;
}

// markPassage wraps the text-layer spans holding passage in <mark>; it
// returns the first mark, or null.
function markPassage(layer, passage) {
  const spans = [...layer.querySelectorAll('span')].filter((s) => !s.children.length && s.textContent);
  let text = '';
  const pos = [];
  for (const s of spans) {
    const piece = norm(s.textContent);
    if (!piece) continue;
    if (text) text += ' ';
    pos.push([s, text.length, text.length + piece.length]);
    text += piece;
  }
  const range = findRange(text, passage);
  if (!range) return null;
  let first = null;
  for (const [s, a, b] of pos) {
    if (b <= range[0] || a >= range[1]) continue;
    const mark = document.createElement('mark');
    mark.className = 'passage-mark';
    mark.append(...s.childNodes);
    s.append(mark);
    first ??= mark;
  }
  return first;
}

async function drawPage(pdf, n, t) {
  const page = await pdf.getPage(n);
  const viewport = page.getViewport({ scale: SCALE });
  const box = document.createElement('div');
  box.className = 'pdf-page';
  const label = document.createElement('p');
  label.className = 'pdf-page-label';
  label.textContent = t('panel.pdfPage', { page: n, pages: pdf.numPages });
  const canvas = document.createElement('canvas');
  canvas.width = Math.floor(viewport.width);
  canvas.height = Math.floor(viewport.height);
  canvas.setAttribute('aria-hidden', 'true');
  const layer = document.createElement('div');
  layer.className = 'textLayer';
  const sheet = document.createElement('div');
  sheet.className = 'pdf-sheet';
  sheet.append(canvas, layer);
  box.append(label, sheet);
  await page.render({ canvasContext: canvas.getContext('2d'), canvas, viewport }).promise;
  await new pdfjs.TextLayer({ textContentSource: page.streamTextContent(), container: layer, viewport }).render();
  return { box, layer };
}

// showPdf shows page (and the next, where a passage may run on) of the
// PDF at url in view and returns the mark of passage, or null.
export async function showPdf(view, url, page, passage, t) {
  loadCSS();
  const pdf = await pdfjs.getDocument({ url, isEvalSupported: false, enableXfa: false, withCredentials: true }).promise;
  const first = Math.min(Math.max(1, page), pdf.numPages);
  const pages = [await drawPage(pdf, first, t)];
  if (first < pdf.numPages) pages.push(await drawPage(pdf, first + 1, t));
  view.replaceChildren(...pages.map((p) => p.box));
  for (const p of pages) {
    const mark = markPassage(p.layer, passage);
    if (mark) return mark;
  }
  return null;
}
