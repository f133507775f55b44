import Foundation
import SluiceStore

/// Read queries over the projections, answering with JSON built by PostgreSQL.
/// Every value is a parameter; `project` restricts a project key to its own project.
public enum Queries {
    /// Filters shared by the list endpoints.
    public struct Filter: Sendable {
        public var project: Int32?
        public var agent: String?
        public var outcome: String?
        public var from: String?
        public var to: String?
        public init(project: Int32? = nil, agent: String? = nil, outcome: String? = nil, from: String? = nil, to: String? = nil) {
            self.project = project
            self.agent = agent
            self.outcome = outcome
            self.from = from
            self.to = to
        }
    }

    /// A page of results and the cursor of the next one.
    public struct Page: Sendable {
        public var json: String
        public var next: String?
        public init(json: String, next: String?) {
            self.json = json
            self.next = next
        }
    }

    static let sessionFields = """
        'id', s.id, 'agentId', s.agent_id, 'agentVersion', s.agent_version, 'projectId', s.project_id,
        'startTime', s.start_time, 'endTime', s.end_time, 'lastEventAt', s.last_event_at, 'duration', s.duration,
        'outcome', s.outcome, 'qualityScore', s.quality_score, 'context', s.context, 'metrics', s.metrics
        """

    /// The ``Filter`` over `agent_sessions s`, its values in `$1` … `$5` (``filterParameters(_:)``).
    static let sessionFilter = """
        ($1::int IS NULL OR s.project_id = $1::int)
          AND ($2::text IS NULL OR s.agent_id = $2)
          AND ($3::text IS NULL OR s.outcome = $3)
          AND ($4::timestamptz IS NULL OR s.start_time >= $4::timestamptz)
          AND ($5::timestamptz IS NULL OR s.start_time < $5::timestamptz)
        """

    static func filterParameters(_ f: Filter) -> [String?] { [f.project.map(String.init), f.agent, f.outcome, f.from, f.to] }

    /// Sessions, newest first, `limit` at a time; `cursor` continues after the previous page.
    public static func sessions(_ f: Filter, limit: Int, cursor: String?, on conn: PostgresConnection) throws(StoreError) -> Page {
        let after = cursor.flatMap(Cursor.decode)
        let rows = try conn.execute("""
            SELECT json_build_object(\(sessionFields))::text, s.start_time::text, s.id::text
            FROM agent_sessions s
            WHERE \(sessionFilter)
              AND ($6::timestamptz IS NULL OR (s.start_time, s.id) < ($6::timestamptz, $7::uuid))
            ORDER BY s.start_time DESC, s.id DESC
            LIMIT $8::int
            """, filterParameters(f) + [after?.0, after?.1, String(limit)]).decodedRows
        return try page(rows, limit: limit)
    }

    /// One session, or nil.
    public static func session(_ id: String, project: Int32?, on conn: PostgresConnection) throws(StoreError) -> String? {
        try conn.execute("""
            SELECT json_build_object(\(sessionFields))::text FROM agent_sessions s
            WHERE s.id = $1::uuid AND ($2::int IS NULL OR s.project_id = $2::int)
            """, [id, project.map(String.init)]).scalar(String.self)
    }

    /// Sessions that started in the filter's range, costliest first (then newest): at most `limit`, one page.
    public static func costliestSessions(_ f: Filter, limit: Int, on conn: PostgresConnection) throws(StoreError) -> String {
        try conn.execute("""
            SELECT coalesce(json_agg(json_build_object(\(sessionFields)) ORDER BY s.cost DESC, s.start_time DESC, s.id DESC), '[]')::text
            FROM (SELECT s.*, (s.metrics->>'costUSD')::numeric AS cost
                  FROM agent_sessions s
                  WHERE \(sessionFilter)
                    AND (s.metrics->>'costUSD')::numeric > 0
                  ORDER BY cost DESC, s.start_time DESC, s.id DESC
                  LIMIT $6::int) s
            """, filterParameters(f) + [String(limit)]).value(String.self)
    }

