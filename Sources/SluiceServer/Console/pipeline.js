'use strict';
// Pipeline: GET /v1/status every two seconds: ingest, each projector part, archive and retention.
(function () {
  S.fill('filters', S.el('p', { class: 'live', id: 'live' }));
  S.every(2000, async () => {
    const s = await S.api('/v1/status');
    const a = s.archive;
    S.fill('content',
      S.el('div', { class: 'cards' },
        S.card('status', 'Status', s.status, s.status), S.card('mode', 'Database mode', s.mode, s.mode),
        S.card('writerWait', 'Ingest: batches waited for a writer', `${Number(s.ingest.writerWaitSeconds).toFixed(2)} s`, s.ingest.writerWaitSeconds)),
      S.panel('Projector parts', S.table(null, [
        ['Part', r => r.part], ['Position', r => r.position, { num: true }], ['Events behind', r => S.int(r.eventsBehind), { num: true }],
        ['Lag', r => (r.lagSeconds === undefined ? '–' : `${Number(r.lagSeconds).toFixed(1)} s`), { num: true }],
        ['Last step', r => S.time(r.steppedAt)], ['Step', r => (r.stepSeconds === undefined ? '–' : `${(1000 * r.stepSeconds).toFixed(0)} ms`), { num: true }],
        ['Failures', r => S.el('span', { class: r.failures > 0 ? 'badge bad' : '' }, S.int(r.failures)), { num: true }],
        ['Dead letters', r => S.el('span', { class: r.deadLetters > 0 ? 'badge bad' : '' }, S.int(r.deadLetters)), { num: true }],
        ['Days to refresh', r => S.int(r.refreshDaysPending), { num: true }],
        ['Last error', r => (r.lastError ? `${r.lastError} (${S.time(r.lastErrorAt)})` : '–')]], s.projector.parts)),
      S.panel('Archive and retention', S.el('dl', { class: 'facts' },
        S.el('dt', {}, 'Schedule in this server'), S.el('dd', {}, a.scheduled ? 'on (SLUICE_RETENTION_INTERVAL_S)' : 'off (run `sluice archive` from cron, or set SLUICE_RETENTION_INTERVAL_S)'),
        S.el('dt', {}, 'Archive parts'), S.el('dd', {}, `${S.int(a.parts)} (${S.int(a.bytes)} bytes)`),
        S.el('dt', {}, 'Last part written'), S.el('dd', {}, S.time(a.lastPartAt)),
        S.el('dt', {}, 'Last retention run'), S.el('dd', {}, S.time(a.lastRetentionRunAt)),
        S.el('dt', {}, 'Days dropped'), S.el('dd', {}, S.int(a.daysDropped)),
        S.el('dt', {}, 'Days due for the archive'), S.el('dd', {}, a.archiveDaysBehind === undefined ? 'not known here' : S.int(a.archiveDaysBehind)),
        S.el('dt', {}, 'Days past retention still stored'), S.el('dd', {}, a.retentionDaysBehind === undefined ? 'not known here' : S.int(a.retentionDaysBehind)))),
      S.el('p', { class: 'muted' }, 'Schema, partitions and definitions: run `sluice doctor`. Prometheus series: GET /metrics.'));
    S.rendered();
  });
})();
