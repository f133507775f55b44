/// Which file, command or search event a tool call implies, from the tool's name.
///
/// Claude Code's built-in tools: Read/NotebookRead read a file; Write writes one; Edit,
/// MultiEdit and NotebookEdit modify one; Bash runs a command; Grep, Glob, WebSearch search.
/// Copilot's built-in tool ids (`copilot_readFile`, `copilot_createFile`, …) map the same way.
enum ToolKinds {
    static func derivedEventType(forTool name: String) -> String? {
        switch name {
        case "Read", "NotebookRead", "copilot_readFile", "read_file": return "file_read"
        case "Write", "copilot_createFile", "create_file": return "file_write"
        case "Edit", "MultiEdit", "NotebookEdit", "copilot_replaceString", "copilot_multiReplaceString",
             "copilot_insertEdit", "copilot_applyPatch", "replace_string_in_file", "insert_edit_into_file", "apply_patch":
            return "file_modify"
        case "Bash", "copilot_runInTerminal", "run_in_terminal": return "command_execute"
        case "Grep", "Glob", "WebSearch", "copilot_findTextInFiles", "copilot_findFiles", "copilot_searchCodebase",
             "grep_search", "file_search", "semantic_search":
            return "search_performed"
        default: return nil
        }
    }
}
