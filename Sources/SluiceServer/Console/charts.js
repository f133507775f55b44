'use strict';
// Charts drawn as SVG with DOM calls (no library, nothing fetched): lines over time, columns over
// time, horizontal bars. Colours are the stylesheet's --c1…--c8, so they follow light and dark mode.
const Charts = {};
const W = 640, H = 220, L = 56, R = 12, T = 10, B = 26;
const colour = i => `var(--c${(i % 8) + 1})`;

function svg(label) {
  return S.el('svg:svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': label });
}

/** A short axis label: 1.2k, 3.4M, $0.25. */
function compact(v, format) {
  const money = format === S.usd;
  const a = Math.abs(v);
  const text = a >= 1e6 ? (v / 1e6).toFixed(1) + 'M' : a >= 1e4 ? (v / 1e3).toFixed(0) + 'k' : a >= 1e3 ? (v / 1e3).toFixed(1) + 'k'
    : a >= 10 || v === 0 ? v.toFixed(0) : a >= 1 ? v.toFixed(1) : v.toPrecision(2);
  return (money ? '$' : '') + text;
}

function axes(node, max, t0, t1, format) {
  for (let i = 0; i <= 4; i++) {
    const y = T + (H - T - B) * (1 - i / 4);
    node.append(S.el('svg:line', { class: 'axis', x1: L, x2: W - R, y1: y, y2: y }));
    node.append(S.el('svg:text', { x: L - 6, y: y + 4, 'text-anchor': 'end' }, compact(max * i / 4, format)));
  }
  const days = t1 - t0 > 3 * 24 * 3600e3;
  for (const [t, anchor] of [[t0, 'start'], [(t0 + t1) / 2, 'middle'], [t1, 'end']]) {
    const d = new Date(t);
    const x = L + (W - L - R) * (t1 === t0 ? 0 : (t - t0) / (t1 - t0));
    node.append(S.el('svg:text', { x, y: H - 8, 'text-anchor': anchor },
      `${d.getMonth() + 1}/${d.getDate()}` + (days ? '' : ` ${String(d.getHours()).padStart(2, '0')}:00`)));
  }
}

function legend(names) {
  return S.el('div', { class: 'legend' }, names.map((n, i) => {
    const s = S.el('span', {}, n);
    s.style.setProperty('--swatch', colour(i));
    return s;
  }));
}

/** Lines over time: `groups` is [{name, points: [[time ms, value]]}]. */
Charts.lines = function (label, groups, format) {
  const all = groups.flatMap(g => g.points);
  if (all.length === 0) return S.empty();
  const t0 = Math.min(...all.map(p => p[0])), t1 = Math.max(...all.map(p => p[0]));
  const max = Math.max(...all.map(p => p[1])) || 1;
  const node = svg(label);
  node.append(S.el('svg:title', {}, label));
  axes(node, max, t0, t1, format);
  const x = t => L + (W - L - R) * (t1 === t0 ? 0.5 : (t - t0) / (t1 - t0));
  const y = v => T + (H - T - B) * (1 - v / max);
  groups.forEach((g, i) => {
    const pts = g.points.slice().sort((a, b) => a[0] - b[0]);
    const line = S.el('svg:polyline', { fill: 'none', 'stroke-width': 2, points: pts.map(p => `${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(' ') });
    line.style.stroke = colour(i);
    line.append(S.el('svg:title', {}, g.name));
    node.append(line);
  });
  return S.el('figure', { class: 'chart-figure' }, node, legend(groups.map(g => g.name)));
};

/** Columns over time: `points` is [[time ms, value]], `width` the bucket width in ms. */
Charts.columns = function (label, points, width, format) {
  if (points.length === 0) return S.empty();
  const t0 = Math.min(...points.map(p => p[0])), t1 = Math.max(...points.map(p => p[0])) + width;
  const max = Math.max(...points.map(p => p[1])) || 1;
  const node = svg(label);
  node.append(S.el('svg:title', {}, label));
  axes(node, max, t0, t1, format);
  const scale = (W - L - R) / Math.max(t1 - t0, 1);
  for (const [t, v] of points) {
    const h = (H - T - B) * (v / max);
    const rect = S.el('svg:rect', { x: (L + (t - t0) * scale).toFixed(1), y: (H - B - h).toFixed(1),
      width: Math.max(1, width * scale - 1).toFixed(1), height: h.toFixed(1) });
    rect.style.fill = 'var(--c2)';
    rect.append(S.el('svg:title', {}, `${S.time(new Date(t).toISOString())}: ${format(v)}`));
    node.append(rect);
  }
  return S.el('figure', { class: 'chart-figure' }, node);
};

/** Horizontal bars: `items` is [{name, value, text, href?}], longest first as given. */
Charts.bars = function (items) {
  if (items.length === 0) return S.empty();
  const max = Math.max(...items.map(i => Number(i.value))) || 1;
  return S.el('div', { class: 'bars' }, items.map(item => {
    const bar = S.el('div', { class: 'bar' });
    bar.style.width = (100 * Number(item.value) / max).toFixed(1) + '%';
    return [S.el('span', { class: 'name' }, item.href ? S.el('a', { href: item.href }, item.name) : item.name), bar,
      S.el('span', { class: 'num', dataset: { value: item.value } }, item.text)];
  }));
};

/** Every bucket of [t0, t1) in each group, 0 where the series has none (no events is zero, not a gap). */
Charts.filled = function (groups, t0, t1, width) {
  const start = Math.floor(t0 / width) * width;
  if ((t1 - start) / width > 2000) return groups;
  return groups.map(g => {
    const m = new Map(g.points);
    const points = [];
    for (let t = start; t < t1; t += width) points.push([t, m.get(t) || 0]);
    return { name: g.name, points };
  });
};

/** Sums a metrics series (`/v1/metrics/...`) per group: [{name, points}] of `pick(row)`. */
Charts.byGroup = function (series, pick) {
  const groups = new Map();
  for (const row of series) {
    const name = row.group === null || row.group === undefined ? 'all' : String(row.group);
    if (!groups.has(name)) groups.set(name, new Map());
    const t = Date.parse(row.bucket);
    const m = groups.get(name);
    m.set(t, (m.get(t) || 0) + Number(pick(row) || 0));
  }
  return [...groups.entries()].map(([name, m]) => ({ name, points: [...m.entries()] }));
};
