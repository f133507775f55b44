'use strict';
// Overview: the range's totals (GET /v1/overview), charts from the hourly or daily rollups
// (GET /v1/metrics/...), cost by model and the costliest sessions. The totals (with events by
// type and the top tools) refresh every second, the rest every five.
(function () {
  S.filters();
  const p = S.params();
  // Hourly points up to 7 days, daily beyond (a daily series starts at the UTC day of `from`).
  const hours = S.spanHours(p);
  const series = hours > 168 ? '/v1/metrics/daily' : '/v1/metrics/hourly';
  const bucket = hours > 168 ? 24 * 3600e3 : 3600e3;
  const cards = S.el('div', { class: 'cards', id: 'totals' });
  const panels = {};
  for (const [key, title] of [['tokens', 'Tokens by agent'], ['cost', 'Cost by agent (USD)'], ['types', 'Events by type'],
    ['errors', 'Errors'], ['models', 'Cost by model'], ['tools', 'Top tools'], ['sessions', 'Costliest sessions']]) {
    panels[key] = S.el('div', { id: 'panel-' + key });
    panels[key + 'Section'] = S.panel(title, panels[key]);
  }
  S.fill('content', cards, S.el('div', { class: 'grid' }, ['tokens', 'cost', 'types', 'errors', 'models', 'tools'].map(k => panels[k + 'Section'])),
    S.el('div', { class: 'panel-wide' }, panels.sessionsSection));

  async function totals() {
    const o = await S.api('/v1/overview', p);
    S.fill(cards,
      S.card('events', 'Events', S.int(o.events), o.events),
      S.card('sessions', 'Sessions', S.int(o.sessions), o.sessions),
      S.card('llmRequests', 'LLM requests', S.int(o.llmRequests), o.llmRequests),
      S.card('tokensIn', 'Input tokens', S.int(o.tokensIn), o.tokensIn),
      S.card('tokensOut', 'Output tokens', S.int(o.tokensOut), o.tokensOut),
      S.card('tokensCacheWrite', 'Cache write tokens', S.int(o.tokensCacheWrite), o.tokensCacheWrite),
      S.card('tokensCacheRead', 'Cache read tokens', S.int(o.tokensCacheRead), o.tokensCacheRead),
      S.card('costUSD', 'Cost', S.usd(o.costUSD), o.costUSD),
      S.card('errorRate', 'Error rate', S.pct(o.errorRate), o.errorRate),
      S.card('toolSuccessRate', 'Tool success', S.pct(o.toolSuccessRate), o.toolSuccessRate),
      S.card('p50Ms', 'p50 duration', S.ms(o.p50Ms), o.p50Ms),
      S.card('p95Ms', 'p95 duration', S.ms(o.p95Ms), o.p95Ms));
    S.fill(panels.tools, o.topTools.length === 0 ? S.empty() : S.table(null, [
      ['Tool', r => r.tool], ['Uses', r => S.int(r.uses), { num: true }], ['Failures', r => S.int(r.failures), { num: true }],
      ['Success', r => S.pct(r.successRate), { num: true }]], o.topTools));
    S.fill(panels.types, Charts.bars(Object.entries(o.eventsByType).map(([name, n]) => ({ name, value: n, text: S.int(n) }))));
  }

  async function rest() {
    const [byAgent, models, costly] = await Promise.all([
      S.api(series, { ...p, group_by: 'agent' }),
      S.api('/v1/costs', { ...p, group_by: 'model' }),
      S.api('/v1/sessions', { ...p, order: 'cost', limit: 10 })]);
    const tokens = r => Number(r.tokensIn) + Number(r.tokensOut) + Number(r.tokensCacheRead) + Number(r.tokensCacheWrite);
    const first = byAgent.series.length ? Date.parse(byAgent.series[0].bucket) : Date.now();
    const t0 = p.from ? Date.parse(p.from) : first, t1 = p.to ? Date.parse(p.to) : Date.now();
    const over = (groups) => Charts.filled(groups, t0, t1, bucket);
    S.fill(panels.tokens, Charts.lines('Tokens by agent over time', over(Charts.byGroup(byAgent.series, tokens)), S.int));
    S.fill(panels.cost, Charts.lines('Cost by agent over time', over(Charts.byGroup(byAgent.series, r => r.costUSD)), S.usd));
    const errors = Charts.byGroup(byAgent.series.map(r => ({ ...r, group: null })), r => r.errors)[0];
    S.fill(panels.errors, errors && errors.points.some(q => q[1] > 0)
      ? Charts.columns('Errors over time', over([errors])[0].points, bucket, S.int) : S.empty('No errors in this range.'));
    const m = models.costs.slice().sort((a, b) => Number(b.costUSD) - Number(a.costUSD));
    S.fill(panels.models, Charts.bars(m.map(r => ({ name: r.group || '(no model)', value: r.costUSD, text: S.usd(r.costUSD) }))));
    S.fill(panels.sessions, costly.items.length === 0 ? S.empty() : S.table(null, [
      ['Session', r => S.sessionLink(r.id)], ['Agent', r => r.agentId], ['Project', r => r.projectId, { num: true }],
      ['Start', r => S.time(r.startTime)], ['Requests', r => S.int(r.metrics.llmRequests), { num: true }],
      ['Cost', r => S.usd(r.metrics.costUSD), { num: true }]], costly.items));
  }

  let first = true;
  let lastRest = 0;
  S.every(1000, async () => {
    const jobs = [totals()];
    if (first || Date.now() - lastRest >= 5000) { lastRest = Date.now(); jobs.push(rest()); }
    await Promise.all(jobs);
    first = false;
    S.rendered();
  });
})();
