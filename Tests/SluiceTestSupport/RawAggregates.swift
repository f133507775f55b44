import Foundation

/// The aggregates as text, from the projections and from independent raw GROUP BYs of
/// `agent_events`: a test compares the two row sets.
/// The raw side applies the documented metric rule on its own: a metric counts when it is a JSON
/// number of magnitude below 9·10^15; anything else is ignored. Input tokens are `inputTokens`,
/// else `promptTokens`; output tokens `outputTokens`, else `responseTokens`.
public enum RawAggregates {
    /// The hourly rows as text, from the projection and from an independent raw GROUP BY.
    public static let projected = """
        SELECT bucket, project_id, agent_id, event_type, event_count, error_count, duration_count, duration_sum_ms,
               duration_min_ms, duration_max_ms, tokens_in, tokens_out, tokens_cache_read, tokens_cache_write, cost_usd,
               tool_failures, latency_histogram
        FROM agent_events_hourly ORDER BY 1, 2, 3, 4
        """
    public static let raw = """
        SELECT date_trunc('hour', "timestamp" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', project_id, agent_id, event_type,
               count(*),
               count(*) FILTER (WHERE event_type = 'error_encountered' OR severity IN ('error', 'critical')),
               count(CASE WHEN jsonb_typeof(metrics -> 'durationMs') = 'number' AND abs((metrics ->> 'durationMs')::numeric) < 9e15 THEN CASE WHEN jsonb_typeof(metrics -> 'durationMs') = 'number' AND abs((metrics ->> 'durationMs')::numeric) < 9e15 THEN (metrics ->> 'durationMs')::numeric END END),
               sum(CASE WHEN jsonb_typeof(metrics -> 'durationMs') = 'number' AND abs((metrics ->> 'durationMs')::numeric) < 9e15 THEN CASE WHEN jsonb_typeof(metrics -> 'durationMs') = 'number' AND abs((metrics ->> 'durationMs')::numeric) < 9e15 THEN (metrics ->> 'durationMs')::numeric END END),
               min(CASE WHEN jsonb_typeof(metrics -> 'durationMs') = 'number' AND abs((metrics ->> 'durationMs')::numeric) < 9e15 THEN CASE WHEN jsonb_typeof(metrics -> 'durationMs') = 'number' AND abs((metrics ->> 'durationMs')::numeric) < 9e15 THEN (metrics ->> 'durationMs')::numeric END END),
               max(CASE WHEN jsonb_typeof(metrics -> 'durationMs') = 'number' AND abs((metrics ->> 'durationMs')::numeric) < 9e15 THEN CASE WHEN jsonb_typeof(metrics -> 'durationMs') = 'number' AND abs((metrics ->> 'durationMs')::numeric) < 9e15 THEN (metrics ->> 'durationMs')::numeric END END),
               coalesce(sum(coalesce(CASE WHEN jsonb_typeof(metrics -> 'inputTokens') = 'number' AND abs((metrics ->> 'inputTokens')::numeric) < 9e15 THEN (metrics ->> 'inputTokens')::numeric END, CASE WHEN jsonb_typeof(metrics -> 'promptTokens') = 'number' AND abs((metrics ->> 'promptTokens')::numeric) < 9e15 THEN (metrics ->> 'promptTokens')::numeric END)), 0), coalesce(sum(coalesce(CASE WHEN jsonb_typeof(metrics -> 'outputTokens') = 'number' AND abs((metrics ->> 'outputTokens')::numeric) < 9e15 THEN (metrics ->> 'outputTokens')::numeric END, CASE WHEN jsonb_typeof(metrics -> 'responseTokens') = 'number' AND abs((metrics ->> 'responseTokens')::numeric) < 9e15 THEN (metrics ->> 'responseTokens')::numeric END)), 0),
               coalesce(sum(CASE WHEN jsonb_typeof(metrics -> 'cacheReadTokens') = 'number' AND abs((metrics ->> 'cacheReadTokens')::numeric) < 9e15 THEN (metrics ->> 'cacheReadTokens')::numeric END), 0), coalesce(sum(CASE WHEN jsonb_typeof(metrics -> 'cacheCreationTokens') = 'number' AND abs((metrics ->> 'cacheCreationTokens')::numeric) < 9e15 THEN (metrics ->> 'cacheCreationTokens')::numeric END), 0),
               coalesce(sum(CASE WHEN jsonb_typeof(metrics -> 'cost') = 'number' AND abs((metrics ->> 'cost')::numeric) < 9e15 THEN (metrics ->> 'cost')::numeric END), 0),
               count(*) FILTER (WHERE event_type = 'tool_use' AND (data ->> 'success' = 'false' OR severity IN ('error', 'critical'))),
               (SELECT array_agg(coalesce(h.n, 0) ORDER BY k) FROM generate_series(0, 31) k LEFT JOIN (
                    SELECT CASE WHEN d < 1 THEN 0 ELSE least(floor(log(2, d))::int + 1, 31) END AS b, count(*) AS n
                    FROM unnest(array_agg(CASE WHEN jsonb_typeof(metrics -> 'durationMs') = 'number' AND abs((metrics ->> 'durationMs')::numeric) < 9e15 THEN (metrics ->> 'durationMs')::numeric END)
                                FILTER (WHERE CASE WHEN jsonb_typeof(metrics -> 'durationMs') = 'number' AND abs((metrics ->> 'durationMs')::numeric) < 9e15 THEN (metrics ->> 'durationMs')::numeric END IS NOT NULL)) d WHERE d >= 0 GROUP BY 1) h ON h.b = k)
        FROM agent_events GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        """

