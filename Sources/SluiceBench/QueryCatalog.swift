import Foundation

/// What `sluice bench queries` measures: each read API request and each Grafana panel query,
/// with the raw `GROUP BY` over `agent_events` that answers the same question without projections.
struct QueryCatalog: Sendable {
    /// One measured query.
    struct Entry: Sendable {
        enum Kind: Sendable {
            /// `GET` of this path (and query string) against the server.
            case http(String)
            /// SQL on a direct connection (a dashboard panel, macros expanded).
            case sql(String)
            /// A console page's HTML, until its response head arrives (time to first byte).
            case firstByte(String)
            /// A console page complete, as a browser loads it: the HTML, then its stylesheet and
            /// scripts at once, then all the API requests its script sends at once.
            case page(ConsolePage)
        }
        var name: String
        var kind: Kind
        /// The equivalent over the raw log; nil when the query reads the log itself.
        var raw: String?
    }

    /// Values picked from the loaded data.
    struct Subjects: Sendable {
        var now: Date
        var sessionId: String
        var agent: String
        var project: Int
        var word: String
    }

    /// A console page: its path, the files its shell loads and the API requests of its first render.
    struct ConsolePage: Sendable {
        var path: String
        var assets: [String]
        var data: [String]
    }

    let entries: [Entry]

    init(_ s: Subjects, panels: [DashboardPanels.Panel]) {
        let iso = ISO8601DateFormatter()
        func ago(_ hours: Int) -> String { iso.string(from: s.now.addingTimeInterval(Double(-hours) * 3600)) }
        let to = iso.string(from: s.now)
        let ranges = [("24h", 24), ("7d", 168), ("30d", 720)]
        var e: [Entry] = []

        // Sessions.
        e.append(Entry(name: "GET /v1/sessions", kind: .http("/v1/sessions?limit=50"), raw: Raw.sessions(where: "true")))
        e.append(Entry(name: "GET /v1/sessions?agent", kind: .http("/v1/sessions?limit=50&agent=\(s.agent)"),
                       raw: Raw.sessions(where: "agent_id = '\(s.agent)'")))
        e.append(Entry(name: "GET /v1/sessions?project&from&to (1d, 7d ago)",
                       kind: .http("/v1/sessions?limit=50&project=\(s.project)&from=\(ago(168))&to=\(ago(144))"),
                       raw: Raw.sessions(where: "project_id = \(s.project)", having: "min(\"timestamp\") >= '\(ago(168))' AND min(\"timestamp\") < '\(ago(144))'")))
        e.append(Entry(name: "GET /v1/sessions?outcome=success", kind: .http("/v1/sessions?limit=50&outcome=success"),
                       raw: Raw.sessions(where: "true", having: "count(*) FILTER (WHERE sluice_is_error(event_type, severity)) = 0")))
        e.append(Entry(name: "GET /v1/sessions/{id}", kind: .http("/v1/sessions/\(s.sessionId)"),
                       raw: Raw.sessions(where: "session_id = '\(s.sessionId)'")))
        e.append(Entry(name: "GET /v1/sessions/{id}/events", kind: .http("/v1/sessions/\(s.sessionId)/events?limit=100"), raw: nil))

        // Hourly series.
        for (label, hours) in ranges {
            for (group, column) in [("agent", "agent_id"), ("event_type", "event_type"), ("project", "project_id")] {
                e.append(Entry(name: "GET /v1/metrics/hourly by \(group), \(label)",
                               kind: .http("/v1/metrics/hourly?group_by=\(group)&from=\(ago(hours))&to=\(to)"),
                               raw: Raw.hourly(group: column, from: ago(hours), to: to)))
            }
        }
        for (label, hours) in ranges.dropFirst() {
            for (group, column) in [("agent", "agent_id"), ("event_type", "event_type"), ("project", "project_id")] {
                e.append(Entry(name: "GET /v1/metrics/daily by \(group), \(label)",
                               kind: .http("/v1/metrics/daily?group_by=\(group)&from=\(ago(hours))&to=\(to)"),
                               raw: Raw.hourly(group: column, from: ago(hours), to: to, unit: "day")))
            }
        }
        e.append(Entry(name: "GET /v1/tools (all)", kind: .http("/v1/tools"), raw: Raw.tools(where: "true")))
        e.append(Entry(name: "GET /v1/tools, 7d", kind: .http("/v1/tools?from=\(ago(168))&to=\(to)"),
                       raw: Raw.tools(where: "\"timestamp\" >= '\(ago(168))' AND \"timestamp\" < '\(to)'")))
        for group in ["model", "project", "day"] {
            e.append(Entry(name: "GET /v1/costs by \(group)", kind: .http("/v1/costs?group_by=\(group)"), raw: Raw.costs(group: group)))
        }
        e.append(Entry(name: "GET /v1/chat/search", kind: .http("/v1/chat/search?q=\(s.word)&limit=20"), raw: Raw.chat(s.word)))
        e += Self.consolePages(s, ago: ago).flatMap { name, page in
            [Entry(name: "console \(name): first byte", kind: .firstByte(page.path), raw: nil),
             Entry(name: "console \(name): complete", kind: .page(page), raw: nil)]
        }

        // Dashboard panels, over the last day and the last 30 days: every project (the dashboard's
        // default, "All"), then one project.
        for project in [nil, s.project] {
            for (label, hours) in [("24h", 24), ("30d", 720)] {
                for panel in panels {
                    let sql = DashboardPanels.expand(panel.sql, from: ago(hours), to: to, project: project)
                    e.append(Entry(name: "panel \(panel.title), \(label)" + (project.map { ", project \($0)" } ?? ""), kind: .sql(sql),
                                   raw: DashboardPanels.raw[panel.title].map { $0(ago(hours), to, project) }))
                }
            }
        }
        entries = e
    }
}

