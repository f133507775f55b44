'use strict';
// Sessions: GET /v1/sessions, newest first, 50 a page, with the API's cursor in the URL.
(function () {
  S.filters({ outcome: true });
  const p = S.params();
  const cursor = S.query.get('cursor') || undefined;
  (async () => {
    try {
      const page = await S.api('/v1/sessions', { ...p, outcome: S.query.get('outcome') || undefined, limit: 50, cursor });
      const rows = page.items;
      const tokens = m => Number(m.inputTokens || 0) + Number(m.outputTokens || 0) + Number(m.cacheCreationTokens || 0) + Number(m.cacheReadTokens || 0);
      const table = rows.length === 0 ? S.empty('No sessions started in this range.') : S.table(null, [
        ['Start', r => S.sessionLink(r.id, S.time(r.startTime))], ['Agent', r => r.agentId], ['Project', r => r.projectId, { num: true }],
        ['Duration', r => S.seconds(r.duration), { num: true }], ['Outcome', r => S.outcome(r.outcome)],
        ['Quality', r => (r.qualityScore === null ? '–' : r.qualityScore), { num: true }],
        ['Requests', r => S.int(r.metrics.llmRequests), { num: true }], ['Tokens', r => S.int(tokens(r.metrics)), { num: true }],
        ['Cost', r => S.el('span', { dataset: { value: r.metrics.costUSD } }, S.usd(r.metrics.costUSD)), { num: true }]], rows);
      const q = new URLSearchParams(location.search);
      q.delete('cursor');
      const first = location.pathname + (q.toString() ? '?' + q : '');
      q.set('cursor', page.next || '');
      S.fill('content', table, S.el('nav', { class: 'pager', 'aria-label': 'Pages' },
        cursor ? S.el('a', { href: first }, '← Newest') : null,
        page.next ? S.el('a', { href: location.pathname + '?' + q, rel: 'next' }, 'Older →') : S.el('span', { class: 'muted' }, 'No older sessions.')));
      S.rendered();
    } catch (e) { S.fail(e); S.rendered(); }
  })();
})();
