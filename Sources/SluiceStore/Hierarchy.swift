import Foundation
import SluiceCore

/// A project (a git repository), as devlog's API shows it.
public struct ProjectRecord: Sendable, Codable, Hashable {
    public var id: Int32
    public var name: String
    public var fullName: String
    public var repoUrl: String?
    public var repoOwner: String
    public var repoName: String
    public var description: String?
    public var createdAt: String
    public var updatedAt: String
}

/// A development machine.
public struct MachineRecord: Sendable, Codable, Hashable {
    public var id: Int32?
    public var machineId: String
    public var hostname: String
    public var username: String
    public var osType: String
    public var osVersion: String?
    public var machineType: String
    public var ipAddress: String?
    public var metadata: JSONValue?
    public var createdAt: String?
    public var lastSeenAt: String?
}

/// A VS Code workspace on a machine, belonging to a project.
public struct WorkspaceRecord: Sendable, Codable, Hashable {
    public var id: Int32?
    public var projectId: Int32
    public var machineId: Int32
    public var workspaceId: String
    public var workspacePath: String
    public var workspaceType: String
    public var branch: String?
    public var commit: String?
    public var createdAt: String?
    public var lastSeenAt: String?
}

/// Upserts and lookups of projects, machines and workspaces (devlog's hierarchy API).
/// Blocking: call on a connection's thread.
public enum Hierarchy {
    static let projectColumns = """
        id, name, full_name, repo_url, repo_owner, repo_name, description,
        to_json(created_at) #>> '{}', to_json(updated_at) #>> '{}'
        """

    /// The project for a git remote URL, created if new. `git@github.com:o/r.git`,
    /// `https://github.com/o/r`, `ssh://…/o/r.git` and `file:///path` are understood.
    public static func resolveProject(repoUrl: String, on conn: PostgresConnection) throws(StoreError) -> ProjectRecord {
        let parsed = RepositoryURL(repoUrl)
        let r = try conn.execute("""
            INSERT INTO projects (name, full_name, repo_url, repo_owner, repo_name)
            VALUES ($1, $2, $3, $4, $1)
            ON CONFLICT (full_name) DO UPDATE
                SET updated_at = now(), repo_url = coalesce(projects.repo_url, EXCLUDED.repo_url)
            RETURNING \(projectColumns)
            """, [parsed.name, parsed.fullName, repoUrl, parsed.owner])
        return try project(r.requireRow())
    }

    /// The project called `name` (full name or short name), created (without a URL) if none is.
    public static func project(named name: String, on conn: PostgresConnection) throws(StoreError) -> ProjectRecord {
        let found = try conn.execute("SELECT \(projectColumns) FROM projects WHERE full_name = $1 OR name = $1 ORDER BY full_name = $1 DESC, id LIMIT 1", [name])
        if let row = found.firstRow { return try project(row) }
        let parts = name.split(separator: "/", maxSplits: 1).map(String.init)
        let short = parts.last ?? name
        let owner = parts.count == 2 ? parts[0] : ""
        let r = try conn.execute("""
            INSERT INTO projects (name, full_name, repo_owner, repo_name) VALUES ($1, $2, $3, $1)
            ON CONFLICT (full_name) DO UPDATE SET updated_at = now()
            RETURNING \(projectColumns)
            """, [short, name, owner])
        return try project(r.requireRow())
    }

    public static func project(id: Int32, on conn: PostgresConnection) throws(StoreError) -> ProjectRecord? {
        let r = try conn.execute("SELECT \(projectColumns) FROM projects WHERE id = $1", [String(id)])
        return try r.firstRow.map { row throws(StoreError) in try project(row) }
    }

    private static func project(_ row: Row) throws(StoreError) -> ProjectRecord {
        func text(_ i: Int) throws(StoreError) -> String { try row.decode(String.self, at: i) }
        return ProjectRecord(id: try row.decode(Int32.self, at: 0), name: try text(1), fullName: try text(2),
                             repoUrl: try row.decodeIfPresent(String.self, at: 3), repoOwner: try text(4), repoName: try text(5),
                             description: try row.decodeIfPresent(String.self, at: 6), createdAt: try text(7), updatedAt: try text(8))
    }

    static let machineColumns = """
        id, machine_id, hostname, username, os_type, os_version, machine_type, ip_address, metadata::text,
        to_json(created_at) #>> '{}', to_json(last_seen_at) #>> '{}'
        """

    public static func upsertMachine(_ m: MachineRecord, on conn: PostgresConnection) throws(StoreError) -> MachineRecord {
        let r = try conn.execute("""
            INSERT INTO machines (machine_id, hostname, username, os_type, os_version, machine_type, ip_address, metadata)
            VALUES ($1, $2, $3, $4, $5, $6, $7, coalesce($8::jsonb, '{}'))
            ON CONFLICT (machine_id) DO UPDATE SET
                hostname = EXCLUDED.hostname, username = EXCLUDED.username, os_type = EXCLUDED.os_type,
                os_version = EXCLUDED.os_version, machine_type = EXCLUDED.machine_type,
                ip_address = EXCLUDED.ip_address, metadata = EXCLUDED.metadata, last_seen_at = now()
            RETURNING \(machineColumns)
            """, [m.machineId, m.hostname, m.username, m.osType, m.osVersion, m.machineType, m.ipAddress, m.metadata?.jsonString])
        return try machine(r.requireRow())
    }

