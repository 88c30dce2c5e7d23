// Request rate, latency percentiles and cold starts per function, computed here from successive
// scrapes of the node's /metrics (Prometheus text): counters and histogram buckets are cumulative,
// so the difference between two scrapes describes the interval between them. The figures are those
// of the node this page talks to; history starts when the page was opened.

import { get } from './api.js';

const KEEP_MS = 15 * 60 * 1000;
const scrapes = []; // {t, fns: Map(function -> {requests, errors, coldStarts, buckets: Map(le -> count)})}

/** Parses Prometheus text exposition into [{name, labels, value}]. */
export function parsePrometheus(text) {
  const samples = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    let i = 0;
    while (i < line.length && line[i] !== '{' && line[i] !== ' ') i++;
    const name = line.slice(0, i);
    const labels = {};
    if (line[i] === '{') {
      i++;
      while (line[i] !== '}' && i < line.length) {
        const eq = line.indexOf('=', i);
        const key = line.slice(i, eq).trim().replace(/^,/, '').trim();
        let j = eq + 2; // past ="
        let value = '';
        while (j < line.length && line[j] !== '"') {
          if (line[j] === '\\' && j + 1 < line.length) {
            j++;
            value += line[j] === 'n' ? '\n' : line[j];
          } else {
            value += line[j];
          }
          j++;
        }
        labels[key] = value;
        i = j + 1;
        if (line[i] === ',') i++;
      }
      i++;
    }
    const value = parseNumber(line.slice(i).trim().split(/\s+/)[0]);
    samples.push({ name, labels, value });
  }
  return samples;
}

function parseNumber(text) {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

function summarize(samples) {
  const fns = new Map();
  const fn = name => {
    if (!fns.has(name)) fns.set(name, { requests: 0, errors: 0, coldStarts: 0, buckets: new Map() });
    return fns.get(name);
  };
  for (const s of samples) {
    const f = s.labels.function;
    if (!f || f === 'unknown') continue;
    if (s.name === 'zeroserve_requests_total') {
      fn(f).requests += s.value;
      if (s.labels.outcome !== 'success') fn(f).errors += s.value;
    } else if (s.name === 'zeroserve_coldstarts_total') {
      fn(f).coldStarts += s.value;
    } else if (s.name === 'zeroserve_request_duration_seconds_bucket') {
      const le = parseNumber(s.labels.le);
      const b = fn(f).buckets;
      b.set(le, (b.get(le) || 0) + s.value);
    }
  }
  return fns;
}

/** Scrapes /metrics once and remembers the result. */
export async function scrape() {
  const text = await get('/metrics');
  const t = Date.now();
  scrapes.push({ t, fns: summarize(parsePrometheus(text)) });
  while (scrapes.length > 2 && scrapes[0].t < t - KEEP_MS) scrapes.shift();
}

/** The q-quantile (0..1) of a histogram given as Map(le -> cumulative count); seconds, or null. */
export function quantile(buckets, q) {
  const les = [...buckets.keys()].sort((a, b) => a - b);
  if (les.length === 0) return null;
  const total = buckets.get(les[les.length - 1]);
  if (!(total > 0)) return null;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const le of les) {
    const count = buckets.get(le);
    if (count >= rank) {
      if (le === Infinity) return prevLe; // beyond the largest bucket: its bound is all we know
      const inBucket = count - prevCount;
      return inBucket > 0 ? prevLe + (le - prevLe) * (rank - prevCount) / inBucket : le;
    }
    prevLe = le;
    prevCount = count;
  }
  return prevLe;
}

const EMPTY = { requests: 0, errors: 0, coldStarts: 0, buckets: new Map() };

/** What happened to function f between two scrapes (a counter that went down means a restart: start from 0). */
function delta(older, newer, f) {
  const a = older.fns.get(f) || EMPTY;
  const b = newer.fns.get(f) || EMPTY;
  const reset = b.requests < a.requests;
  const base = reset ? EMPTY : a;
  const buckets = new Map();
  for (const [le, count] of b.buckets) buckets.set(le, Math.max(0, count - (base.buckets.get(le) || 0)));
  return {
    seconds: (newer.t - older.t) / 1000,
    requests: b.requests - base.requests,
    errors: b.errors - base.errors,
    buckets,
  };
}

/** Rate (requests/s), p50 and p99 (ms) over about the last windowMs, and cold starts so far; nulls without data. */
export function stats(f, windowMs = 60_000) {
  if (scrapes.length === 0) return { rate: null, p50: null, p99: null, coldStarts: null };
  const newest = scrapes[scrapes.length - 1];
  const coldStarts = (newest.fns.get(f) || EMPTY).coldStarts;
  if (scrapes.length < 2) return { rate: null, p50: null, p99: null, coldStarts };
  let older = scrapes[0];
  for (const s of scrapes) {
    if (s.t <= newest.t - windowMs) older = s; else break;
  }
  const d = delta(older, newest, f);
  const ms = v => (v === null ? null : v * 1000);
  return {
    rate: d.seconds > 0 ? d.requests / d.seconds : null,
    p50: ms(quantile(d.buckets, 0.5)),
    p99: ms(quantile(d.buckets, 0.99)),
    coldStarts,
  };
}

/** Per-interval series for charts: [times (s since epoch), rate, errors/s, p50 ms, p99 ms]. */
export function series(f) {
  const out = [[], [], [], [], []];
  for (let i = 1; i < scrapes.length; i++) {
    const d = delta(scrapes[i - 1], scrapes[i], f);
    if (d.seconds <= 0) continue;
    const p50 = quantile(d.buckets, 0.5);
    const p99 = quantile(d.buckets, 0.99);
    out[0].push(scrapes[i].t / 1000);
    out[1].push(d.requests / d.seconds);
    out[2].push(d.errors / d.seconds);
    out[3].push(p50 === null ? null : p50 * 1000);
    out[4].push(p99 === null ? null : p99 * 1000);
  }
  return out;
}

export function scrapeCount() { return scrapes.length; }
