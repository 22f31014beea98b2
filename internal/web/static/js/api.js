// Calls to the assistant's JSON API. Errors carry the server's message
// ({"error":{"code","message"}}) so the page can show it.

export class APIError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function failure(resp) {
  let code = 'http_' + resp.status;
  let message = resp.statusText || 'request failed';
  try {
    const body = await resp.json();
    if (body && body.error) {
      code = body.error.code || code;
      message = body.error.message || message;
    }
  } catch { /* not JSON */ }
  return new APIError(resp.status, code, message);
}

// send sends a request asking for accept and returns the response, an
// APIError when it is not a success. Bodies that are not FormData are
// sent as JSON.
async function send(method, url, body, accept, signal) {
  const init = { method, headers: { Accept: accept }, credentials: 'same-origin', signal };
  if (body instanceof FormData) {
    init.body = body;
  } else if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const resp = await fetch(url, init);
  if (!resp.ok) throw await failure(resp);
  return resp;
}

// request returns the decoded JSON body (null for 204).
async function request(method, url, body, signal) {
  const resp = await send(method, url, body, 'application/json', signal);
  if (resp.status === 204) return null;
  return resp.json();
}

export const get = (url, signal) => request('GET', url, undefined, signal);
export const post = (url, body, signal) => request('POST', url, body, signal);
export const patch = (url, body) => request('PATCH', url, body);
export const put = (url, body) => request('PUT', url, body);
export const del = (url) => request('DELETE', url);

// stream posts body and returns the successful response, whose body the
// caller reads as it arrives (accept: text/event-stream, NDJSON).
export const stream = (url, body, accept, signal) => send('POST', url, body, accept, signal);