    /// The daily rollups and the same raw GROUP BYs by UTC day.
    public static let dailyProjected = projected.replacingOccurrences(of: "agent_events_hourly", with: "agent_events_daily")
    public static let dailyRaw = raw.replacingOccurrences(of: "date_trunc('hour'", with: "date_trunc('day'")

    /// The all-projects rollups (every project summed, per bucket, agent and event type) and the
    /// same raw GROUP BYs without the project.
    public static let allProjectsProjected = projected.replacingOccurrences(of: "bucket, project_id, agent_id", with: "bucket, agent_id")
        .replacingOccurrences(of: "agent_events_hourly ORDER BY 1, 2, 3, 4", with: "agent_events_hourly_all_projects ORDER BY 1, 2, 3")
    public static let allProjectsRaw = raw.replacingOccurrences(of: "'UTC', project_id, agent_id", with: "'UTC', agent_id")
        .replacingOccurrences(of: "GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4", with: "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3")
    public static let allProjectsDailyProjected = allProjectsProjected.replacingOccurrences(of: "agent_events_hourly_all_projects", with: "agent_events_daily_all_projects")
    public static let allProjectsDailyRaw = allProjectsRaw.replacingOccurrences(of: "date_trunc('hour'", with: "date_trunc('day'")

    public static let toolsProjected = """
        SELECT bucket, project_id, agent_id, tool_name, uses, failures, duration_count, duration_sum_ms
        FROM agent_tools_hourly ORDER BY 1, 2, 3, 4
        """
    public static let toolsRaw = """
        SELECT date_trunc('hour', "timestamp" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', project_id, agent_id, data ->> 'toolName',
               count(*), count(*) FILTER (WHERE data ->> 'success' = 'false' OR severity IN ('error', 'critical')),
               count(CASE WHEN jsonb_typeof(metrics -> 'durationMs') = 'number' AND abs((metrics ->> 'durationMs')::numeric) < 9e15 THEN CASE WHEN jsonb_typeof(metrics -> 'durationMs') = 'number' AND abs((metrics ->> 'durationMs')::numeric) < 9e15 THEN (metrics ->> 'durationMs')::numeric END END),
               sum(CASE WHEN jsonb_typeof(metrics -> 'durationMs') = 'number' AND abs((metrics ->> 'durationMs')::numeric) < 9e15 THEN CASE WHEN jsonb_typeof(metrics -> 'durationMs') = 'number' AND abs((metrics ->> 'durationMs')::numeric) < 9e15 THEN (metrics ->> 'durationMs')::numeric END END)
        FROM agent_events WHERE event_type = 'tool_use' GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        """
    public static let toolsDailyProjected = toolsProjected.replacingOccurrences(of: "agent_tools_hourly", with: "agent_tools_daily")
    public static let toolsDailyRaw = toolsRaw.replacingOccurrences(of: "date_trunc('hour'", with: "date_trunc('day'")
    public static let costsProjected = """
        SELECT day, project_id, agent_id, model, llm_requests, tokens_in, tokens_out, cost_usd FROM agent_costs_daily ORDER BY 1, 2, 3, 4
        """
    public static let costsRaw = """
        SELECT date_trunc('day', "timestamp" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', project_id, agent_id, coalesce(data ->> 'model', ''),
               count(*), sum(coalesce(CASE WHEN jsonb_typeof(metrics -> 'inputTokens') = 'number' AND abs((metrics ->> 'inputTokens')::numeric) < 9e15 THEN (metrics ->> 'inputTokens')::numeric END, CASE WHEN jsonb_typeof(metrics -> 'promptTokens') = 'number' AND abs((metrics ->> 'promptTokens')::numeric) < 9e15 THEN (metrics ->> 'promptTokens')::numeric END)), sum(coalesce(CASE WHEN jsonb_typeof(metrics -> 'outputTokens') = 'number' AND abs((metrics ->> 'outputTokens')::numeric) < 9e15 THEN (metrics ->> 'outputTokens')::numeric END, CASE WHEN jsonb_typeof(metrics -> 'responseTokens') = 'number' AND abs((metrics ->> 'responseTokens')::numeric) < 9e15 THEN (metrics ->> 'responseTokens')::numeric END)), sum(CASE WHEN jsonb_typeof(metrics -> 'cost') = 'number' AND abs((metrics ->> 'cost')::numeric) < 9e15 THEN (metrics ->> 'cost')::numeric END)
        FROM agent_events WHERE event_type = 'llm_request' GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        """
}