    /// A session's events in time order, `limit` at a time, from `from` (inclusive) when given.
    public static func sessionEvents(_ id: String, project: Int32?, from: String? = nil, limit: Int, cursor: String?, on conn: PostgresConnection) throws(StoreError) -> Page {
        let after = cursor.flatMap(Cursor.decode)
        let rows = try conn.execute("""
            SELECT json_build_object('id', e.id, 'timestamp', e."timestamp", 'eventType', e.event_type, 'agentId', e.agent_id,
                       'agentVersion', e.agent_version, 'sessionId', e.session_id, 'projectId', e.project_id,
                       'context', e.context, 'data', e.data, 'metrics', e.metrics, 'parentEventId', e.parent_event_id,
                       'relatedEventIds', e.related_event_ids, 'tags', e.tags, 'severity', e.severity)::text,
                   e."timestamp"::text, e.id::text
            FROM agent_events e
            WHERE e.session_id = $1::uuid AND ($2::int IS NULL OR e.project_id = $2::int)
              AND ($3::timestamptz IS NULL OR (e."timestamp", e.id) > ($3::timestamptz, $4::uuid))
              AND ($6::timestamptz IS NULL OR e."timestamp" >= $6::timestamptz)
            ORDER BY e."timestamp", e.id
            LIMIT $5::int
            """, [id, project.map(String.init), after?.0, after?.1, String(limit), from]).decodedRows
        return try page(rows, limit: limit)
    }

    /// What `GET /v1/metrics/hourly` groups by, besides the hour.
    public enum Grouping: String, Sendable, CaseIterable {
        case none, agent, eventType = "event_type", project
    }

    /// The bucket width of a metrics series.
    public enum Resolution: String, Sendable {
        /// UTC hours, from `agent_events_hourly`.
        case hour
        /// UTC days, from `agent_events_daily` (24 times fewer rows: what long ranges read).
        case day

        /// The rollup of this width: per project, or summed over projects (`_all_projects`, a
        /// fraction of the rows, for series that neither filter nor group by project).
        func table(perProject: Bool) -> String {
            (self == .hour ? "agent_events_hourly" : "agent_events_daily") + (perProject ? "" : "_all_projects")
        }
    }

    /// A series from `agent_events_hourly` or `agent_events_daily` (or their all-projects sums
    /// when the project plays no part): counts, tokens, cost, error rate, latency p50/p95/p99 per
    /// bucket. Histograms are summed bucket by bucket with native sums; quantiles are taken here
    /// (``LatencyHistogram``, the rule of `sluice_histogram_quantile`), once per group. `from` is
    /// rounded down to its hour or day.
    public static func series(_ f: Filter, groupBy: Grouping, resolution: Resolution, on conn: PostgresConnection) throws(StoreError) -> String {
        let perProject = f.project != nil || groupBy == .project
        let key = switch groupBy {
        case .none: "NULL::text"
        case .agent: "h.agent_id"
        case .eventType: "h.event_type"
        case .project: "h.project_id::text"
        }
        let rows = try conn.execute("""
            SELECT row_to_json(r)::text, g.histogram::text
            FROM (SELECT h.bucket, \(key) AS "group",
                         sum(h.event_count) AS "events", sum(h.error_count) AS "errors",
                         round(sum(h.error_count)::numeric / nullif(sum(h.event_count), 0), 4) AS "errorRate",
                         sum(h.tokens_in) AS "tokensIn", sum(h.tokens_out) AS "tokensOut",
                         sum(h.tokens_cache_read) AS "tokensCacheRead", sum(h.tokens_cache_write) AS "tokensCacheWrite",
                         sum(h.cost_usd) AS "costUSD", sum(h.tool_failures) AS "toolFailures",
                         sum(h.duration_count) AS "durations", \(histogramSum(of: "h")) AS histogram
                  FROM \(resolution.table(perProject: perProject)) h
                  WHERE \(perProject ? "($1::int IS NULL OR h.project_id = $1::int)" : "$1::int IS NULL")
                    AND ($2::text IS NULL OR h.agent_id = $2)
                    AND ($3::timestamptz IS NULL OR h.bucket >= date_trunc('\(resolution.rawValue)', $3::timestamptz, 'UTC'))
                    AND ($4::timestamptz IS NULL OR h.bucket < $4::timestamptz)
                  GROUP BY 1, 2) g
            CROSS JOIN LATERAL (SELECT g.bucket, g."group", g.events, g.errors, g."errorRate", g."tokensIn", g."tokensOut",
                                       g."tokensCacheRead", g."tokensCacheWrite", g."costUSD", g."toolFailures", g.durations) r
            ORDER BY g.bucket, g."group"
            """, [f.project.map(String.init), f.agent, f.from, f.to]).decodedRows
        return try withQuantiles(rows, [("p50Ms", 0.5), ("p95Ms", 0.95), ("p99Ms", 0.99)])
    }