extension QueryCatalog {
    /// The console's pages with the requests their scripts send on a first render (the same
    /// parameters: `Sources/SluiceServer/Console/*.js`), preset ranges starting at an hour.
    static func consolePages(_ s: Subjects, ago: (Int) -> String) -> [(String, ConsolePage)] {
        func assets(_ page: String) -> [String] {
            ["/console/assets/console.css", "/console/assets/common.js", "/console/assets/charts.js", "/console/assets/\(page).js"]
        }
        func from(_ hours: Int) -> String {
            let hour = 3600.0
            let start = (s.now.timeIntervalSince1970 - Double(hours) * hour) / hour
            return ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: start.rounded(.down) * hour))
        }
        var pages: [(String, ConsolePage)] = []
        for (label, hours) in [("24h", 24), ("7d", 168), ("30d", 720)] {
            let f = "from=\(from(hours))"
            let series = hours > 168 ? "/v1/metrics/daily" : "/v1/metrics/hourly"
            pages.append(("/ (overview), \(label)", ConsolePage(path: "/?range=\(label)", assets: assets("overview"), data: [
                "/v1/overview?\(f)", "\(series)?\(f)&group_by=agent", "/v1/costs?\(f)&group_by=model",
                "/v1/sessions?\(f)&order=cost&limit=10"])))
        }
        let week = "from=\(from(168))", month = "from=\(from(720))"
        pages.append(("/sessions, 7d", ConsolePage(path: "/sessions?range=7d", assets: assets("sessions"), data: ["/v1/sessions?\(week)&limit=50"])))
        pages.append(("/sessions/{id}", ConsolePage(path: "/sessions/\(s.sessionId)", assets: assets("session"), data: [
            "/v1/sessions/\(s.sessionId)", "/v1/sessions/\(s.sessionId)/events?limit=100"])))
        pages.append(("/tools, 30d", ConsolePage(path: "/tools?range=30d", assets: assets("tools"), data: ["/v1/tools?\(month)"])))
        pages.append(("/costs, 30d", ConsolePage(path: "/costs?range=30d", assets: assets("costs"),
                                                 data: ["model", "project", "agent", "day"].map { "/v1/costs?\(month)&group_by=\($0)" })))
        pages.append(("/search", ConsolePage(path: "/search?q=\(s.word)&range=all", assets: assets("search"), data: ["/v1/chat/search?q=\(s.word)&limit=20"])))
        pages.append(("/pipeline", ConsolePage(path: "/pipeline", assets: assets("pipeline"), data: ["/v1/status"])))
        return pages
    }
}

/// Raw equivalents: the same aggregates computed from `agent_events` (with the same metric
/// functions), no projection involved.
enum Raw {
    static func sessions(where filter: String, having: String = "true") -> String {
        """
        SELECT session_id, min("timestamp") AS start_time, max("timestamp") AS last_event_at, count(*) AS events,
               count(*) FILTER (WHERE event_type = 'llm_request') AS llm_requests,
               sum(sluice_tokens_in(metrics)) AS tokens_in, sum(sluice_tokens_out(metrics)) AS tokens_out,
               sum(sluice_cost_usd(metrics)) AS cost, count(*) FILTER (WHERE sluice_is_error(event_type, severity)) AS errors,
               count(*) FILTER (WHERE sluice_is_tool_failure(event_type, data, severity)) AS tool_failures
        FROM agent_events WHERE \(filter)
        GROUP BY session_id HAVING \(having)
        ORDER BY start_time DESC LIMIT 50
        """
    }

