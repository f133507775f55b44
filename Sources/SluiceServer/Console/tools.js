'use strict';
// Tools: GET /v1/tools over the range: uses, failures, success rate, average and p50/p95 duration.
(function () {
  S.filters();
  const p = S.params();
  S.every(5000, async () => {
    const { tools } = await S.api('/v1/tools', p);
    const uses = tools.reduce((a, t) => a + Number(t.uses), 0), failures = tools.reduce((a, t) => a + Number(t.failures), 0);
    S.fill('content',
      S.el('div', { class: 'cards' }, S.card('tools', 'Tools used', S.int(tools.length), tools.length),
        S.card('uses', 'Uses', S.int(uses), uses), S.card('failures', 'Failures', S.int(failures), failures),
        S.card('successRate', 'Success rate', uses ? S.pct(1 - failures / uses) : '–', uses ? 1 - failures / uses : null)),
      tools.length === 0 ? S.empty() : S.panel('Per tool', S.table(null, [
        ['Tool', r => r.tool], ['Uses', r => S.el('span', { dataset: { value: r.uses } }, S.int(r.uses)), { num: true }],
        ['Failures', r => S.int(r.failures), { num: true }], ['Success', r => S.pct(r.successRate), { num: true }],
        ['Average', r => S.ms(r.avgMs), { num: true }], ['p50', r => S.ms(r.p50Ms), { num: true }],
        ['p95', r => S.ms(r.p95Ms), { num: true }]], tools)),
      tools.length === 0 ? null : S.panel('Uses', Charts.bars(tools.slice(0, 15).map(t => ({ name: t.tool, value: t.uses, text: S.int(t.uses) })))),
      S.el('p', { class: 'muted' }, 'Durations are from mergeable histograms: a percentile is the upper bound of its bucket (within a factor of 2).'));
    S.rendered();
  });
})();
