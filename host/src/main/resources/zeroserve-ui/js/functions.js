// The functions table and the page of one function: stats, charts, config, signature, try it.

import uPlot from '../vendor/uplot/uPlot.esm.js';
import { call, get } from './api.js';
import { esc, num, setHtml, bytes } from './dom.js';
import { stats, series } from './metrics.js';
import { configInputs, readConfig } from './config.js';
import { tryItPanel } from './tryit.js';

/** Replicas of each function across the cluster, by state. */
function replicasByFunction(cluster) {
  const out = new Map();
  for (const n of cluster ? cluster.nodes : []) {
    for (const r of n.replicas) {
      if (!out.has(r.function)) out.set(r.function, []);
      out.get(r.function).push(r);
    }
  }
  return out;
}

function replicaSummary(replicas) {
  const live = (replicas || []).filter(r => r.state === 'READY' || r.state === 'LOADING');
  if (live.length === 0) return '<span class="cold">cold</span>';
  const loading = live.filter(r => r.state === 'LOADING').length;
  return String(live.length) + (loading ? ` <span class="muted">(${loading} loading)</span>` : '');
}

export const functionsView = {
  title: 'Functions',
  render(main, params, state) {
    main.innerHTML = `<h1>Functions</h1>
      <p class="muted">Rates and latencies are this node's, over the last minute, from <code>/metrics</code>.
        <a href="#/deploy">Deploy a function</a></p>
      <div id="functions-error" class="error" role="alert"></div>
      <div class="table-wrap"><table id="functions-table">
        <thead><tr><th scope="col">Name</th><th scope="col">Versions</th><th scope="col" class="num">Active</th>
          <th scope="col" class="num">Replicas</th><th scope="col" class="num">Req/s</th>
          <th scope="col" class="num">p50 ms</th><th scope="col" class="num">p99 ms</th>
          <th scope="col" class="num">Cold starts</th></tr></thead>
        <tbody id="functions-body"><tr><td colspan="8" class="muted">Loading…</td></tr></tbody>
      </table></div>`;
    this.update(state);
  },
  update(state) {
    const body = document.getElementById('functions-body');
    if (!body) return;
    document.getElementById('functions-error').textContent = state.functionsError || '';
    if (!state.functions) return;
    const replicas = replicasByFunction(state.cluster);
    const rows = state.functions.functions.map(f => {
      const s = stats(f.name);
      return `<tr data-function="${esc(f.name)}">
        <th scope="row"><a href="#/functions/${encodeURIComponent(f.name)}">${esc(f.name)}</a></th>
        <td>${f.versions.map(v => esc(v)).join(', ')}</td>
        <td class="num">${esc(f.activeVersion ?? '–')}</td>
        <td class="num replicas-cell">${replicaSummary(replicas.get(f.name))}</td>
        <td class="num">${num(s.rate, 2)}</td><td class="num">${num(s.p50, 2)}</td><td class="num">${num(s.p99, 2)}</td>
        <td class="num">${s.coldStarts === null ? '–' : s.coldStarts}</td></tr>`;
    });
    const problems = (state.functions.problems || []).map(p =>
      `<tr><td colspan="8" class="error">${esc(p.function || p.path)}: ${esc(p.error)}</td></tr>`);
    setHtml(body, rows.concat(problems).join('')
      || '<tr><td colspan="8" class="muted">No functions yet. <a href="#/deploy">Deploy one</a>.</td></tr>');
  },
};

const CHART_COLORS = { rate: '#1f5fbf', errors: '#b3261e', p50: '#1b7f3b', p99: '#9a5b00' };

