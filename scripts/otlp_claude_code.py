#!/usr/bin/env python3
"""Emits Claude-Code-shaped telemetry to an OTLP/HTTP endpoint with the real OpenTelemetry SDK.

Used by Tests/SluiceServerTests/OTLPSDKTests.swift (the Python packages come from
scripts/install-deps.sh). Sends, through the SDK's batch processor and its OTLP/HTTP protobuf
exporters (gzip-compressed), one prompt's worth of Claude Code events as log records (body and
attributes as Claude Code writes them) and its token and cost counters as metrics.

usage: otlp_claude_code.py ENDPOINT SESSION_ID PROMPT_ID [API_KEY]
Prints one line per export result and exits 1 unless every export succeeded.
"""
import inspect
import sys
import time

from opentelemetry._logs import LogRecord, SeverityNumber
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.sdk.metrics import Counter, MeterProvider
from opentelemetry.sdk.metrics.export import AggregationTemporality, PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource


class Recording:
    """Wraps an exporter and keeps the result of every export."""

    def __init__(self, inner):
        self.inner = inner
        self.results = []

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def export(self, batch, *args, **kwargs):
        result = self.inner.export(batch, *args, **kwargs)
        self.results.append(result)
        return result


def main():
    endpoint, session, prompt = sys.argv[1], sys.argv[2], sys.argv[3]
    headers = {"Authorization": f"Bearer {sys.argv[4]}"} if len(sys.argv) > 4 else None
    resource = Resource.create({
        "service.name": "claude-code", "service.version": "2.0.14",
        "os.type": "linux", "os.version": "6.1.0", "host.arch": "x64",
    })

    # Generous timeouts: the test suite runs this next to dozens of other tests on 2 cores, where an
    # answer can take longer than the SDK's default 10 s.
    logs = Recording(OTLPLogExporter(endpoint=f"{endpoint}/v1/logs", headers=headers, compression=Compression.Gzip, timeout=120))
    provider = LoggerProvider(resource=resource)
    provider.add_log_record_processor(BatchLogRecordProcessor(logs, export_timeout_millis=240_000))
    logger = provider.get_logger("com.anthropic.claude_code.events", "2.0.14")
    takes_event_name = "event_name" in inspect.signature(LogRecord.__init__).parameters

    now = time.time_ns()
    standard = {
        "session.id": session, "user.id": "5c7e0d3f", "user.account_uuid": "acc-1", "organization.id": "org-1",
        "user.email": "dev@example.com", "terminal.type": "vscode", "app.version": "2.0.14", "prompt.id": prompt,
    }
    events = [
        ("user_prompt", {"prompt_length": "26", "prompt": "make the OTLP test pass"}),
        ("api_request", {"model": "claude-sonnet-4-5", "cost_usd": "0.0105", "duration_ms": "2140",
                         "input_tokens": "1500", "output_tokens": "220", "cache_read_tokens": "9000",
                         "cache_creation_tokens": "120", "request_id": "req_011CS"}),
        ("tool_decision", {"tool_name": "Bash", "decision": "accept", "source": "config"}),
        ("tool_result", {"tool_name": "Bash", "success": "true", "duration_ms": "812", "decision_type": "accept",
                         "decision_source": "config",
                         "tool_parameters": '{"bash_command":"swift","full_command":"swift test","timeout":120000}'}),
        ("api_error", {"model": "claude-sonnet-4-5", "error": "Overloaded", "status_code": 529,
                       "duration_ms": "301", "attempt": 2}),
        ("mcp_server_connection", {"status": "connected", "transport_type": "stdio"}),
    ]
    for sequence, (name, attributes) in enumerate(events, start=1):
        ts = now + sequence * 1_000_000
        attrs = dict(standard, **attributes)
        attrs["event.name"] = name
        attrs["event.timestamp"] = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts / 1e9)) + ".000Z"
        attrs["event.sequence"] = sequence
        fields = dict(timestamp=ts, observed_timestamp=ts, severity_number=SeverityNumber.INFO,
                      body=f"claude_code.{name}", attributes=attrs)
        if takes_event_name:
            fields["event_name"] = f"claude_code.{name}"
        logger.emit(LogRecord(**fields))
    provider.force_flush(timeout_millis=240_000)

    # Delta temporality, as Claude Code exports by default; shutdown() collects and exports once.
    metrics = Recording(OTLPMetricExporter(endpoint=f"{endpoint}/v1/metrics", headers=headers, compression=Compression.Gzip, timeout=120,
                                           preferred_temporality={Counter: AggregationTemporality.DELTA}))
    reader = PeriodicExportingMetricReader(metrics, export_interval_millis=3_600_000)
    meters = MeterProvider(resource=resource, metric_readers=[reader])
    meter = meters.get_meter("com.anthropic.claude_code", "2.0.14")
    tokens = meter.create_counter("claude_code.token.usage", unit="tokens", description="Number of tokens used")
    cost = meter.create_counter("claude_code.cost.usage", unit="USD", description="Cost of the Claude Code session")
    for kind, n in (("input", 1500), ("output", 220), ("cacheRead", 9000), ("cacheCreation", 120)):
        tokens.add(n, {"session.id": session, "type": kind, "model": "claude-sonnet-4-5"})
    cost.add(0.0105, {"session.id": session, "model": "claude-sonnet-4-5"})

    provider.shutdown()
    meters.shutdown()
    results = [("logs", r) for r in logs.results] + [("metrics", r) for r in metrics.results]
    for signal, result in results:
        print(signal, getattr(result, "name", result))
    ok = results and all(getattr(r, "name", "") == "SUCCESS" for _, r in results)
    sys.exit(0 if ok and logs.results and metrics.results else 1)


if __name__ == "__main__":
    main()
