// The cluster map: every node, its devices as memory bars, and the replicas on each device.

import { esc, bytes, setHtml, shortId } from './dom.js';

export const clusterView = {
  title: 'Cluster',
  render(main, params, state) {
    main.innerHTML = `<h1>Cluster <span id="cluster-name" class="muted"></span></h1>
      <p class="muted">Live from <code>GET /v1/cluster</code>, every second.</p>
      <div id="cluster-error" class="error" role="alert"></div>
      <div id="nodes" class="nodes" aria-live="off"></div>`;
    this.update(state);
  },
  update(state) {
    const error = document.getElementById('cluster-error');
    if (!error) return;
    error.textContent = state.clusterError || '';
    const c = state.cluster;
    if (!c) return;
    document.getElementById('cluster-name').textContent = '· ' + c.clusterName + ' · ' + c.nodes.length
      + (c.nodes.length === 1 ? ' node' : ' nodes');
    setHtml(document.getElementById('nodes'), c.nodes.map(n => nodeCard(n, c.self)).join('')
      || '<p class="muted">No node has registered yet.</p>');
  },
};

function nodeCard(node, self) {
  const known = new Set(node.devices.map(d => d.deviceId));
  const elsewhere = node.replicas.filter(r => !known.has(r.deviceId));
  return `<article class="node${node.leaving ? ' leaving' : ''}" data-node="${esc(node.nodeId)}">
    <header>
      <h2 title="${esc(node.nodeId)}">${esc(shortId(node.nodeId))}</h2>
      ${node.nodeId === self ? '<span class="badge self">this node</span>' : ''}
      ${node.leaving ? '<span class="badge leaving">leaving</span>' : ''}
      <span class="muted mono">${esc(node.httpHost)}:${esc(node.httpPort)}</span>
    </header>
    <div class="muted hint">started ${esc(new Date(node.startedAt).toLocaleString())}</div>
    ${node.devices.map(d => deviceBlock(d, node.replicas.filter(r => r.deviceId === d.deviceId))).join('')}
    ${elsewhere.length ? `<div class="device"><h3>Other devices</h3>${replicaList(elsewhere)}</div>` : ''}
  </article>`;
}

function deviceBlock(d, replicas) {
  const cap = d.memoryCapacityBytes || 0;
  const used = d.memoryReservedBytes || 0;
  const pct = cap > 0 ? Math.min(100, (100 * used) / cap) : 0;
  const label = `${d.name}: ${bytes(used)} of ${bytes(cap)} reserved`;
  return `<div class="device" data-device="${esc(d.deviceId)}" data-kind="${esc(d.kind)}">
    <div class="device-head">
      <h3>${esc(d.name)} ${d.simulated ? '<span class="badge sim">simulated</span>' : ''}</h3>
      <span class="muted">${esc(d.kind.toUpperCase())}</span>
    </div>
    <meter class="membar" min="0" max="${cap || 1}" value="${used}" aria-label="${esc(label)}">${pct.toFixed(1)}%</meter>
    <div class="hint">${bytes(used)} reserved of ${bytes(cap)} (${pct.toFixed(1)}%)</div>
    ${replicas.length ? replicaList(replicas) : '<p class="hint">no replicas</p>'}
  </div>`;
}

function replicaList(replicas) {
  return `<ul class="replicas">${replicas.map(r => `
    <li class="replica ${esc(r.state)}" data-function="${esc(r.function)}" data-state="${esc(r.state)}"
      title="${esc(r.replicaId)}">
      <a href="#/functions/${encodeURIComponent(r.function)}">${esc(r.function)}</a> v${esc(r.version)}
      · <span class="state">${esc(r.state.toLowerCase())}</span>
      · queue ${esc(r.outstanding)}${r.memoryBytes ? ' · ' + bytes(r.memoryBytes) : ''}
    </li>`).join('')}</ul>`;
}
