'use strict';
// Search: GET /v1/chat/search (PostgreSQL full-text search, web-search syntax) over chat
// messages, best first; each hit links to its session, opened at that message.
(function () {
  const q = S.query.get('q') || '';
  S.filters({ defaultRange: 'all', extra: [S.el('label', { for: 'f-q' }, 'Words', S.el('input', { type: 'search', name: 'q', id: 'f-q', value: q, required: true, placeholder: 'flaky test', autofocus: true }))] });
  const p = S.params('all');
  if (!q) { S.fill('content', S.el('p', { class: 'muted' }, 'Search prompts and responses: words, "a phrase", -excluded, or.')); S.rendered(); return; }
  /** The snippet's <b>…</b> marks (added by ts_headline) become <mark> elements; everything else stays text. */
  const snippet = text => {
    const parts = [];
    let rest = String(text || ''), on = false;
    while (rest.length) {
      const at = rest.indexOf(on ? '</b>' : '<b>');
      const piece = at < 0 ? rest : rest.slice(0, at);
      if (piece) parts.push(on ? S.el('mark', {}, piece) : piece);
      if (at < 0) break;
      rest = rest.slice(at + (on ? 4 : 3));
      on = !on;
    }
    return parts;
  };
  (async () => {
    try {
      const { messages } = await S.api('/v1/chat/search', { ...p, q, limit: 20 });
      S.fill('content', messages.length === 0 ? S.empty('No messages match.') : S.el('ol', { class: 'results', id: 'results' }, messages.map(m =>
        S.el('li', { dataset: { id: m.id, session: m.sessionId } },
          S.el('div', {}, S.el('span', { class: 'badge' }, m.role), ' ',
            S.el('a', { href: `/sessions/${encodeURIComponent(m.sessionId)}?from=${encodeURIComponent(m.timestamp)}#e-${encodeURIComponent(m.id)}` },
              `${S.time(m.timestamp)} · session ${String(m.sessionId).slice(0, 8)}`),
            S.el('span', { class: 'muted' }, ` · ${m.agentId} · project ${m.projectId}`)),
          S.el('p', { class: 'snippet' }, snippet(m.snippet))))));
      S.rendered();
    } catch (e) { S.fail(e); S.rendered(); }
  })();
})();
