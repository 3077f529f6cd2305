import Logging
import NIOCore
import PostgresNIO

/// One leased connection, used from a thread that may block: each statement is sent and its
/// rows awaited (`EventLoopFuture.wait`).
public struct PostgresSession {
    let connection: PostgresConnection
    let logger: Logger

    /// The rows of `query` (values interpolated into a `PostgresQuery` are bound, never spliced).
    public func query(_ query: PostgresQuery) throws -> [PostgresRandomAccessRow] {
        try connection.query(query, logger: logger).wait().rows.map { $0.makeRandomAccess() }
    }

    /// The first row of `query`, if any.
    public func first(_ query: PostgresQuery) throws -> PostgresRandomAccessRow? {
        try self.query(query).first
    }

    /// Sends `data` (COPY's text format: tab-separated, `\N` for NULL, one line per row) into
    /// `columns` of `table` with `COPY … FROM STDIN`: postgres-nio's async `copyFrom`, awaited
    /// from this thread.
    public func copy(into table: String, columns: [String], _ data: ByteBuffer) throws {
        let connection = self.connection
        let logger = self.logger
        let done = connection.eventLoop.makePromise(of: Void.self)
        done.completeWithTask {
            try await connection.copyFrom(table: table, columns: columns, logger: logger) { writer in
                try await writer.write(data)
            }
        }
        try done.futureResult.wait()
    }

    /// Runs `query`; the number of rows it inserted, updated or deleted.
    @discardableResult
    public func execute(_ query: PostgresQuery) throws -> Int {
        try connection.query(query, logger: logger).wait().metadata.rows ?? 0
    }
}

extension PostgresRandomAccessRow {
    /// The column `name` as `T` (`T?` for a nullable column).
    public func get<T: PostgresDecodable>(_ name: String, as type: T.Type = T.self) throws -> T {
        try self[name].decode(T.self)
    }

    /// The column at `index` as `T`.
    public func get<T: PostgresDecodable>(_ index: Int, as type: T.Type = T.self) throws -> T {
        try self[index].decode(T.self)
    }
}
