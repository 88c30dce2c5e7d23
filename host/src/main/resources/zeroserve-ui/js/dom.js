// Small helpers for building the page from strings safely.

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML content and attribute values. */
export function esc(value) {
  return String(value ?? '').replace(/[&<>"']/g, c => ESCAPES[c]);
}

export function bytes(n) {
  if (n === null || n === undefined) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return (i === 0 ? v : v.toFixed(v >= 10 ? 0 : 1)) + ' ' + units[i];
}

export function num(v, digits = 1) {
  return v === null || v === undefined || Number.isNaN(v) ? '–' : Number(v).toFixed(digits);
}

/** Replaces el's content only if it changed, so that a poll does not disturb focus or selection. */
export function setHtml(el, html) {
  if (el.dataset.html !== html) {
    el.innerHTML = html;
    el.dataset.html = html;
  }
}

/** A short form of a long id for display; the full id goes in a title attribute. */
export function shortId(id) {
  return id && id.length > 12 ? id.slice(0, 8) + '…' : id;
}
