// lmrelay's status page: reads the feed (SSE, a snapshot a second) and redraws. No build step,
// no dependencies: DOM and inline SVG only. Text goes in through textContent, never as HTML.
'use strict';

const SVG = 'http://www.w3.org/2000/svg';
const $ = (id) => document.getElementById(id);

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (k === 'className') node.className = v;
    else node.setAttribute(k, v);
  }
  for (const child of children) node.append(child instanceof Node ? child : String(child ?? ''));
  return node;
}

function ago(ms) {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return 'now';
  if (ms < 60_000) return `${Math.round(ms / 1000)}s ago`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)}m ago`;
  return `${Math.round(ms / 3_600_000)}h ago`;
}

function duration(ms) {
  if (ms === null || ms === undefined || ms < 0) return '—';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** Draws series (arrays of numbers or nulls, one per second) as polylines scaled to their common peak. */
function drawChart(svg, series, total) {
  const width = 300;
  const height = 80;
  let peak = 0;
  for (const s of series) for (const v of s.values) if (v !== null && v > peak) peak = v;
  const top = peak > 0 ? peak * 1.1 : 1;
  const lines = series.map((s) => {
    const step = width / Math.max(1, s.values.length - 1);
    const points = [];
    s.values.forEach((v, i) => {
      if (v !== null) points.push(`${(i * step).toFixed(1)},${(height - (v / top) * height).toFixed(1)}`);
    });
    const line = document.createElementNS(SVG, 'polyline');
    line.setAttribute('class', s.className);
    line.setAttribute('points', points.join(' '));
    return line;
  });
  svg.replaceChildren(...lines);
  svg.dataset.peak = String(peak);
  svg.dataset.total = String(total);
}

/** The charts span the last five minutes, or the time since start when shorter (one minute at least). */
function renderCharts(full, uptimeSeconds) {
  const span = Math.min(full.requests.length, Math.max(60, Math.ceil(uptimeSeconds) + 1));
  const series = Object.fromEntries(Object.entries(full).map(([k, v]) => [k, Array.isArray(v) ? v.slice(-span) : v]));
  const { requests, errors } = series;
  const sum = (values) => values.reduce((a, b) => a + b, 0);
  const lastOf = (values) => {
    for (let i = values.length - 1; i >= 0; i--) if (values[i] !== null) return values[i];
    return null;
  };
  // The last complete second (the current one is still filling).
  const recentRate = (values) => values[values.length - 2] ?? 0;
  drawChart($('chart-requests'), [{ className: 'requests', values: requests }], sum(requests));
  drawChart($('chart-errors'), [{ className: 'errors', values: errors }], sum(errors));
  const latency = [series.latencyP50, series.latencyP95];
  const ttft = [series.firstTokenP50, series.firstTokenP95];
  const counted = (values) => values.filter((v) => v !== null).length;
  drawChart($('chart-latency'), [{ className: 'p50', values: latency[0] }, { className: 'p95', values: latency[1] }], counted(latency[0]));
  drawChart($('chart-ttft'), [{ className: 'p50', values: ttft[0] }, { className: 'p95', values: ttft[1] }], counted(ttft[0]));
  const over = span >= 120 ? `${Math.round(span / 60)} min` : `${span} s`;
  $('v-requests').textContent = `${recentRate(requests)}/s · ${sum(requests)} in ${over}`;
  $('v-errors').textContent = `${recentRate(errors)}/s · ${sum(errors)} in ${over}`;
  $('v-latency').textContent = lastOf(latency[0]) === null ? '—' : `${duration(lastOf(latency[0]))} / ${duration(lastOf(latency[1]))}`;
  $('v-ttft').textContent = lastOf(ttft[0]) === null ? '—' : `${duration(lastOf(ttft[0]))} / ${duration(lastOf(ttft[1]))}`;
}

function renderProviders(providers) {
  const rows = providers.map((p) => {
    const failures = Object.entries(p.failures)
      .map(([kind, n]) => `${kind} ×${n}`)
      .join(', ');
    const models = el('td', {});
    for (const m of p.models) {
      const line = el('div', {}, el('code', {}, m.ref), ' ', el('span', { className: 'sub' }, `${m.recent.requests} / ${m.recent.errors}${m.kind === 'embedding' ? ' · embedding' : ''}`));
      models.append(line);
    }
    return el(
      'tr',
      { 'data-provider': p.id, 'data-health': p.health },
      el('td', {}, el('strong', {}, p.id), el('div', { className: 'sub' }, `${p.api} · ${p.address}${p.builtin ? ' · looked for on this machine' : ''}`)),
      el('td', {}, el('span', { className: `badge ${p.health}` }, p.health === 'cooling' ? 'cooling down' : p.health)),
      el('td', { className: 'num' }, p.coolingDownMs > 0 ? `${(p.coolingDownMs / 1000).toFixed(1)} s` : '—'),
      el('td', {}, ago(p.lastOkAgoMs)),
      el('td', {}, p.lastFailure ? `${p.lastFailure.kind}, ${ago(p.lastFailure.agoMs)}` : '—'),
      el('td', {}, failures || '—'),
      models,
    );
  });
  $('providers').tBodies[0].replaceChildren(...rows);
}

function renderChains(chains) {
  const items = chains.map((c) => el('li', { 'data-model': c.model }, c.chain.join('  →  '), c.kind === 'embedding' ? el('span', { className: 'sub' }, '  (embeddings)') : ''));
  $('chains').replaceChildren(...(items.length ? items : [el('li', {}, 'no models configured')]));
}

function statusClass(status) {
  return status >= 500 || status === 499 ? 'status-error' : status >= 400 ? 'status-client' : 'status-ok';
}

function renderRecent(recent) {
  const rows = recent.map((r) =>
    el(
      'tr',
      { 'data-status': String(r.status) },
      el('td', {}, new Date(r.at).toLocaleTimeString()),
      el('td', {}, el('code', {}, r.route)),
      el('td', {}, el('code', {}, r.model || '—')),
      el('td', {}, r.provider || '—'),
      el('td', { className: statusClass(r.status) }, r.status),
      el('td', { className: 'num' }, duration(r.durationMs)),
      el('td', { className: 'num' }, r.stream ? duration(r.firstTokenMs) : '—'),
      el('td', { className: 'num' }, r.attempts || '—'),
      el('td', {}, r.failureKind || ''),
    ),
  );
  $('recent').tBodies[0].replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: '9', className: 'sub' }, 'no requests yet'))]));
}

function render(snapshot) {
  renderCharts(snapshot.series, (snapshot.at - snapshot.startedAt) / 1000);
  renderProviders(snapshot.providers);
  renderChains(snapshot.chains);
  renderRecent(snapshot.recent);
  const up = Math.round((snapshot.at - snapshot.startedAt) / 1000);
  $('summary').textContent = `up ${up < 3600 ? `${Math.floor(up / 60)}m ${up % 60}s` : `${Math.floor(up / 3600)}h ${Math.floor((up % 3600) / 60)}m`} · ${snapshot.totals.requests} requests, ${snapshot.totals.errors} 5xx since start`;
  document.body.dataset.updated = String(snapshot.at);
}

function setLive(state) {
  const live = $('live');
  live.dataset.live = state;
  live.textContent = state === 'open' ? 'live' : state === 'closed' ? 'reconnecting…' : 'connecting…';
}

const feed = new EventSource('events');
feed.onopen = () => setLive('open');
feed.onerror = () => setLive('closed');
feed.onmessage = (event) => {
  setLive('open');
  render(JSON.parse(event.data));
};