    static func hourly(group: String, from: String, to: String, unit: String = "hour") -> String {
        """
        SELECT date_trunc('\(unit)', "timestamp", 'UTC') AS bucket, \(group) AS g, count(*),
               count(*) FILTER (WHERE sluice_is_error(event_type, severity)), sum(sluice_tokens_in(metrics)),
               sum(sluice_tokens_out(metrics)), sum(sluice_num(metrics, 'cacheReadTokens')),
               sum(sluice_num(metrics, 'cacheCreationTokens')), sum(sluice_cost_usd(metrics)),
               count(*) FILTER (WHERE sluice_is_tool_failure(event_type, data, severity)),
               percentile_disc(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY sluice_duration_ms(metrics))
        FROM agent_events WHERE "timestamp" >= '\(from)' AND "timestamp" < '\(to)'
        GROUP BY 1, 2 ORDER BY 1, 2
        """
    }

    static func tools(where filter: String) -> String {
        """
        SELECT sluice_tool_name(data), count(*), count(*) FILTER (WHERE sluice_is_tool_failure(event_type, data, severity)),
               avg(sluice_duration_ms(metrics)), percentile_disc(ARRAY[0.5, 0.95]) WITHIN GROUP (ORDER BY sluice_duration_ms(metrics))
        FROM agent_events WHERE event_type IN ('tool_use', 'tool_invocation') AND \(filter)
        GROUP BY 1 ORDER BY 2 DESC
        """
    }

    static func costs(group: String) -> String {
        let key = switch group {
        case "project": "project_id::text"
        case "day": "date_trunc('day', \"timestamp\", 'UTC')::text"
        default: "sluice_model(data, metrics, context)"
        }
        return """
            SELECT \(key), count(*) FILTER (WHERE event_type = 'llm_request'), sum(sluice_tokens_in(metrics)),
                   sum(sluice_tokens_out(metrics)), sum(sluice_cost_usd(metrics))
            FROM agent_events
            WHERE sluice_cost_usd(metrics) IS NOT NULL OR sluice_tokens_in(metrics) IS NOT NULL
               OR sluice_tokens_out(metrics) IS NOT NULL OR event_type = 'llm_request'
            GROUP BY 1 ORDER BY 1
            """
    }

    static func chat(_ word: String) -> String {
        """
        SELECT e.id, e.session_id, ts_rank(to_tsvector('english', sluice_chat_text(e.event_type, e.data)), q) AS rank
        FROM agent_events e, websearch_to_tsquery('english', '\(word)') q
        WHERE sluice_chat_text(e.event_type, e.data) IS NOT NULL
          AND to_tsvector('english', sluice_chat_text(e.event_type, e.data)) @@ q
        ORDER BY rank DESC, e."timestamp" DESC LIMIT 20
        """
    }
}

/// The panel queries of a Grafana dashboard file, and the raw equivalent of each panel by title.
enum DashboardPanels {
    struct Panel: Sendable {
        var title: String
        var sql: String
    }