    /// By devlog's machine id string (`host-os-…`), or by the integer row id.
    public static func machine(_ key: String, on conn: PostgresConnection) throws(StoreError) -> MachineRecord? {
        let r = try conn.execute("""
            SELECT \(machineColumns) FROM machines
            WHERE machine_id = $1 OR (id::text = $1 AND NOT EXISTS (SELECT 1 FROM machines WHERE machine_id = $1))
            """, [key])
        return try r.firstRow.map { row throws(StoreError) in try machine(row) }
    }

    private static func machine(_ row: Row) throws(StoreError) -> MachineRecord {
        func text(_ i: Int) throws(StoreError) -> String { try row.decode(String.self, at: i) }
        return MachineRecord(id: try row.decode(Int32.self, at: 0), machineId: try text(1), hostname: try text(2), username: try text(3),
                             osType: try text(4), osVersion: try row.decodeIfPresent(String.self, at: 5), machineType: try text(6),
                             ipAddress: try row.decodeIfPresent(String.self, at: 7), metadata: try row.decode(JSONValue.self, at: 8),
                             createdAt: try text(9), lastSeenAt: try text(10))
    }

    static let workspaceColumns = """
        id, project_id, machine_id, workspace_id, workspace_path, workspace_type, branch, "commit",
        to_json(created_at) #>> '{}', to_json(last_seen_at) #>> '{}'
        """

    public static func upsertWorkspace(_ w: WorkspaceRecord, on conn: PostgresConnection) throws(StoreError) -> WorkspaceRecord {
        let r = try conn.execute("""
            INSERT INTO workspaces (project_id, machine_id, workspace_id, workspace_path, workspace_type, branch, "commit")
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            ON CONFLICT (workspace_id) DO UPDATE SET
                project_id = EXCLUDED.project_id, machine_id = EXCLUDED.machine_id,
                workspace_path = EXCLUDED.workspace_path, workspace_type = EXCLUDED.workspace_type,
                branch = EXCLUDED.branch, "commit" = EXCLUDED."commit", last_seen_at = now()
            RETURNING \(workspaceColumns)
            """, [String(w.projectId), String(w.machineId), w.workspaceId, w.workspacePath, w.workspaceType, w.branch, w.commit])
        return try workspaces(r)[0]
    }

    public static func workspace(_ workspaceId: String, on conn: PostgresConnection) throws(StoreError) -> WorkspaceRecord? {
        try workspaces(try conn.execute("SELECT \(workspaceColumns) FROM workspaces WHERE workspace_id = $1", [workspaceId])).first
    }

    /// Workspaces, optionally of one project only.
    public static func workspaces(project: Int32?, on conn: PostgresConnection) throws(StoreError) -> [WorkspaceRecord] {
        try workspaces(try conn.execute("""
            SELECT \(workspaceColumns) FROM workspaces WHERE $1::int IS NULL OR project_id = $1::int ORDER BY id
            """, [project.map(String.init)]))
    }

    private static func workspaces(_ r: QueryResult) throws(StoreError) -> [WorkspaceRecord] {
        try r.decodedRows.map { row throws(StoreError) in
            func text(_ i: Int) throws(StoreError) -> String { try row.decode(String.self, at: i) }
            return WorkspaceRecord(id: try row.decode(Int32.self, at: 0), projectId: try row.decode(Int32.self, at: 1),
                                   machineId: try row.decode(Int32.self, at: 2), workspaceId: try text(3), workspacePath: try text(4),
                                   workspaceType: try text(5), branch: try row.decodeIfPresent(String.self, at: 6),
                                   commit: try row.decodeIfPresent(String.self, at: 7), createdAt: try text(8), lastSeenAt: try text(9))
        }
    }
}

/// The owner and name in a git remote URL.
struct RepositoryURL {
    var owner: String
    var name: String
    var fullName: String { owner.isEmpty ? name : "\(owner)/\(name)" }

    init(_ url: String) {
        var path = url.trimmingSuffix(".git").trimmingSuffix("/")
        if path.hasPrefix("file://") {
            path = String(path.dropFirst(7))
            owner = ""
            name = path
            return
        }
        if let scheme = path.range(of: "://") {
            path = String(path[scheme.upperBound...])
            path = path.split(separator: "/", maxSplits: 1).dropFirst().first.map(String.init) ?? path  // drop host
        } else if let colon = path.firstIndex(of: ":") {
            path = String(path[path.index(after: colon)...])  // scp-like git@host:owner/repo
        }
        let parts = path.split(separator: "/").map(String.init)
        name = parts.last ?? url
        owner = parts.dropLast().joined(separator: "/")
    }
}

extension String {
    fileprivate func trimmingSuffix(_ s: String) -> String { hasSuffix(s) ? String(dropLast(s.count)) : self }
}
