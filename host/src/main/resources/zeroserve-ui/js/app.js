// The dashboard: token handling, hash routes, and one poll loop feeding whichever view is shown.

import { get, token, setToken, setAuthRequired, isAuthRequired, canCall, onUnauthorized } from './api.js';
import { scrape } from './metrics.js';
import { clusterView } from './cluster.js';
import { functionsView, functionView } from './functions.js';
import { deployView } from './deploy.js';
import { shortId } from './dom.js';

const POLL_MS = 1000;
const state = { cluster: null, clusterError: null, functions: null, functionsError: null };
let view = null;
let polling = false;

const main = document.getElementById('main');
const tokenPanel = document.getElementById('token-panel');

function route() {
  const hash = location.hash || '#/cluster';
  const fn = hash.match(/^#\/functions\/([^/]+)$/);
  if (fn) return [functionView, { name: decodeURIComponent(fn[1]) }, 'functions'];
  if (hash === '#/functions') return [functionsView, {}, 'functions'];
  if (hash === '#/deploy') return [deployView, {}, 'deploy'];
  return [clusterView, {}, 'cluster'];
}

function show(focus) {
  if (view && view.dispose) view.dispose();
  const [next, params, nav] = route();
  view = next;
  document.querySelectorAll('[data-nav]').forEach(a => {
    if (a.dataset.nav === nav) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  });
  document.title = (next === functionView ? params.name : next.title) + ' · Zeroserve';
  if (!canCall()) {
    askForToken('');
    return;
  }
  next.render(main, params, state);
  if (focus) main.focus();
}

function askForToken(message) {
  tokenPanel.hidden = false;
  document.getElementById('token-error').textContent = message;
  main.innerHTML = '<p class="muted">Enter an API token to see this node.</p>';
  document.getElementById('token-input').focus();
}

async function poll() {
  if (polling || !canCall()) return;
  polling = true;
  try {
    const [cluster, functions, metrics] = await Promise.allSettled([get('/v1/cluster'), get('/v1/functions'), scrape()]);
    state.cluster = cluster.status === 'fulfilled' ? cluster.value : state.cluster;
    state.clusterError = cluster.status === 'rejected' ? 'cannot read the cluster: ' + cluster.reason.message : null;
    state.functions = functions.status === 'fulfilled' ? functions.value : state.functions;
    state.functionsError = functions.status === 'rejected' ? 'cannot list functions: ' + functions.reason.message
      : metrics.status === 'rejected' ? 'cannot read /metrics: ' + metrics.reason.message : null;
    const status = document.getElementById('node-status');
    status.textContent = cluster.status === 'fulfilled'
      ? `node ${shortId(state.cluster.self)} · ${state.cluster.clusterName} · ${state.cluster.nodes.length} node(s)`
      : 'node unreachable';
    if (view && view.update && canCall()) view.update(state);
  } finally {
    polling = false;
  }
}

async function start() {
  try {
    const response = await fetch('config.json', { cache: 'no-store' });
    setAuthRequired((await response.json()).authRequired === true);
  } catch (e) {
    main.innerHTML = '<p class="error">The node did not answer: ' + e.message + '</p>';
    return;
  }
  document.getElementById('sign-out').hidden = !isAuthRequired() || !token();
  onUnauthorized(message => {
    setToken(null);
    document.getElementById('sign-out').hidden = true;
    askForToken(message);
  });
  document.getElementById('token-form').addEventListener('submit', async e => {
    e.preventDefault();
    const input = document.getElementById('token-input');
    setToken(input.value.trim());
    try {
      await get('/v1/functions');
    } catch (err) {
      document.getElementById('token-error').textContent = err.message;
      return;
    }
    input.value = '';
    tokenPanel.hidden = true;
    document.getElementById('sign-out').hidden = false;
    show(true);
    poll();
  });
  document.getElementById('sign-out').addEventListener('click', () => {
    setToken(null);
    document.getElementById('sign-out').hidden = true;
    askForToken('');
  });
  window.addEventListener('hashchange', () => show(true));
  show(false);
  poll();
  setInterval(poll, POLL_MS);
}

start();