    /// Per tool over the filter's range: uses, failures, success rate, p50/p95 duration. Whole UTC
    /// days inside the range are read from `agent_tools_daily`, the hours before and after them from
    /// `agent_tools_hourly` (`from` is rounded down to its hour), so a month costs 30 rows per key
    /// plus at most 46 hours.
    public static func tools(_ f: Filter, on conn: PostgresConnection) throws(StoreError) -> String {
        let rows = try conn.execute("""
            WITH span AS (\(rangeSpan)),
            t AS (
                SELECT t.* FROM agent_tools_daily t, span WHERE t.bucket >= span.dlo AND t.bucket < span.dhi
                UNION ALL
                SELECT t.* FROM agent_tools_hourly t, span
                WHERE \(hoursAroundDays))
            SELECT row_to_json(r)::text, g.histogram::text
            FROM (SELECT t.tool_name AS "tool", sum(t.uses) AS "uses", sum(t.failures) AS "failures",
                         round(1 - sum(t.failures)::numeric / nullif(sum(t.uses), 0), 4) AS "successRate",
                         round(sum(t.duration_sum_ms) / nullif(sum(t.duration_count), 0), 1) AS "avgMs",
                         \(histogramSum(of: "t")) AS histogram
                  FROM t
                  WHERE ($1::int IS NULL OR t.project_id = $1::int) AND ($2::text IS NULL OR t.agent_id = $2)
                  GROUP BY 1) g
            CROSS JOIN LATERAL (SELECT g.tool, g.uses, g.failures, g."successRate", g."avgMs") r
            ORDER BY g.uses DESC, g.tool
            """, [f.project.map(String.init), f.agent, f.from, f.to]).decodedRows
        return try withQuantiles(rows, [("p50Ms", 0.5), ("p95Ms", 0.95)])
    }

