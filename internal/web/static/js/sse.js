// Readers for streamed fetch responses: lines (the NDJSON of a model
// pull) and Server-Sent Events (EventSource cannot POST, and the chat
// question is a POST). readSSE follows the SSE framing rules (fields per
// line, data lines joined, a blank line ends an event).

// readLines yields each line of a response body stream as it arrives,
// without its end (\n, \r\n or \r); an unterminated last line comes last.
export async function* readLines(body) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let nl;
      while ((nl = buffer.search(/\r\n|\r|\n/)) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + (buffer.startsWith('\r\n', nl) ? 2 : 1));
        yield line;
      }
    }
    buffer += decoder.decode();
    if (buffer !== '') yield buffer;
  } finally {
    reader.releaseLock();
  }
}

// readSSE yields {event, data} for each event of a response body stream;
// data is parsed as JSON when it is JSON. An event cut off before its
// blank line is dropped, as the SSE rules say.
export async function* readSSE(body) {
  let event = 'message';
  let data = [];
  for await (const line of readLines(body)) {
    if (line === '') {
      if (data.length > 0) yield { event, data: parse(data.join('\n')) };
      event = 'message';
      data = [];
      continue;
    }
    if (line.startsWith(':')) continue; // comment / keep-alive
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let val = colon < 0 ? '' : line.slice(colon + 1);
    if (val.startsWith(' ')) val = val.slice(1);
    if (field === 'event') event = val;
    else if (field === 'data') data.push(val);
  }
}

function parse(s) {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}
