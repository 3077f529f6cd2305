import PostgresNIO

/// Versioned migrations of one module (`queue`, `catalog`) in the URL's schema, applied once, in
/// order, under `pg_advisory_lock(hashtext('importer.migrate'))` so that processes starting
/// together never apply one twice (DESIGN.md §14). Shipped migrations never change.
public struct PostgresMigrator: Sendable {
    public let module: String
    /// Each step's statements (one per string: the extended protocol takes one at a time), in
    /// order; the version is the step's position from 1.
    public let steps: [(name: String, statements: [String])]

    public init(module: String, steps: [(name: String, statements: [String])]) {
        self.module = module
        self.steps = steps
    }

    /// Creates the schema if needed and applies the steps not yet applied; returns how many.
    @discardableResult
    public func migrate(_ pool: PostgresPool) throws -> Int {
        let schema = pool.url.schema
        return try pool.withSession { session in
            try session.execute("SELECT pg_advisory_lock(hashtext('importer.migrate'))")
            defer { _ = try? session.execute("SELECT pg_advisory_unlock(hashtext('importer.migrate'))") }
            try session.execute(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \(schema)"))
            try session.execute(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    module text NOT NULL, version bigint NOT NULL, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (module, version))
                """)
            let applied = try session.first("SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations WHERE module = \(module)")?
                .get("v", as: Int.self) ?? 0
            var count = 0
            for (index, step) in steps.enumerated() where index + 1 > applied {
                try session.execute("BEGIN")
                do {
                    for statement in step.statements { try session.execute(PostgresQuery(unsafeSQL: statement)) }
                    try session.execute(
                        "INSERT INTO schema_migrations (module, version, name) VALUES (\(module), \(index + 1), \(step.name))")
                    try session.execute("COMMIT")
                } catch {
                    _ = try? session.execute("ROLLBACK")
                    throw error
                }
                count += 1
            }
            return count
        }
    }
}