    /// The totals of the filter's range: events (and by type), errors and error rate, LLM requests,
    /// tokens by kind, cost, latency p50/p95 (from the event rollups), tool uses, failures and success rate
    /// and the ten most used tools (from the tool rollups, without their durations: the costly part
    /// of ``tools(_:on:)``) and sessions started. Whole UTC days come from the daily rollups,
    /// the hours around them from the hourly ones (as ``tools(_:on:)``; `from` is rounded down to
    /// its hour), so a month reads 30 rows per key plus at most 46 hours; sessions are counted
    /// from `agent_sessions` by start time (`from` as given).
    public static func overview(_ f: Filter, on conn: PostgresConnection) throws(StoreError) -> String {
        let perProject = f.project != nil
        let columns = """
            bucket, agent_id, event_type, event_count, error_count, duration_count, tokens_in, tokens_out,
            tokens_cache_read, tokens_cache_write, cost_usd, latency_histogram\(perProject ? ", project_id" : "")
            """
        let rows = try conn.execute("""
            WITH span AS (\(rangeSpan)),
            h AS (
                SELECT \(columns) FROM \(Resolution.day.table(perProject: perProject)) t, span WHERE t.bucket >= span.dlo AND t.bucket < span.dhi
                UNION ALL
                SELECT \(columns) FROM \(Resolution.hour.table(perProject: perProject)) t, span
                WHERE \(hoursAroundDays)),
            t AS (
                SELECT t.* FROM agent_tools_daily t, span WHERE t.bucket >= span.dlo AND t.bucket < span.dhi
                UNION ALL
                SELECT t.* FROM agent_tools_hourly t, span
                WHERE \(hoursAroundDays)),
            e AS (
                SELECT coalesce(sum(h.event_count), 0) AS events, coalesce(sum(h.error_count), 0) AS errors,
                       round(sum(h.error_count)::numeric / nullif(sum(h.event_count), 0), 4) AS "errorRate",
                       coalesce(sum(h.event_count) FILTER (WHERE h.event_type = 'llm_request'), 0) AS "llmRequests",
                       coalesce(sum(h.tokens_in), 0) AS "tokensIn", coalesce(sum(h.tokens_out), 0) AS "tokensOut",
                       coalesce(sum(h.tokens_cache_read), 0) AS "tokensCacheRead",
                       coalesce(sum(h.tokens_cache_write), 0) AS "tokensCacheWrite", coalesce(sum(h.cost_usd), 0) AS "costUSD",
                       \(histogramSum(of: "h")) AS histogram
                FROM h
                WHERE \(perProject ? "h.project_id = $1::int" : "$1::int IS NULL") AND ($2::text IS NULL OR h.agent_id = $2)),
            types AS (
                SELECT coalesce(json_object_agg(x.event_type, x.n ORDER BY x.n DESC, x.event_type), '{}') AS "eventsByType"
                FROM (SELECT h.event_type, sum(h.event_count) AS n FROM h
                      WHERE \(perProject ? "h.project_id = $1::int" : "$1::int IS NULL") AND ($2::text IS NULL OR h.agent_id = $2)
                      GROUP BY 1) x),
            per_tool AS (
                SELECT t.tool_name AS tool, sum(t.uses) AS uses, sum(t.failures) AS failures
                FROM t WHERE ($1::int IS NULL OR t.project_id = $1::int) AND ($2::text IS NULL OR t.agent_id = $2)
                GROUP BY 1),
            tools AS (
                SELECT coalesce(sum(uses), 0) AS "toolUses", coalesce(sum(failures), 0) AS "toolFailures",
                       round(1 - sum(failures)::numeric / nullif(sum(uses), 0), 4) AS "toolSuccessRate",
                       (SELECT coalesce(json_agg(json_build_object('tool', x.tool, 'uses', x.uses, 'failures', x.failures,
                                                                   'successRate', round(1 - x.failures::numeric / nullif(x.uses, 0), 4))
                                                 ORDER BY x.uses DESC, x.tool), '[]')
                        FROM (SELECT * FROM per_tool ORDER BY uses DESC, tool LIMIT 10) x) AS "topTools"
                FROM per_tool),
            s AS (
                SELECT count(*) AS sessions FROM agent_sessions s
                WHERE ($1::int IS NULL OR s.project_id = $1::int) AND ($2::text IS NULL OR s.agent_id = $2)
                  AND ($3::timestamptz IS NULL OR s.start_time >= $3::timestamptz)
                  AND ($4::timestamptz IS NULL OR s.start_time < $4::timestamptz))
            SELECT row_to_json(r)::text, e.histogram::text
            FROM e, tools, s, types
            CROSS JOIN LATERAL (SELECT e.events, e.errors, e."errorRate", e."llmRequests", e."tokensIn", e."tokensOut",
                                       e."tokensCacheRead", e."tokensCacheWrite", e."costUSD", tools."toolUses",
                                       tools."toolFailures", tools."toolSuccessRate", tools."topTools", s.sessions, types."eventsByType") r
            """, [f.project.map(String.init), f.agent, f.from, f.to]).decodedRows
        let array = try withQuantiles(rows, [("p50Ms", 0.5), ("p95Ms", 0.95)])
        return String(array.dropFirst().dropLast())
    }

