import Foundation
import PostgresSupport

/// The PostgreSQL server of the tests, and a schema of its own for each store.
public enum TestDatabase {
    public static let url: PostgresURL? = ProcessInfo.processInfo.environment["IMPORTER_TEST_DATABASE_URL"].flatMap {
        $0.isEmpty ? nil : try? PostgresURL(parsing: $0)
    }

    /// A pool on a new, empty schema (`t_…`), dropped by `drop`.
    public static func freshPool(poolSize: Int = 4) throws -> PostgresPool {
        guard var url else { throw PostgresURLError("IMPORTER_TEST_DATABASE_URL is not set") }
        url.schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        url.poolSize = poolSize
        return try PostgresPool(url: url)
    }

    /// A second pool on the same schema (another process, as far as the server knows).
    public static func sibling(of pool: PostgresPool) throws -> PostgresPool {
        try PostgresPool(url: pool.url)
    }

    public static func drop(_ pool: PostgresPool) {
        let schema = pool.url.schema
        _ = try? pool.withSession { session in try session.execute("DROP SCHEMA IF EXISTS \(unescaped: schema) CASCADE") }
        pool.close()
    }
}
