'use strict';
// One session: its metrics (GET /v1/sessions/{id}) and its timeline (GET /v1/sessions/{id}/events,
// 100 events a page, "Load more" for long sessions). While it is open, new events are appended
// every second without reloading.
(function () {
  const id = decodeURIComponent(location.pathname.split('/')[2] || '');
  const from = S.query.get('from') || undefined;
  S.fill('filters', S.el('p', {}, S.el('a', { href: '/sessions' + S.carried() }, '← Sessions'), ' ',
    from ? S.el('a', { href: location.pathname }, 'From the start') : null, ' ', S.el('span', { class: 'live', id: 'live' })));
  const facts = S.el('div', { id: 'session-facts' });
  const list = S.el('ol', { class: 'timeline', id: 'timeline' });
  const more = S.el('button', { type: 'button', id: 'more', hidden: true }, 'Load more');
  S.fill('content', facts, S.panel('Timeline', list, S.el('div', { class: 'pager' }, more)));
  const shown = new Set();
  let tailCursor; // the cursor that fetched the last page (undefined: the first)
  let next = null;

  const str = v => (v === undefined || v === null ? undefined : typeof v === 'string' ? v : JSON.stringify(v));
  function describe(e) {
    const d = e.data || {}, m = e.metrics || {};
    const facts = [];
    let text;
    const put = (label, value) => { if (value !== undefined && value !== null && value !== '') facts.push(`${label} ${value}`); };
    switch (e.eventType) {
      case 'user_interaction': case 'user_prompt': text = str(d.prompt ?? d.content ?? d.message); break;
      case 'llm_response': text = str(d.response ?? d.content ?? d.message); put('model', d.model); break;
      case 'llm_request':
        put('model', d.model ?? m.model); put('in', S.int(m.inputTokens ?? m.promptTokens)); put('out', S.int(m.outputTokens ?? m.responseTokens));
        if (m.cacheReadTokens) put('cache read', S.int(m.cacheReadTokens));
        if (m.cacheCreationTokens) put('cache write', S.int(m.cacheCreationTokens));
        if (m.costUSD ?? m.cost) put('cost', S.usd(m.costUSD ?? m.cost));
        break;
      case 'tool_use': case 'tool_invocation':
        put('tool', d.toolName ?? d.tool ?? d.name);
        if (d.success === false || d.error) facts.push('failed'); else if (d.success === true) facts.push('succeeded');
        text = str(d.command ?? d.error); break;
      case 'command_execute': case 'command_execution': text = str(d.command); put('exit', d.exitCode); break;
      case 'error_encountered': text = str(d.error ?? d.message); break;
      default:
        if (e.eventType.startsWith('file_')) put('file', d.filePath ?? d.path ?? d.file);
        else text = str(d.message ?? d.command);
    }
    if (m.durationMs !== undefined && m.durationMs !== null) put('duration', S.ms(m.durationMs));
    if (e.severity && e.severity !== 'info') put('severity', e.severity);
    return { text, facts };
  }

  function item(e) {
    const { text, facts } = describe(e);
    const bad = e.severity === 'error' || e.severity === 'critical' || e.eventType === 'error_encountered' || (e.data && e.data.success === false);
    return S.el('li', { id: 'e-' + e.id, dataset: { id: e.id, type: e.eventType, timestamp: e.timestamp } },
      S.el('time', { class: 'when', datetime: e.timestamp }, S.time(e.timestamp)),
      S.el('div', {}, S.el('span', { class: 'badge' + (bad ? ' bad' : '') }, e.eventType)),
      S.el('div', {},
        facts.length ? S.el('div', { class: 'facts' }, facts.join(' · ')) : null,
        text !== undefined ? S.el('pre', { class: 'text' }, text) : null,
        S.el('details', {}, S.el('summary', {}, 'Raw event'), S.el('pre', { class: 'text' }, JSON.stringify(e, null, 2)))));
  }

  function append(page, cursor) {
    for (const e of page.items) {
      if (shown.has(e.id)) continue;
      shown.add(e.id);
      list.append(item(e));
    }
    tailCursor = page.next || cursor;
    next = page.next;
    more.hidden = !next;
  }

  const fetchPage = cursor => S.api(`/v1/sessions/${encodeURIComponent(id)}/events`, { limit: 100, cursor, from });
  async function loadPage(cursor) { append(await fetchPage(cursor), cursor); }

  /** Refetches the last page and appends what is new, following on while pages come back full. */
  async function tail() {
    for (let i = 0; i < 20; i++) {
      const cursor = tailCursor;
      const page = await fetchPage(cursor);
      append(page, cursor);
      if (!page.next) return;
    }
  }

  async function metrics() {
    const s = await S.api('/v1/sessions/' + encodeURIComponent(id));
    const m = s.metrics || {};
    S.fill(facts,
      S.el('div', { class: 'cards' },
        S.card('agent', 'Agent', `${s.agentId} ${s.agentVersion || ''}`, s.agentId), S.card('project', 'Project', s.projectId, s.projectId),
        S.card('outcome', 'Outcome', s.outcome || 'open', s.outcome), S.card('quality', 'Quality', s.qualityScore ?? '–', s.qualityScore),
        S.card('duration', 'Duration', S.seconds(s.duration), s.duration), S.card('events', 'Events', S.int(m.events), m.events),
        S.card('llmRequests', 'LLM requests', S.int(m.llmRequests), m.llmRequests),
        S.card('inputTokens', 'Input tokens', S.int(m.inputTokens), m.inputTokens), S.card('outputTokens', 'Output tokens', S.int(m.outputTokens), m.outputTokens),
        S.card('costUSD', 'Cost', S.usd(m.costUSD), m.costUSD), S.card('toolCalls', 'Tool calls', `${S.int(m.toolCalls)} (${S.int(m.toolFailures)} failed)`, m.toolCalls),
        S.card('errors', 'Errors', S.int(m.errors), m.errors)),
      S.el('p', { class: 'muted' }, `Session ${s.id} · started ${S.time(s.startTime)} · last event ${S.time(s.lastEventAt)}`,
        s.endTime ? ` · ended ${S.time(s.endTime)}` : ' · open'));
  }

  more.addEventListener('click', async () => {
    more.disabled = true;
    try { await loadPage(next); } catch (e) { S.fail(e); }
    more.disabled = false;
  });

  let first = true;
  S.every(1000, async () => {
    if (first) {
      await Promise.all([metrics(), loadPage(undefined)]);
      first = false;
      // The timeline is built after load, so the fragment (a search hit's message) is marked here.
      const target = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
      if (target) { target.classList.add('target'); target.tabIndex = -1; target.focus(); target.scrollIntoView({ block: 'center' }); }
    } else {
      // Live: refetch the last page and append what is new; follow on while pages come back full.
      const jobs = [metrics()];
      if (!next) jobs.push(tail());
      await Promise.all(jobs);
    }
    S.rendered();
  });
})();