    /// The hourly rows of a span outside its whole days (`t`, `span`): two index ranges, [lo, dlo)
    /// and [dhi, hi), so that a month's query reads its 46 edge hours, not its 720.
    static let hoursAroundDays = """
        ((t.bucket >= span.lo AND t.bucket < least(span.dlo, span.hi)) OR (t.bucket >= greatest(span.dhi, span.dlo) AND t.bucket < span.hi))
        """

    /// The range of a filter as the rollups read it: [lo, hi) with `from` rounded down to its hour,
    /// and [dlo, dhi), the whole UTC days inside it (empty when dhi <= dlo). Parameters $3 and $4.
    static let rangeSpan = """
        SELECT lo, hi, CASE WHEN date_trunc('day', lo, 'UTC') = lo THEN lo ELSE date_trunc('day', lo, 'UTC') + interval '1 day' END AS dlo,
               date_trunc('day', hi, 'UTC') AS dhi
        FROM (SELECT coalesce(date_trunc('hour', $3::timestamptz, 'UTC'), '-infinity') AS lo,
                     coalesce($4::timestamptz, 'infinity') AS hi) r
        """

    /// The element-by-element sum of the 32-bucket `latency_histogram` of the rows named `alias`,
    /// as native sums over the rows that have durations (the others' histograms are all zeros;
    /// skipping them halves the cost on typical data).
    static func histogramSum(of alias: String) -> String {
        "ARRAY[" + (1...32).map { "coalesce(sum(\(alias).latency_histogram[\($0)]) FILTER (WHERE \(alias).duration_count > 0), 0)" }
            .joined(separator: ", ") + "]::bigint[]"
    }

    /// A JSON array of the rows' objects (column 0), each with the quantiles of its histogram
    /// (column 1) appended under the given names.
    static func withQuantiles(_ rows: [Row], _ quantiles: [(String, Double)]) throws(StoreError) -> String {
        var out = "["
        for (i, row) in rows.enumerated() {
            var object = try row.decode(JSONObjectText.self, at: 0).text
            let histogram = try row.decode(LatencyHistogram.self, at: 1)
            object.removeLast()
            for (name, p) in quantiles {
                object += ",\"\(name)\":" + (histogram.quantile(p).map(String.init) ?? "null")
            }
            out += (i == 0 ? "" : ",") + object + "}"
        }
        return out + "]"
    }

    /// What `GET /v1/costs` groups by.
    public enum CostGrouping: String, Sendable, CaseIterable {
        case model, project, agent, day
    }

    /// Tokens and cost over the filter's range, grouped by model, project, agent or day.
    public static func costs(_ f: Filter, groupBy: CostGrouping, on conn: PostgresConnection) throws(StoreError) -> String {
        let key = switch groupBy {
        case .model: "c.model"
        case .project: "c.project_id::text"
        case .agent: "c.agent_id"
        case .day: "to_char(c.day AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
        }
        return try conn.execute("""
            SELECT coalesce(json_agg(r ORDER BY r."group"), '[]')::text FROM (
                SELECT \(key) AS "group", sum(c.llm_requests) AS "llmRequests", sum(c.tokens_in) AS "tokensIn",
                       sum(c.tokens_out) AS "tokensOut", sum(c.tokens_cache_read) AS "tokensCacheRead",
                       sum(c.tokens_cache_write) AS "tokensCacheWrite", sum(c.cost_usd) AS "costUSD"
                FROM agent_costs_daily c
                WHERE ($1::int IS NULL OR c.project_id = $1::int) AND ($2::text IS NULL OR c.agent_id = $2)
                  AND ($3::timestamptz IS NULL OR c.day >= date_trunc('day', $3::timestamptz, 'UTC'))
                  AND ($4::timestamptz IS NULL OR c.day < $4::timestamptz)
                GROUP BY 1) r
            """, [f.project.map(String.init), f.agent, f.from, f.to]).value(String.self)
    }

