import Catalog
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOEmbedded
import PostgresSupport
import Synchronization
import TestSupport
import Testing

@testable import Server
@testable import TaskQueue

/// The API's responder called directly (no sockets), on a temporary data directory.
final class APIHarness: @unchecked Sendable {
    struct Reply {
        let status: HTTPResponse.Status
        let headers: HTTPFields
        let body: Data
        var json: JSONValue { (try? JSONValue(parsing: body)) ?? .null }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    let directory: URL
    let context: AppContext
    let service: APIService
    let responder: APIResponder
    let logs: LogCapture

    /// The queue's backends the HTTP tests run on: PostgreSQL too when the tests have a server.
    enum Backend: String, CaseIterable, CustomTestStringConvertible, Sendable {
        case sqlite, postgres
        var testDescription: String { rawValue }
        static var allCases: [Backend] { TestDatabase.url == nil ? [.sqlite] : [.sqlite, .postgres] }
    }

    /// The queue's schema on PostgreSQL, dropped with the harness.
    private let schemaPool: PostgresPool?

    init(
        _ backend: Backend = .sqlite, transport: (any WebhookTransport)? = nil, configure: (inout AppConfig) -> Void = { _ in }
    ) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("api-\(UUID().uuidString)")
        let logs = LogCapture()
        self.logs = logs
        var config = AppConfig()
        config.dataDir = directory.path
        config.enableTestTasks = true
        if backend == .postgres {
            let pool = try TestDatabase.freshPool(poolSize: 1)
            schemaPool = pool
            config.databaseURL = pool.url
            config.databaseURL?.poolSize = 4
        } else {
            schemaPool = nil
        }
        configure(&config)
        // Built as `importer api` builds it; workers run on demand (`withWorker`).
        let appliance = try Appliance.build(
            config: config, roles: ProcessRoles(http: true), logger: Logger(label: "test"), webhookTransport: transport)
        context = appliance.context
        service = try #require(appliance.api)
        responder = service.responder(logger: Logger(label: "test") { _ in logs.handler })
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
        if let schemaPool { TestDatabase.drop(schemaPool) }
    }

    func send(
        _ method: HTTPRequest.Method, _ path: String, headers: HTTPFields = [:], body: String? = nil,
        json: JSONValue? = nil
    ) async throws -> Reply {
        var fields = headers
        var bytes = body.map { ByteBuffer(string: $0) } ?? ByteBuffer()
        if let json {
            bytes = ByteBuffer(bytes: json.jsonData)
            if fields[.contentType] == nil { fields[.contentType] = "application/json" }
        }
        if bytes.readableBytes > 0 { fields[.contentLength] = String(bytes.readableBytes) }
        let request = Request(
            head: HTTPRequest(method: method, scheme: "http", authority: "127.0.0.1", path: path, headerFields: fields),
            body: RequestBody(buffer: bytes))
        let context = BasicRequestContext(
            source: ApplicationRequestContextSource(channel: EmbeddedChannel(), logger: Logger(label: "test")))
        let response = try await responder.respond(to: request, context: context)
        let collector = BodyCollector()
        try await response.body.write(collector)
        return Reply(status: response.status, headers: response.headers, body: collector.data)
    }

    /// Reads or changes `catalog.sqlite` directly, as any SQLite client can (a connection of
    /// the test's own: the store keeps its handle to itself).
    func catalogSQL<T>(_ body: (Database) throws -> T) throws -> T {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        return try DatabaseQueue(path: context.config.catalogDatabasePath, configuration: configuration).write(body)
    }

    /// Runs a worker of this appliance, and its webhook relay, while `body` runs.
    func withWorker(_ body: () async throws -> Void) async throws {
        let worker = context.makeWorker(logger: Logger(label: "worker"))
        let running = Task { try await worker.run() }
        let relay = WebhookRelay(store: context.catalog.store, client: context.client, logger: Logger(label: "relay"), sweepInterval: 0.05)
        let relaying = Task { try await relay.run() }
        try await body()
        relaying.cancel()
        worker.beginWarmShutdown()
        try await running.value
    }
}

/// Collects a response body.
final class BodyCollector: ResponseBodyWriter, @unchecked Sendable {
    private(set) var data = Data()

    func write(_ buffer: ByteBuffer) async throws {
        data.append(contentsOf: buffer.readableBytesView)
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}

/// Keeps every log line written through its handler.
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    var all: [String] { lines.withLock { $0 } }

    var handler: any LogHandler { Handler(capture: self) }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let pairs = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            capture.lines.withLock { $0.append("\(event.message) \(pairs.joined(separator: " "))") }
        }
    }
}
