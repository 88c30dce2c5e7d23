// The fields of a function's config (README, "Function config"), shared by the deploy and config forms.

export const CONFIG_FIELDS = [
  { key: 'device', label: 'Device', type: 'select', options: ['any', 'cpu', 'gpu'], hint: 'where replicas may run' },
  { key: 'idleTimeout', label: 'Idle timeout', type: 'duration', hint: 'unload after this long without requests, e.g. 5m' },
  { key: 'minReplicas', label: 'Min replicas', type: 'int', hint: '0 = scale to zero' },
  { key: 'maxReplicas', label: 'Max replicas', type: 'int', hint: 'cluster-wide, 1..64' },
  { key: 'targetConcurrency', label: 'Target concurrency', type: 'int', hint: 'outstanding requests per replica before another is added' },
  { key: 'maxBatchSize', label: 'Max batch size', type: 'int', hint: '1 turns batching off' },
  { key: 'maxQueueDelay', label: 'Max queue delay', type: 'duration', hint: 'wait for a batch to fill, e.g. 2ms' },
  { key: 'maxQueue', label: 'Max queue', type: 'int', hint: 'queued requests before 429' },
  { key: 'timeout', label: 'Timeout', type: 'duration', hint: 'deadline per request, e.g. 30s' },
];

import { esc } from './dom.js';

/** Form controls for the config fields; values from config, or empty (placeholder says "default"). */
export function configInputs(prefix, config) {
  return CONFIG_FIELDS.map(f => {
    const id = prefix + '-' + f.key;
    const value = config && config[f.key] !== undefined ? config[f.key] : '';
    const hintId = id + '-hint';
    let control;
    if (f.type === 'select') {
      const opts = (config ? [] : ['']).concat(f.options);
      control = `<select id="${id}" name="${f.key}" aria-describedby="${hintId}">${opts.map(o =>
        `<option value="${esc(o)}"${o === value ? ' selected' : ''}>${o === '' ? 'default (any)' : esc(o)}</option>`).join('')}</select>`;
    } else {
      const attrs = f.type === 'int' ? 'type="number" step="1" min="0" inputmode="numeric"' : 'type="text" spellcheck="false"';
      control = `<input id="${id}" name="${f.key}" ${attrs} value="${esc(value)}"${config ? '' : ' placeholder="default"'}
        aria-describedby="${hintId}">`;
    }
    return `<div><label for="${id}">${esc(f.label)}</label>${control}<span id="${hintId}" class="hint">${esc(f.hint)}</span></div>`;
  }).join('');
}

/** Reads the config fields of a form into an object, leaving out empty ones (the node fills defaults). */
export function readConfig(form) {
  const config = {};
  for (const f of CONFIG_FIELDS) {
    const el = form.elements[f.key];
    const v = el ? el.value.trim() : '';
    if (v === '') continue;
    config[f.key] = f.type === 'int' && /^-?\d+$/.test(v) ? Number(v) : v;
  }
  return config;
}
