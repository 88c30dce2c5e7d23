// "Try it": a form built from a version's input signature that sends a V2 inference request and shows
// the outputs, the time taken and the same request as a curl line.

import { call, isAuthRequired } from './api.js';
import { esc } from './dom.js';

const INTEGER_TYPES = new Set(['INT8', 'INT16', 'INT32', 'INT64', 'UINT8', 'UINT16', 'UINT32', 'UINT64']);

export function tryItPanel(el, name, version) {
  if (!version) {
    el.innerHTML = '<h2 id="try-title">Try it</h2><p class="muted">No version to call.</p>';
    return;
  }
  el.innerHTML = `<h2 id="try-title">Try it <span class="muted">(v${version.version})</span></h2>
    <form id="try-form" novalidate>
      ${version.inputs.map((s, i) => inputBlock(s, i)).join('')}
      <div class="actions"><button type="submit" id="try-send">Send request</button>
        <span id="try-status" role="status" aria-live="polite"></span></div>
      <p id="try-error" class="error" role="alert"></p>
    </form>
    <div id="try-result"></div>`;
  const form = el.querySelector('#try-form');
  version.inputs.forEach((s, i) => {
    form.querySelectorAll(`[data-input="${i}"].dim`).forEach(dim =>
      dim.addEventListener('change', () => refill(form, s, i)));
  });
  form.addEventListener('submit', e => {
    e.preventDefault();
    send(form, name, version);
  });
}

function inputBlock(spec, i) {
  const dims = spec.shape.map((d, j) => d < 0
    ? `<label class="hint" for="try-${i}-dim-${j}">dim ${j}</label>
       <input class="dim" data-input="${i}" id="try-${i}-dim-${j}" type="number" min="0" step="1" value="1" size="4"
         aria-label="${esc(spec.name)} dimension ${j} (dynamic)">`
    : `<span class="mono" aria-label="dimension ${j}">${d}</span>`).join(' × ');
  const count = elementCount(spec.shape.map(d => (d < 0 ? 1 : d)));
  return `<fieldset class="field" data-input-name="${esc(spec.name)}">
    <legend><span class="mono">${esc(spec.name)}</span> · ${esc(spec.datatype)}</legend>
    <div>shape [${dims}]</div>
    <label for="try-${i}-data">Data <span class="hint">(${esc(hintFor(spec.datatype))}, row-major)</span></label>
    <textarea id="try-${i}-data" name="data-${i}" spellcheck="false">${esc(defaultData(spec.datatype, count))}</textarea>
  </fieldset>`;
}

function hintFor(type) {
  if (type === 'BYTES') return 'a JSON array of strings';
  if (type === 'BOOL') return 'true/false, separated by commas or spaces';
  return 'numbers separated by commas or spaces, or a JSON array';
}

function defaultData(type, count) {
  const one = type === 'BOOL' ? 'false' : type === 'BYTES' ? '""' : '0';
  const values = Array(Math.min(count, 4096)).fill(one).join(', ');
  return type === 'BYTES' ? '[' + values + ']' : values;
}

function elementCount(shape) {
  return shape.reduce((a, b) => a * b, 1);
}

function shapeOf(form, spec, i) {
  return spec.shape.map((d, j) => (d < 0 ? Number(form.querySelector(`#try-${i}-dim-${j}`).value) : d));
}

function refill(form, spec, i) {
  const shape = shapeOf(form, spec, i);
  form.elements['data-' + i].value = defaultData(spec.datatype, elementCount(shape));
}

/** The values typed for one input, as the V2 JSON data array, or throws with what is wrong. */
function parseData(text, type, name) {
  const t = text.trim();
  let values;
  if (t.startsWith('[')) {
    try {
      values = JSON.parse(t).flat(Infinity);
    } catch (e) {
      throw new Error(`input '${name}': the data is not a valid JSON array (${e.message})`);
    }
  } else {
    values = t === '' ? [] : t.split(/[\s,]+/);
  }
  if (type === 'BYTES') return values.map(String);
  return values.map(v => {
    if (type === 'BOOL') {
      if (v === true || v === false) return v;
      if (v === 'true' || v === '1') return true;
      if (v === 'false' || v === '0') return false;
      throw new Error(`input '${name}': '${v}' is not a BOOL (true or false)`);
    }
    const n = typeof v === 'number' ? v : Number(v);
    if (v === '' || Number.isNaN(n)) throw new Error(`input '${name}': '${v}' is not a number`);
    if (INTEGER_TYPES.has(type) && !Number.isInteger(n)) throw new Error(`input '${name}': ${v} is not an integer (${type})`);
    return n;
  });
}

function buildRequest(form, version) {
  return {
    inputs: version.inputs.map((s, i) => {
      const shape = shapeOf(form, s, i);
      const data = parseData(form.elements['data-' + i].value, s.datatype, s.name);
      const expected = elementCount(shape);
      if (data.length !== expected) {
        throw new Error(`input '${s.name}' has shape [${shape.join(', ')}], which holds ${expected} values, but ${data.length} were given`);
      }
      return { name: s.name, shape, datatype: s.datatype, data };
    }),
  };
}

/** The request as a shell command; the token is left as a variable, never written out. */
export function curlLine(name, request) {
  const url = `${location.origin}/v2/models/${encodeURIComponent(name)}/infer`;
  const quote = s => "'" + s.replace(/'/g, `'\\''`) + "'";
  return `curl -s ${quote(url)} -H 'content-type: application/json'`
    + (isAuthRequired() ? ' -H "authorization: Bearer $ZS_TOKEN"' : '')
    + ` -d ${quote(JSON.stringify(request))}`;
}

async function send(form, name, version) {
  const error = form.querySelector('#try-error');
  const status = form.querySelector('#try-status');
  const result = document.getElementById('try-result');
  error.textContent = '';
  let request;
  try {
    request = buildRequest(form, version);
  } catch (e) {
    error.textContent = e.message;
    return;
  }
  const curl = `<h3>As curl</h3><pre class="curl" id="try-curl">${esc(curlLine(name, request))}</pre>`;
  status.textContent = 'Sending…';
  const started = performance.now();
  try {
    const response = await call('POST', `/v2/models/${encodeURIComponent(name)}/infer`, request);
    const ms = performance.now() - started;
    status.textContent = '';
    result.innerHTML = `<h3>Outputs <span class="muted" id="try-time">${ms.toFixed(1)} ms</span></h3>
      <p class="hint">model ${esc(response.model_name)} version ${esc(response.model_version)}; time measured in this
        browser, network included.</p>
      <div class="table-wrap"><table class="outputs"><thead><tr><th scope="col">Name</th><th scope="col">Datatype</th>
        <th scope="col">Shape</th><th scope="col">Data</th></tr></thead><tbody>
        ${response.outputs.map(o => `<tr data-output="${esc(o.name)}"><td class="mono">${esc(o.name)}</td>
          <td>${esc(o.datatype)}</td><td class="mono">[${esc(o.shape.join(', '))}]</td>
          <td class="mono output-data">${esc(JSON.stringify(o.data))}</td></tr>`).join('')}
      </tbody></table></div>${curl}`;
  } catch (e) {
    status.textContent = '';
    error.textContent = e.message;
    result.innerHTML = curl;
  }
}