    /// Chat messages matching `query` (PostgreSQL full-text search, web-search syntax), best first,
    /// with their session and a highlighted snippet.
    public static func searchChat(_ query: String, _ f: Filter, limit: Int, on conn: PostgresConnection) throws(StoreError) -> String {
        // Relevance among the newest ``searchWindow`` matches: ranking every message that holds a
        // common word read and ranked all of them (a word in a tenth of 1.9 M messages: 180–400
        // ms); the newest matches come from the timestamp index, or, for a rare word, from the
        // full-text index (13–47 ms and under 1 ms on that database). Then rank and cut; only the
        // messages returned get a highlighted snippet (ts_headline is costly).
        try conn.execute("""
            SELECT coalesce(json_agg(r ORDER BY r.rank DESC, r."timestamp" DESC), '[]')::text FROM (
                SELECT t.id AS "id", t.session_id AS "sessionId", t.role AS "role", t."timestamp" AS "timestamp",
                       t.sequence AS "sequence", t.project_id AS "projectId", t.agent_type AS "agentId",
                       ts_headline('english', t.content, t.q, 'MaxFragments=2, MaxWords=20, MinWords=5') AS "snippet", t.rank
                FROM (SELECT n.*, ts_rank(n.search_vector, n.q) AS rank
                      FROM (SELECT m.id, m.session_id, m.role, m."timestamp", m.sequence, w.project_id, c.agent_type,
                                   m.content, m.search_vector, q
                            FROM chat_messages m
                            JOIN chat_sessions c ON c.session_id = m.session_id
                            JOIN workspaces w ON w.id = c.workspace_id,
                                 websearch_to_tsquery('english', $1) q
                            WHERE m.search_vector @@ q
                              AND ($2::int IS NULL OR w.project_id = $2::int) AND ($3::text IS NULL OR c.agent_type = $3)
                              AND ($4::timestamptz IS NULL OR m."timestamp" >= $4::timestamptz)
                              AND ($5::timestamptz IS NULL OR m."timestamp" < $5::timestamptz)
                            ORDER BY m."timestamp" DESC
                            LIMIT $7::int) n
                      ORDER BY rank DESC, n."timestamp" DESC
                      LIMIT $6::int) t) r
            """, [query, f.project.map(String.init), f.agent, f.from, f.to, String(limit), String(searchWindow)]).value(String.self)
    }

    /// How many of the newest matches a search ranks by relevance (``searchChat(_:_:limit:on:)``).
    public static let searchWindow = 1_000

    /// Rows of (item JSON, cursor time, cursor id) as a page: the next one starts after the last
    /// item when the page is full.
    private static func page(_ rows: [Row], limit: Int) throws(StoreError) -> Page {
        let items = try rows.map { row throws(StoreError) in try row.decode(String.self, at: 0) }
        var next: String?
        if rows.count == limit, let last = rows.last {
            next = Cursor.encode(try last.decode(String.self, at: 1), try last.decode(String.self, at: 2))
        }
        return Page(json: "[" + items.joined(separator: ",") + "]", next: next)
    }
}

/// The text of a JSON object as PostgreSQL writes it (`{…}`), for members to be appended to.
struct JSONObjectText: PostgresDecodable {
    var text: String
    init?(postgresText text: String) {
        guard text.first == "{", text.last == "}" else { return nil }
        self.text = text
    }
    static var postgresTypeName: String { "json object" }
}


/// An opaque page cursor: the (time, id) of the last item, base64url-encoded.
enum Cursor {
    static func encode(_ time: String, _ id: String) -> String {
        Data("\(time)|\(id)".utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
    }

    static func decode(_ s: String) -> (String, String)? {
        var b = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b.count % 4 != 0 { b += "=" }
        guard let data = Data(base64Encoded: b), let text = String(data: data, encoding: .utf8) else { return nil }
        let parts = text.split(separator: "|", maxSplits: 1).map(String.init)
        guard parts.count == 2, UUID(uuidString: parts[1]) != nil else { return nil }
        return (parts[0], parts[1])
    }
}
