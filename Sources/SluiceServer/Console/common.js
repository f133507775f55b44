'use strict';
// Shared by every console page: DOM building (text nodes only: nothing read from the API is ever
// parsed as HTML), the JSON API client, the range and filter form, number formats, live refresh.
const S = {};

/** An element with properties (`class`, `text`, `dataset`, `on<event>`, attributes) and children (nodes or text). */
S.el = function (tag, props, ...children) {
  const node = tag.startsWith('svg:') ? document.createElementNS('http://www.w3.org/2000/svg', tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.setAttribute('class', v);
    else if (k === 'text') node.textContent = String(v);
    else if (k === 'dataset') for (const [dk, dv] of Object.entries(v)) node.dataset[dk] = String(dv);
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
};

/** Replaces the children of `node` (an element or an id). */
S.fill = function (node, ...children) {
  if (typeof node === 'string') node = document.getElementById(node);
  node.replaceChildren();
  for (const c of children.flat(Infinity)) if (c !== null && c !== undefined && c !== false) node.append(c instanceof Node ? c : String(c));
  return node;
};

/** GET `path` with `params` from the JSON API; a 401 goes to the login page, any other failure throws its message. */
S.api = async function (path, params) {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(params || {})) if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, v);
  const response = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  if (response.status === 401) {
    location.assign('/login?next=' + encodeURIComponent(location.pathname + location.search));
    throw new Error('an API key is required');
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error || `${response.status} ${response.statusText}`);
  return body;
};

S.query = new URLSearchParams(location.search);
S.access = document.body.dataset.access;
S.ownProject = document.body.dataset.project || '';

const HOUR = 3600e3;
S.ranges = { '24h': 24, '7d': 168, '30d': 720 };

/** The range and filters of the page's URL, as API parameters: `from` (an hour boundary for the preset ranges), `to`, `project`, `agent`. */
S.params = function (defaultRange) {
  const range = S.query.get('range') || defaultRange || '7d';
  const p = { project: S.ownProject || S.query.get('project') || undefined, agent: S.query.get('agent') || undefined };
  if (range === 'custom') {
    const from = S.query.get('from'), to = S.query.get('to');
    if (from) p.from = new Date(from).toISOString();
    if (to) p.to = new Date(to).toISOString();
  } else if (range !== 'all') {
    const hours = S.ranges[range] || 168;
    p.from = new Date(Math.floor((Date.now() - hours * HOUR) / HOUR) * HOUR).toISOString();
  }
  document.body.dataset.params = JSON.stringify(p);
  return p;
};

/** Hours the range spans (for choosing hourly or daily series). */
S.spanHours = function (p) {
  const from = p.from ? Date.parse(p.from) : Date.now() - 720 * HOUR;
  const to = p.to ? Date.parse(p.to) : Date.now();
  return (to - from) / HOUR;
};

/** The filter form (a plain GET form: it works with the keyboard and the back button). */
S.filters = function (options) {
  options = options || {};
  const range = S.query.get('range') || options.defaultRange || '7d';
  const select = S.el('select', { name: 'range', id: 'f-range' },
    [['24h', 'Last 24 h'], ['7d', 'Last 7 days'], ['30d', 'Last 30 days'], ['all', 'All time'], ['custom', 'Custom']]
      .map(([v, t]) => S.el('option', { value: v, selected: v === range }, t)));
  const from = S.el('input', { type: 'datetime-local', name: 'from', id: 'f-from', value: S.query.get('from') || '' });
  const to = S.el('input', { type: 'datetime-local', name: 'to', id: 'f-to', value: S.query.get('to') || '' });
  const custom = () => { from.disabled = to.disabled = select.value !== 'custom'; };
  select.addEventListener('change', custom);
  custom();
  const fields = [
    S.el('label', { for: 'f-range' }, 'Range', select),
    S.el('label', { for: 'f-from' }, 'From', from),
    S.el('label', { for: 'f-to' }, 'To', to),
  ];
  if (S.ownProject) fields.push(S.el('label', {}, 'Project', S.el('span', { class: 'badge' }, S.ownProject)));
  else fields.push(S.el('label', { for: 'f-project' }, 'Project id', S.el('input', { type: 'number', min: 1, name: 'project', id: 'f-project', value: S.query.get('project') || '' })));
  fields.push(S.el('label', { for: 'f-agent' }, 'Agent', S.el('input', { type: 'text', name: 'agent', id: 'f-agent', value: S.query.get('agent') || '', placeholder: 'any' })));
  if (options.outcome) {
    const o = S.query.get('outcome') || '';
    fields.push(S.el('label', { for: 'f-outcome' }, 'Outcome', S.el('select', { name: 'outcome', id: 'f-outcome' },
      ['', 'success', 'failure', 'partial', 'cancelled'].map(v => S.el('option', { value: v, selected: v === o }, v || 'any')))));
  }
  for (const extra of options.extra || []) fields.unshift(extra);
  fields.push(S.el('button', { type: 'submit' }, 'Apply'));
  fields.push(S.el('span', { class: 'live', id: 'live' }));
  S.fill('filters', S.el('form', { class: 'filters', method: 'get', action: location.pathname }, fields));
};

