import Dispatch
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import Synchronization

/// The connections of one process to the server of a `PostgresURL`, at most `poolSize`, each
/// with `search_path` set to the URL's schema.
///
/// Built on `PostgresConnection`'s futures rather than `PostgresClient`, whose leases are async
/// only: a worker slot's thread leases, queries and waits here without touching the cooperative
/// pool (DESIGN.md §14: "a blocking bridge on their own thread"). Async callers run the same
/// synchronous code on the pool's dispatch queue (`run`).
public final class PostgresPool: Sendable {
    public let url: PostgresURL
    private let configuration: PostgresConnection.Configuration
    private let group: any EventLoopGroup
    private let logger: Logger
    private let state = Mutex(State())
    /// Where async callers' sessions block: never a cooperative thread.
    private let queue = DispatchQueue(label: "importer.postgres", attributes: .concurrent)

    private struct State {
        var idle: [PostgresConnection] = []
        var open = 0
        var waiters: [EventLoopPromise<PostgresConnection>] = []
        var nextID = 0
        var closed = false
    }

    public init(url: PostgresURL, logger: Logger = Logger(label: "importer.postgres")) throws {
        self.url = url
        self.logger = logger
        self.group = MultiThreadedEventLoopGroup.singleton
        let tls: PostgresConnection.Configuration.TLS
        switch url.sslMode {
        case .disable:
            tls = .disable
        case .prefer, .require:
            // As libpq's modes of these names: encrypted, the certificate not verified.
            var tlsConfiguration = TLSConfiguration.makeClientConfiguration()
            tlsConfiguration.certificateVerification = .none
            let context = try NIOSSLContext(configuration: tlsConfiguration)
            tls = url.sslMode == .require ? .require(context) : .prefer(context)
        }
        var configuration = PostgresConnection.Configuration(
            host: url.host, port: url.port, username: url.user, password: url.password, database: url.database, tls: tls)
        configuration.options.additionalStartupParameters = [("search_path", url.schema), ("application_name", "importer")]
        configuration.options.connectTimeout = .seconds(10)
        self.configuration = configuration
    }

    deinit { close() }

    /// Closes every idle connection; leased ones close when released. (A connection must be
    /// closed before it is dropped.)
    public func close() {
        let idle = state.withLock { state -> [PostgresConnection] in
            state.closed = true
            defer { state.idle = [] }
            return state.idle
        }
        for connection in idle {
            let closing: EventLoopFuture<Void> = connection.close()
            try? closing.wait()
        }
    }

    // MARK: Sessions

    /// Runs `body` on one leased connection, from a thread that may block.
    public func withSession<T>(_ body: (PostgresSession) throws -> T) throws -> T {
        let connection = try lease().wait()
        defer { release(connection) }
        return try body(PostgresSession(connection: connection, logger: logger))
    }

    /// Runs `body` in one transaction (`BEGIN` … `COMMIT`; rolled back if it throws).
    public func transaction<T>(_ body: (PostgresSession) throws -> T) throws -> T {
        try withSession { session in
            try session.execute("BEGIN")
            do {
                let value = try body(session)
                try session.execute("COMMIT")
                return value
            } catch {
                _ = try? session.execute("ROLLBACK")
                throw error
            }
        }
    }

    /// Runs blocking `body` for an async caller, off the cooperative pool.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }

    /// A connection of its own, outside the pool's count (the LISTEN connection, held for the
    /// process's life); the caller closes it.
    public func dedicatedConnection() async throws -> PostgresConnection {
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        return try await PostgresConnection.connect(on: group.next(), configuration: configuration, id: id, logger: logger).get()
    }

    // MARK: Leases

    private enum Lease {
        case use(PostgresConnection)
        case connect(Int)
        case wait(EventLoopPromise<PostgresConnection>)
        case closed
    }

    private func lease() -> EventLoopFuture<PostgresConnection> {
        let eventLoop = group.next()
        let poolSize = url.poolSize
        let action = state.withLock { state -> Lease in
            if state.closed { return .closed }
            while let connection = state.idle.popLast() {
                if !connection.isClosed { return .use(connection) }
                state.open -= 1
            }
            if state.open < poolSize {
                state.open += 1
                state.nextID += 1
                return .connect(state.nextID)
            }
            let promise = eventLoop.makePromise(of: PostgresConnection.self)
            state.waiters.append(promise)
            return .wait(promise)
        }
        switch action {
        case .use(let connection): return eventLoop.makeSucceededFuture(connection)
        case .connect(let id): return connect(id: id, on: eventLoop)
        case .wait(let promise): return promise.futureResult
        case .closed: return eventLoop.makeFailedFuture(PostgresPoolClosed())
        }
    }

    /// A new connection; a failed one frees its place, and a waiter gets its own attempt.
    private func connect(id: Int, on eventLoop: any EventLoop) -> EventLoopFuture<PostgresConnection> {
        PostgresConnection.connect(on: eventLoop, configuration: configuration, id: id, logger: logger)
            .flatMapErrorThrowing { error in
                self.connectionGone()
                throw error
            }
    }

    private func release(_ connection: PostgresConnection) {
        if connection.isClosed {
            connectionGone()
            return
        }
        let waiter = state.withLock { state -> EventLoopPromise<PostgresConnection>? in
            if state.closed {
                state.open -= 1
                return nil
            }
            if !state.waiters.isEmpty { return state.waiters.removeFirst() }
            state.idle.append(connection)
            return nil
        }
        if let waiter {
            waiter.succeed(connection)
        } else if state.withLock({ $0.closed }) {
            let closing: EventLoopFuture<Void> = connection.close()
            try? closing.wait()
        }
    }

    /// A connection closed or never opened: the first waiter, if any, opens a new one.
    private func connectionGone() {
        let next = state.withLock { state -> (Int, EventLoopPromise<PostgresConnection>)? in
            state.open -= 1
            guard !state.waiters.isEmpty, !state.closed else { return nil }
            state.open += 1
            state.nextID += 1
            return (state.nextID, state.waiters.removeFirst())
        }
        if let (id, waiter) = next { waiter.completeWith(connect(id: id, on: waiter.futureResult.eventLoop)) }
    }
}

public struct PostgresPoolClosed: Error, CustomStringConvertible {
    public var description: String { "the PostgreSQL connection pool is closed" }
}