export const functionView = {
  title: 'Function',
  render(main, params, state) {
    this.name = params.name;
    this.charts = [];
    main.innerHTML = `<p><a href="#/functions">← Functions</a></p>
      <h1>${esc(this.name)}</h1>
      <div id="fn-error" class="error" role="alert"></div>
      <p id="fn-stats" class="stat"></p>
      <div class="cards">
        <section class="panel" aria-labelledby="tp-title"><h2 id="tp-title">Throughput (req/s)</h2>
          <div id="chart-rate" class="chart" role="img" aria-label="Requests per second over the last minutes"></div></section>
        <section class="panel" aria-labelledby="lat-title"><h2 id="lat-title">Latency (ms)</h2>
          <div id="chart-latency" class="chart" role="img" aria-label="p50 and p99 latency over the last minutes"></div></section>
      </div>
      <div id="fn-body"><p class="muted">Loading…</p></div>`;
    this.load();
    this.update(state);
  },
  async load() {
    try {
      this.fn = await get('/v1/functions/' + encodeURIComponent(this.name));
    } catch (e) {
      document.getElementById('fn-error').textContent = e.message;
      document.getElementById('fn-body').innerHTML = '';
      return;
    }
    this.renderBody();
  },
  renderBody() {
    const f = this.fn;
    const body = document.getElementById('fn-body');
    if (!body) return;
    const active = f.versions.find(v => v.version === f.activeVersion);
    body.innerHTML = `
      <section class="panel" aria-labelledby="cfg-title">
        <h2 id="cfg-title">Config</h2>
        <form id="config-form" novalidate>
          <div class="form-grid">
            <div><label for="cfg-activeVersion">Active version</label>
              <select id="cfg-activeVersion" name="activeVersion" aria-describedby="cfg-av-hint">
                <option value="">newest (v${esc(f.versions.length ? f.versions[f.versions.length - 1].version : '–')})</option>
                ${f.versions.map(v => `<option value="${v.version}"${f.config.activeVersion === v.version ? ' selected' : ''}>v${v.version}</option>`).join('')}
              </select><span id="cfg-av-hint" class="hint">pin an older version to roll back</span></div>
            ${configInputs('cfg', f.config)}
          </div>
          <div class="actions"><button type="submit">Save config</button>
            <span id="config-status" role="status" aria-live="polite"></span></div>
          <p id="config-error" class="error" role="alert"></p>
        </form>
      </section>
      <section class="panel" aria-labelledby="sig-title">
        <h2 id="sig-title">Signature ${active ? `<span class="muted">(v${active.version})</span>` : ''}</h2>
        ${active ? signatureTable(active) : '<p class="muted">No version.</p>'}
      </section>
      <section class="panel" aria-labelledby="try-title" id="try-it"></section>
      <section class="panel" aria-labelledby="ver-title">
        <h2 id="ver-title">Versions</h2>
        <div class="table-wrap"><table><thead><tr><th scope="col">Version</th><th scope="col">Created</th>
          <th scope="col" class="num">Size</th><th scope="col">SHA-256</th></tr></thead><tbody>
          ${f.versions.map(v => `<tr><td>v${v.version}${v.version === f.activeVersion ? ' <span class="badge">active</span>' : ''}</td>
            <td>${esc(new Date(v.created).toLocaleString())}</td><td class="num">${bytes(v.sizeBytes)}</td>
            <td class="mono" title="${esc(v.sha256)}">${esc(v.sha256.slice(0, 16))}…</td></tr>`).join('')}
        </tbody></table></div>
      </section>`;
    document.getElementById('config-form').addEventListener('submit', e => this.saveConfig(e));
    tryItPanel(document.getElementById('try-it'), f.name, active);
  },
  async saveConfig(event) {
    event.preventDefault();
    const form = event.target;
    const status = document.getElementById('config-status');
    const error = document.getElementById('config-error');
    error.textContent = '';
    status.textContent = 'Saving…';
    const config = readConfig(form);
    if (form.elements.activeVersion.value) config.activeVersion = Number(form.elements.activeVersion.value);
    try {
      this.fn = await call('PUT', '/v1/functions/' + encodeURIComponent(this.name), config);
      this.renderBody();
      document.getElementById('config-status').textContent = 'Saved.';
    } catch (e) {
      status.textContent = '';
      error.textContent = e.message;
    }
  },
  update(state) {
    const statsEl = document.getElementById('fn-stats');
    if (!statsEl) return;
    const s = stats(this.name);
    const replicas = replicasByFunction(state.cluster).get(this.name);
    setHtml(statsEl, `Replicas: ${replicaSummary(replicas)} · ${num(s.rate, 2)} req/s · p50 ${num(s.p50, 2)} ms
      · p99 ${num(s.p99, 2)} ms · cold starts ${s.coldStarts ?? '–'}`);
    const data = series(this.name);
    this.chart('chart-rate', [data[0], data[1], data[2]],
      [{ label: 'req/s', stroke: CHART_COLORS.rate }, { label: 'errors/s', stroke: CHART_COLORS.errors }]);
    this.chart('chart-latency', [data[0], data[3], data[4]],
      [{ label: 'p50 ms', stroke: CHART_COLORS.p50, spanGaps: false }, { label: 'p99 ms', stroke: CHART_COLORS.p99 }]);
  },
  chart(id, data, lines) {
    const el = document.getElementById(id);
    if (!el) return;
    const chart = this.charts.find(c => c.id === id);
    if (chart) {
      chart.plot.setData(data);
      return;
    }
    const size = () => ({ width: Math.max(160, el.clientWidth), height: 200 });
    const plot = new uPlot({
      ...size(),
      series: [{}, ...lines.map(l => ({ width: 2, points: { show: true, size: 4 }, ...l }))],
      axes: [{}, { size: 50 }],
      scales: { y: { range: (u, min, max) => [0, max > 0 ? max * 1.1 : 1] } },
    }, data, el);
    // Follow the panel's width (window resizes, phone rotation).
    const observer = new ResizeObserver(() => {
      const s = size();
      if (Math.abs(plot.width - s.width) > 2) plot.setSize(s);
    });
    observer.observe(el);
    this.charts.push({ id, plot, observer });
  },
  dispose() {
    (this.charts || []).forEach(c => { c.observer.disconnect(); c.plot.destroy(); });
    this.charts = [];
  },
};

function signatureTable(v) {
  const rows = (kind, specs) => specs.map(s => `<tr><td>${kind}</td><td class="mono">${esc(s.name)}</td>
    <td>${esc(s.datatype)}</td><td class="mono">[${s.shape.map(d => (d < 0 ? '-1' : d)).join(', ')}]</td></tr>`).join('');
  return `<div class="table-wrap"><table class="sig"><thead><tr><th scope="col"></th><th scope="col">Name</th>
    <th scope="col">Datatype</th><th scope="col">Shape</th></tr></thead>
    <tbody>${rows('input', v.inputs)}${rows('output', v.outputs)}</tbody></table></div>
    <p class="hint">-1 marks a dynamic dimension (usually the batch).</p>`;
}
