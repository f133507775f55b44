/// The event types Sluice knows by name: the union of devlog's two sets.
///
/// The log is open: an event with any other non-empty `eventType` is stored as well. Aliases
/// (`command_execute` / `command_execution`, `tool_use` / `tool_invocation`) are stored as sent;
/// projections treat each pair as one kind.
public enum KnownEventType: String, Sendable, CaseIterable {
    case sessionStart = "session_start"
    case sessionEnd = "session_end"
    case fileRead = "file_read"
    case fileWrite = "file_write"
    case fileCreate = "file_create"
    case fileDelete = "file_delete"
    case fileModify = "file_modify"
    case commandExecute = "command_execute"
    case commandExecution = "command_execution"
    case testRun = "test_run"
    case buildTrigger = "build_trigger"
    case searchPerformed = "search_performed"
    case llmRequest = "llm_request"
    case llmResponse = "llm_response"
    case errorEncountered = "error_encountered"
    case rollbackPerformed = "rollback_performed"
    case commitCreated = "commit_created"
    case toolUse = "tool_use"
    case toolInvocation = "tool_invocation"
    case userInteraction = "user_interaction"
    case contextSwitch = "context_switch"
}
