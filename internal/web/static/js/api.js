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

// request sends a request and returns the decoded JSON body (null for
// 204). Bodies that are not FormData are sent as JSON.
export async function request(method, url, body, signal) {
  const init = { method, headers: { Accept: 'application/json' }, credentials: 'same-origin', signal };
  if (body instanceof FormData) {
    init.body = body;
  } else if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const resp = await fetch(url, init);
  if (!resp.ok) throw await failure(resp);
  if (resp.status === 204) return null;
  return resp.json();
}

export const get = (url, signal) => request('GET', url, undefined, signal);
export const post = (url, body, signal) => request('POST', url, body, signal);
export const del = (url) => request('DELETE', url);

export { failure };
