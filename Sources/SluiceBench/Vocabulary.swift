/// The projects, agents and words the generator draws from.
enum Vocabulary {
    struct Project {
        var id: Int32
        var repository: String
        var language: String
        var files: [String]
        var commands: [String]

        var name: String { String(repository.split(separator: "/").last ?? "") }
    }

    struct Agent {
        var id: String
        var versions: [String]
        var models: [String]
    }

    static let projects: [Project] = [
        Project(
            id: 1, repository: "acme/web-console", language: "typescript",
            files: ["src/components/Dashboard.tsx", "src/api/client.ts", "src/hooks/useSession.ts",
                    "src/pages/settings/index.tsx", "src/utils/format.ts", "tests/e2e/login.spec.ts", "package.json"],
            commands: ["npm test -- --watch=false", "npm run build", "npx eslint src --ext .ts,.tsx",
                       "npx tsc --noEmit", "git status --short", "git diff --stat"]),
        Project(
            id: 2, repository: "acme/billing-service", language: "go",
            files: ["internal/invoice/generator.go", "internal/invoice/generator_test.go", "cmd/billing/main.go",
                    "pkg/money/amount.go", "internal/db/queries.sql", "go.mod"],
            commands: ["go test ./...", "go build ./cmd/billing", "go vet ./...", "golangci-lint run",
                       "git log --oneline -5"]),
        Project(
            id: 3, repository: "sluice-dev/sluice", language: "swift",
            files: ["Sources/SluiceStore/EventWriter.swift", "Sources/SluiceCore/JSONScanner.swift",
                    "Sources/SluiceServer/IngestRoutes.swift", "Package.swift", "Tests/SluiceCoreTests/TimestampTests.swift"],
            commands: ["swift build", "swift test --filter SluiceCoreTests", "swift build -c release", "git diff"]),
        Project(
            id: 4, repository: "datalab/forecast", language: "python",
            files: ["forecast/models/arima.py", "forecast/pipeline.py", "tests/test_pipeline.py", "pyproject.toml",
                    "forecast/features/calendar.py"],
            commands: ["pytest -q", "ruff check .", "mypy forecast", "python -m forecast.cli --dry-run", "uv sync"]),
        Project(
            id: 5, repository: "infra/platform-terraform", language: "hcl",
            files: ["modules/vpc/main.tf", "modules/eks/variables.tf", "envs/prod/main.tf", ".github/workflows/plan.yml"],
            commands: ["terraform plan -out=tfplan", "terraform fmt -check -recursive", "tflint", "terraform validate"]),
        Project(
            id: 6, repository: "mobile/ios-app", language: "swift",
            files: ["App/Views/ProfileView.swift", "App/Models/User.swift", "App/Networking/APIClient.swift",
                    "AppTests/UserTests.swift"],
            commands: ["xcodebuild test -scheme App", "swiftlint", "git stash list", "make lint"]),
    ]

    static let agents: [Agent] = [
        Agent(id: "claude-code", versions: ["2.0.14", "2.0.22", "1.0.98"],
              models: ["claude-sonnet-4-5", "claude-opus-4-1", "claude-haiku-4-5"]),
        Agent(id: "github-copilot", versions: ["1.372.0"], models: ["gpt-4.1", "claude-sonnet-4"]),
        Agent(id: "cursor", versions: ["1.7.38"], models: ["gpt-5", "claude-sonnet-4-5"]),
        Agent(id: "codex-cli", versions: ["0.46.0"], models: ["gpt-5-codex"]),
        Agent(id: "gemini-cli", versions: ["0.9.0"], models: ["gemini-2.5-pro"]),
    ]

    static let users = ["alice", "bob", "chen", "dana", "eve", "farid"]

    static let branches = ["main", "feature/session-replay", "fix/rounding-error", "feature/export-csv",
                           "chore/upgrade-deps", "fix/flaky-login-test", "refactor/api-client"]

    static let tools = ["Read", "Edit", "Bash", "Grep", "Glob", "Write", "WebFetch", "TodoWrite"]

    static let errorTypes = ["CompileError", "TestFailure", "ToolError", "RateLimitError", "Timeout", "PermissionDenied"]

    static let stopReasons = ["end_turn", "tool_use", "tool_use", "max_tokens"]

    static let words = """
        the a to of and in for with from when that this fix add remove update test build error failing \
        function method type struct class module import export config value null undefined return async \
        await request response handler client server database query index cache retry timeout session \
        user token parse encode decode schema migration branch commit review refactor rename extract \
        inline check lint format warning deprecated interface protocol closure argument parameter field \
        column row batch stream buffer file path directory line diff patch merge conflict invoice amount \
        rounding currency forecast model pipeline feature calendar terraform module output variable
        """.split(separator: " ").map(String.init)
}