/** The filter part of the URL, carried by the navigation links. */
S.carried = function () {
  const q = new URLSearchParams();
  for (const k of ['range', 'from', 'to', 'project', 'agent']) if (S.query.get(k)) q.set(k, S.query.get(k));
  const s = q.toString();
  return s ? '?' + s : '';
};

// Formats. Every value shown keeps its raw number in data-value (what the browser tests compare).
const en = new Intl.NumberFormat('en-US');
S.int = v => (v === null || v === undefined ? '–' : en.format(Number(v)));
S.usd = v => {
  if (v === null || v === undefined) return '–';
  const n = Number(v);
  const digits = Math.abs(n) >= 100 ? 2 : Math.abs(n) >= 1 ? 2 : 4;
  return '$' + n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
};
S.pct = v => (v === null || v === undefined ? '–' : (Number(v) * 100).toFixed(1) + '%');
S.ms = v => (v === null || v === undefined ? '–' : Number(v) < 1000 ? `${Number(v)} ms` : `${(Number(v) / 1000).toFixed(1)} s`);
S.seconds = v => {
  if (v === null || v === undefined) return '–';
  const s = Number(v);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
};
const pad = n => String(n).padStart(2, '0');
S.time = iso => {
  if (!iso) return '–';
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
};
S.clock = iso => { const d = new Date(iso); return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`; };

/** A statistic: label, formatted value, raw value (data-value) under a key (data-key). */
S.card = (key, label, text, raw) =>
  S.el('div', { class: 'card', dataset: { key, value: raw === null || raw === undefined ? '' : raw } },
    S.el('div', { class: 'label' }, label), S.el('div', { class: 'value' }, text));

/** A table: columns are [header, cell(row), {num}] and rows plain objects; `foot` an optional totals row. */
S.table = function (caption, columns, rows, foot) {
  const head = S.el('tr', {}, columns.map(c => S.el('th', { scope: 'col', class: c[2] && c[2].num ? 'num' : undefined }, c[0])));
  const body = rows.map(r => S.el('tr', {}, columns.map(c => S.el('td', { class: c[2] && c[2].num ? 'num' : undefined }, c[1](r)))));
  const footer = foot ? S.el('tfoot', {}, S.el('tr', {}, foot.map((cell, i) =>
    S.el('td', { class: columns[i] && columns[i][2] && columns[i][2].num ? 'num' : undefined }, cell)))) : null;
  return S.el('div', { class: 'scroll' }, S.el('table', {}, caption ? S.el('caption', { class: 'muted' }, caption) : null,
    S.el('thead', {}, head), S.el('tbody', {}, body), footer));
};

S.panel = (title, ...children) => S.el('section', { class: 'panel', 'aria-label': title }, S.el('h2', {}, title), children);
S.empty = text => S.el('p', { class: 'muted' }, text || 'Nothing in this range.');
S.sessionLink = (id, text) => S.el('a', { href: '/sessions/' + encodeURIComponent(id) }, text || String(id).slice(0, 8));
S.outcome = o => S.el('span', { class: 'badge ' + (o === 'success' ? 'good' : o === 'failure' ? 'bad' : o ? 'warn' : '') }, o || 'open');

S.fail = function (error) {
  const node = document.getElementById('error');
  node.hidden = false;
  node.textContent = String(error && error.message ? error.message : error);
};
S.clearError = () => { const n = document.getElementById('error'); n.hidden = true; n.textContent = ''; };

/** Marks a completed render (the browser tests wait on it): data-ready and a render count. */
S.rendered = function () {
  document.body.dataset.ready = 'true';
  document.body.dataset.renders = String(Number(document.body.dataset.renders || 0) + 1);
  const live = document.getElementById('live');
  if (live) live.textContent = 'updated ' + S.clock(new Date().toISOString());
};

/** Runs `task` now and then every `ms` while the tab is visible (live refresh by polling the API). */
S.every = function (ms, task) {
  let stopped = false;
  const tick = async () => {
    if (stopped) return;
    if (!document.hidden) {
      try { await task(); S.clearError(); } catch (e) { S.fail(e); S.rendered(); }
    }
    setTimeout(tick, ms);
  };
  tick();
  return () => { stopped = true; };
};

// The frame: current page in the navigation, filters carried along, logout only with a key.
(function () {
  const page = document.body.dataset.page;
  for (const a of document.querySelectorAll('nav a')) {
    if (a.dataset.nav === page || (page === 'session' && a.dataset.nav === 'sessions')) a.setAttribute('aria-current', 'page');
    if (a.dataset.nav !== 'search' && a.dataset.nav !== 'pipeline') a.href = a.getAttribute('href') + S.carried();
  }
  if (S.access === 'open') for (const f of document.querySelectorAll('[data-if-key]')) f.remove();
})();
