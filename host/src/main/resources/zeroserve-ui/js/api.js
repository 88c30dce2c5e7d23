// Talks to the node's HTTP API. Every call carries the API token, when there is one.

const TOKEN_KEY = 'zeroserve.token';
let authRequired = false;
const unauthorizedListeners = [];

/** An API answer that was not 2xx: status plus the API's own message ({"error": "..."}), shown as is. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function setAuthRequired(required) { authRequired = required; }
export function isAuthRequired() { return authRequired; }
export function token() { return sessionStorage.getItem(TOKEN_KEY); }
export function setToken(t) {
  if (t) sessionStorage.setItem(TOKEN_KEY, t); else sessionStorage.removeItem(TOKEN_KEY);
}
/** Called with the message when the node refuses the token (401), so the page can ask for another. */
export function onUnauthorized(listener) { unauthorizedListeners.push(listener); }

/** Whether calls may be made now: no tokens needed, or one is at hand. */
export function canCall() { return !authRequired || !!token(); }

function headers(extra = {}) {
  const h = { ...extra };
  const t = token();
  if (t) h['authorization'] = 'Bearer ' + t;
  return h;
}

async function errorOf(response) {
  let message = response.status + ' ' + response.statusText;
  const text = await response.text();
  try {
    const body = JSON.parse(text);
    if (body && typeof body.error === 'string') message = body.error;
  } catch (e) {
    if (text) message += ': ' + text.slice(0, 500);
  }
  return new ApiError(response.status, message);
}

function refused(error) {
  if (error.status === 401) unauthorizedListeners.forEach(l => l(error.message));
  return error;
}

/** Sends a request; resolves to the parsed JSON (or text) body, rejects with ApiError. */
export async function call(method, path, body, contentType = 'application/json') {
  if (!canCall()) throw new ApiError(401, 'an API token is needed');
  const init = { method, headers: headers(body === undefined ? {} : { 'content-type': contentType }), cache: 'no-store' };
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, 'the node did not answer (' + e.message + ')');
  }
  if (!response.ok) throw refused(await errorOf(response));
  const type = response.headers.get('content-type') || '';
  return type.startsWith('application/json') ? response.json() : response.text();
}

export const get = path => call('GET', path);

/**
 * Uploads a model with XMLHttpRequest, so that upload progress can be shown: the browser streams the
 * file from disk. onProgress gets (sentBytes, totalBytes). Resolves to the JSON answer.
 */
export function upload(path, formData, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    const t = token();
    if (t) xhr.setRequestHeader('authorization', 'Bearer ' + t);
    xhr.upload.addEventListener('progress', e => { if (e.lengthComputable) onProgress(e.loaded, e.total); });
    xhr.addEventListener('load', () => {
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON: reported below */ }
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve(body);
      } else {
        const message = body && typeof body.error === 'string' ? body.error
          : xhr.status + ' ' + xhr.statusText + (xhr.responseText ? ': ' + xhr.responseText.slice(0, 500) : '');
        reject(refused(new ApiError(xhr.status, message)));
      }
    });
    xhr.addEventListener('error', () => reject(new ApiError(0, 'the upload failed: the connection was closed '
      + '(is the file larger than the node accepts, --max-upload-size?)')));
    xhr.addEventListener('abort', () => reject(new ApiError(0, 'the upload was cancelled')));
    xhr.send(formData);
  });
}
