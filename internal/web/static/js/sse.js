// A Server-Sent Events reader for fetch responses: EventSource cannot
// POST, and the chat question is a POST. It follows the SSE framing rules
// (fields per line, data lines joined, a blank line ends an event).

// readSSE yields {event, data} for each event of a response body stream;
// data is parsed as JSON when it is JSON.
export async function* readSSE(body) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let event = 'message';
  let data = [];
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let nl;
      while ((nl = buffer.search(/\r\n|\r|\n/)) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + (buffer.startsWith('\r\n', nl) ? 2 : 1));
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
  } finally {
    reader.releaseLock();
  }
}

function parse(s) {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}
