'use strict';
// Costs: GET /v1/costs grouped by model, project, agent and day; each table's totals are the sums
// of the API's rows (the same for every grouping). Days are UTC days: `from` is rounded down to its day.
(function () {
  S.filters();
  const p = S.params();
  const groupings = [['model', 'By model'], ['project', 'By project'], ['agent', 'By agent'], ['day', 'By day (UTC)']];
  S.every(5000, async () => {
    const answers = await Promise.all(groupings.map(([g]) => S.api('/v1/costs', { ...p, group_by: g })));
    const sum = (rows, k) => rows.reduce((a, r) => a + Number(r[k]), 0);
    const rows = answers[0].costs;
    const total = { costUSD: sum(rows, 'costUSD'), llmRequests: sum(rows, 'llmRequests'), tokensIn: sum(rows, 'tokensIn'),
      tokensOut: sum(rows, 'tokensOut'), tokensCacheWrite: sum(rows, 'tokensCacheWrite'), tokensCacheRead: sum(rows, 'tokensCacheRead') };
    const columns = name => [[name, r => (r.group === '' ? '(no model)' : r.group)],
      ['Requests', r => S.int(r.llmRequests), { num: true }], ['Input', r => S.int(r.tokensIn), { num: true }],
      ['Output', r => S.int(r.tokensOut), { num: true }], ['Cache write', r => S.int(r.tokensCacheWrite), { num: true }],
      ['Cache read', r => S.int(r.tokensCacheRead), { num: true }],
      ['Cost', r => S.el('span', { dataset: { value: r.costUSD } }, S.usd(r.costUSD)), { num: true }]];
    const foot = rs => ['Total', S.int(sum(rs, 'llmRequests')), S.int(sum(rs, 'tokensIn')), S.int(sum(rs, 'tokensOut')),
      S.int(sum(rs, 'tokensCacheWrite')), S.int(sum(rs, 'tokensCacheRead')),
      S.el('span', { class: 'total', dataset: { value: sum(rs, 'costUSD') } }, S.usd(sum(rs, 'costUSD')))];
    const days = answers[3].costs.map(r => [Date.parse(r.group + 'T00:00:00Z'), Number(r.costUSD)]);
    S.fill('content',
      S.el('div', { class: 'cards' }, S.card('costUSD', 'Cost', S.usd(total.costUSD), total.costUSD),
        S.card('llmRequests', 'LLM requests', S.int(total.llmRequests), total.llmRequests),
        S.card('tokensIn', 'Input tokens', S.int(total.tokensIn), total.tokensIn), S.card('tokensOut', 'Output tokens', S.int(total.tokensOut), total.tokensOut),
        S.card('tokensCacheWrite', 'Cache write tokens', S.int(total.tokensCacheWrite), total.tokensCacheWrite),
        S.card('tokensCacheRead', 'Cache read tokens', S.int(total.tokensCacheRead), total.tokensCacheRead)),
      S.panel('Cost by day (UTC)', Charts.columns('Cost by day', days, 24 * 3600e3, S.usd)),
      groupings.map(([g, title], i) => S.el('section', { class: 'panel', id: 'costs-' + g, 'aria-label': title }, S.el('h2', {}, title),
        answers[i].costs.length === 0 ? S.empty() : S.table(null, columns(g[0].toUpperCase() + g.slice(1)), answers[i].costs, foot(answers[i].costs)))));
    S.rendered();
  });
})();