    /// Every `rawSql` target of the dashboard at `path`.
    static func load(_ path: String) throws -> [Panel] {
        guard let data = FileManager.default.contents(atPath: path),
              let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw BenchError("cannot read the dashboard \(path); run from the repository root or pass --dashboard")
        }
        var out: [Panel] = []
        for panel in json["panels"] as? [[String: Any]] ?? [] {
            for target in panel["targets"] as? [[String: Any]] ?? [] {
                if let sql = target["rawSql"] as? String { out.append(Panel(title: panel["title"] as? String ?? "?", sql: sql)) }
            }
        }
        return out
    }

    /// Grafana's macros and the dashboard's variables (every agent; every project, the variable's
    /// all value `*`, or one) for `from ... to`.
    static func expand(_ sql: String, from: String, to: String, project: Int?) -> String {
        var s = sql
        while let r = s.range(of: "$__timeFilter(") {
            guard let close = s[r.upperBound...].firstIndex(of: ")") else { break }
            let column = s[r.upperBound..<close]
            s.replaceSubrange(r.lowerBound...close, with: "\(column) BETWEEN '\(from)' AND '\(to)'")
        }
        s = s.replacingOccurrences(of: "$__timeFrom()", with: "'\(from)'").replacingOccurrences(of: "$__timeTo()", with: "'\(to)'")
        s = s.replacingOccurrences(of: "${project:csv}", with: project.map(String.init) ?? "*")
        return s.replacingOccurrences(of: "${agent}", with: "*")
    }

    static func range(_ from: String, _ to: String, _ project: Int?) -> String {
        "\"timestamp\" BETWEEN '\(from)' AND '\(to)'" + self.project(project)
    }

    static func project(_ project: Int?) -> String { project.map { " AND project_id = \($0)" } ?? "" }

    /// The panels' bucket for `from ... to`: the hour up to 3 days, the day beyond (as the panels read
    /// `agent_events_hourly` or `agent_events_daily`).
    static func bucket(_ from: String, _ to: String) -> String {
        let f = ISO8601DateFormatter()
        let days = (f.date(from: to)?.timeIntervalSince(f.date(from: from) ?? .distantPast) ?? 0) / 86_400
        return "date_trunc('\(days <= 3 ? "hour" : "day")', \"timestamp\", 'UTC')"
    }

    /// The raw query answering each panel (by title) for `from ... to`.
    static let raw: [String: @Sendable (_ from: String, _ to: String, _ project: Int?) -> String] = [
        "Events by type": { "SELECT \(bucket($0, $1)), event_type, count(*) FROM agent_events WHERE \(range($0, $1, $2)) GROUP BY 1, 2 ORDER BY 1, 2" },
        "Errors": { """
            SELECT \(bucket($0, $1)), count(*) FILTER (WHERE sluice_is_error(event_type, severity)),
                   round(count(*) FILTER (WHERE sluice_is_error(event_type, severity))::numeric / count(*), 4)
            FROM agent_events WHERE \(range($0, $1, $2)) GROUP BY 1 ORDER BY 1
            """ },
        "Tokens": { """
            SELECT \(bucket($0, $1)), sum(sluice_tokens_in(metrics)), sum(sluice_tokens_out(metrics)),
                   sum(sluice_num(metrics, 'cacheReadTokens')), sum(sluice_num(metrics, 'cacheCreationTokens'))
            FROM agent_events WHERE \(range($0, $1, $2)) GROUP BY 1 ORDER BY 1
            """ },
        "Cost by agent (USD)": {
            "SELECT \(bucket($0, $1)), agent_id, sum(sluice_cost_usd(metrics)) FROM agent_events WHERE \(range($0, $1, $2)) GROUP BY 1, 2 ORDER BY 1, 2"
        },
        "Tool success rate": { """
            SELECT \(bucket($0, $1)), round(1 - count(*) FILTER (WHERE sluice_is_tool_failure(event_type, data, severity))::numeric / count(*), 4)
            FROM agent_events WHERE \(range($0, $1, $2)) AND event_type IN ('tool_use', 'tool_invocation') GROUP BY 1 ORDER BY 1
            """ },
        "Latency percentiles (ms)": { """
            SELECT \(bucket($0, $1)), percentile_disc(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY sluice_duration_ms(metrics))
            FROM agent_events WHERE \(range($0, $1, $2)) GROUP BY 1 ORDER BY 1
            """ },
        "Active sessions": { _, _, p in """
            SELECT count(*) FROM (SELECT session_id FROM agent_events WHERE true\(project(p)) GROUP BY session_id
                HAVING NOT bool_or(event_type = 'session_end') AND max("timestamp") > now() - interval '30 minutes') s
            """ },
        "Finished sessions by outcome": { from, to, p in """
            SELECT errors > 0, count(*) FROM (SELECT session_id, count(*) FILTER (WHERE sluice_is_error(event_type, severity)) AS errors
                FROM agent_events WHERE true\(project(p)) GROUP BY session_id HAVING min("timestamp") BETWEEN '\(from)' AND '\(to)') s GROUP BY 1
            """ },
        "Average quality score": { from, to, p in """
            SELECT round(avg(100 - least(errors * 5, 30)), 2) FROM (SELECT session_id,
                count(*) FILTER (WHERE sluice_is_error(event_type, severity)) AS errors
                FROM agent_events WHERE true\(project(p)) GROUP BY session_id HAVING min("timestamp") BETWEEN '\(from)' AND '\(to)') s
            """ },
        "Recent sessions": { from, to, p in Raw.sessions(where: "true\(project(p))", having: "min(\"timestamp\") BETWEEN '\(from)' AND '\(to)'") },
    ]
}
