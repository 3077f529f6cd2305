import Foundation

/// `database_url` (DESIGN.md §14): `postgres[ql]://user:pass@host:port/db?sslmode=…&schema=…&pool_size=…`.
/// Parsed once at start-up; every mistake is one clause naming what is wrong (the caller names
/// the setting).
public struct PostgresURL: Sendable, Equatable, CustomStringConvertible {
    public enum SSLMode: String, Sendable, CaseIterable {
        case disable, prefer, require
    }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var sslMode: SSLMode
    /// Every table lives in this schema (`search_path` on each connection), so that tests and
    /// several appliances can share one database.
    public var schema: String
    /// Connections this process opens at most (the queue and the catalogue share them).
    public var poolSize: Int
    /// Whether the process holds one more connection that LISTENs for wake-ups; false behind a
    /// transaction-mode PgBouncer, where idle slots then find work by their poll alone.
    public var listen: Bool

    public static let defaultSchema = "importer"
    public static let defaultPoolSize = 10

    public init(
        host: String, port: Int = 5432, user: String, password: String? = nil, database: String, sslMode: SSLMode = .prefer,
        schema: String = PostgresURL.defaultSchema, poolSize: Int = PostgresURL.defaultPoolSize, listen: Bool = true
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.sslMode = sslMode
        self.schema = schema
        self.poolSize = poolSize
        self.listen = listen
    }

    public init(parsing text: String) throws(PostgresURLError) {
        guard let url = URLComponents(string: text), let scheme = url.scheme else {
            throw PostgresURLError("is not a URL: expected postgres://user:password@host:port/database")
        }
        guard scheme == "postgres" || scheme == "postgresql" else {
            throw PostgresURLError("must start with postgres:// or postgresql:// (got \(scheme)://)")
        }
        guard let host = url.host, !host.isEmpty else { throw PostgresURLError("names no host") }
        let database = String(url.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else {
            throw PostgresURLError("must name one database after the host (…/DATABASE)")
        }
        var result = PostgresURL(
            host: host, port: url.port ?? 5432, user: url.user ?? "postgres", password: url.password, database: database)
        for item in url.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
            case "sslmode":
                guard let mode = SSLMode(rawValue: value) else {
                    throw PostgresURLError(
                        "sslmode must be one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", ")) (got \(value))")
                }
                result.sslMode = mode
            case "schema":
                guard Self.isIdentifier(value) else {
                    throw PostgresURLError("schema must be a plain lower-case name (letters, digits, _), got \(value)")
                }
                result.schema = value
            case "pool_size":
                // Two at least: an import's batch holds one while its progress reaches the queue.
                guard let size = Int(value), (2...1000).contains(size) else {
                    throw PostgresURLError("pool_size must be a whole number from 2 to 1000 (got \(value))")
                }
                result.poolSize = size
            case "listen":
                guard let flag = ["true": true, "false": false][value] else {
                    throw PostgresURLError("listen must be true or false (got \(value))")
                }
                result.listen = flag
            default:
                throw PostgresURLError("unknown option \(item.name) (known: sslmode, schema, pool_size, listen)")
            }
        }
        self = result
    }

    /// Lower-case letters, digits and `_`, not starting with a digit: safe to write into SQL.
    public static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, text.unicodeScalars.count <= 63, !("0"..."9").contains(first) else {
            return false
        }
        return text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }

    /// The URL without its password, for logs and `inspect`.
    public var description: String {
        "postgres://\(user)@\(host):\(port)/\(database)?schema=\(schema)"
    }
}

public struct PostgresURLError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
