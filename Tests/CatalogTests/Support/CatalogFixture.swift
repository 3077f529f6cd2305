import Foundation
import GRDB
import PostgresNIO
import PostgresSupport
import Synchronization
import TaskQueue
import TestSupport

@testable import Catalog

/// A catalogue on a temporary directory, with an uploads folder: in `catalog.sqlite` there, or
/// on a fresh PostgreSQL schema.
final class CatalogFixture: @unchecked Sendable {
    let root: URL
    let catalog: CatalogContext
    let backend: CatalogBackend
    let pool: PostgresPool?
    var store: any CatalogStore { catalog.store }
    var databasePath: String { root.appendingPathComponent("catalog.sqlite").path }

    init(
        _ backend: CatalogBackend = .sqlite, batchRows: Int = 20_000, maxFieldBytes: Int = 1 << 20, sortMemoryBytes: Int = 16 << 20,
        transport: any WebhookTransport = FakeTransport()
    ) throws {
        self.backend = backend
        root = FileManager.default.temporaryDirectory.appendingPathComponent("cat-\(UUID().uuidString)")
        let uploads = root.appendingPathComponent("uploads")
        try FileManager.default.createDirectory(at: uploads, withIntermediateDirectories: true)
        var configuration = CatalogConfiguration()
        configuration.importDefaults = ImportOptions(
            batchRows: batchRows, maxFieldBytes: maxFieldBytes, sortMemoryBytes: sortMemoryBytes)
        let store: any CatalogStore
        (store, pool) = try backend.makeStore(in: root)
        catalog = CatalogContext(
            store: store, uploadsDirectory: uploads.path, scratchDirectory: root.path, configuration: configuration, webhookTransport: transport)
    }

    /// Reads or changes `catalog.sqlite` directly, as any SQLite client can (a connection of
    /// the test's own: the store keeps its handle to itself). SQLite only.
    func sql<T>(_ body: (Database) throws -> T) throws -> T {
        precondition(backend == .sqlite, "fixture.sql reads catalog.sqlite")
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        return try DatabaseQueue(path: databasePath, configuration: configuration).write(body)
    }

    /// Runs `statement` (no parameters, SQL both backends read alike) on the catalogue's data
    /// directly, as a crashed process would have left it.
    func execute(_ statement: String) throws {
        if let pool {
            try pool.withSession { session in _ = try session.execute(PostgresQuery(unsafeSQL: statement)) }
        } else {
            try sql { db in try db.execute(sql: statement) }
        }
    }

    /// The integer `query` reads first (no parameters), on either backend.
    func integer(_ query: String) throws -> Int? {
        if let pool { return try pool.withSession { session in try session.first(PostgresQuery(unsafeSQL: query))?.get(0, as: Int?.self) } }
        return try sql { db in try Int.fetchOne(db, sql: query) }
    }

    /// The importer a delivery of `record` with `token` would run.
    func importer(
        _ record: ImportRecord, token: Int64, options: ImportOptions? = nil, monitor: any OperationMonitor = RecordingMonitor()
    ) throws -> CSVImporter {
        CSVImporter(
            store: catalog.store, importID: record.id, path: try catalog.confine(record.filePath), token: token,
            options: options ?? catalog.configuration.importDefaults, monitor: monitor, scratchDirectory: root.path)
    }

    /// Records an import of the uploaded file `name`, as a submission does.
    func record(_ name: String) async throws -> ImportRecord {
        try await catalog.store.createImport(NewImport(filePath: name, filename: name))
    }

    deinit {
        try? FileManager.default.removeItem(at: root)
        if let pool { TestDatabase.drop(pool) }
    }

    /// Writes `content` into the uploads directory; returns its name there.
    @discardableResult
    func upload(_ content: String, name: String = "\(UUID().uuidString).csv") throws -> String {
        try upload(Data(content.utf8), name: name)
    }

    @discardableResult
    func upload(_ data: Data, name: String = "\(UUID().uuidString).csv") throws -> String {
        try data.write(to: URL(fileURLWithPath: catalog.uploadsDirectory).appendingPathComponent(name))
        return name
    }

    /// Runs an import of an uploaded file directly (token 1 unless told), as the task would.
    func importFile(
        _ name: String, options: ImportOptions? = nil, token: Int64 = 1, monitor: RecordingMonitor = RecordingMonitor()
    ) async throws -> (Result<ImportSummary, any Error>, ImportRecord) {
        let record = try await record(name)
        let result: Result<ImportSummary, any Error>
        do {
            result = .success(
                try await offCooperativePool {
                    try self.importer(record, token: token, options: options, monitor: monitor).run()
                })
        } catch {
            result = .failure(error)
        }
        return (result, try await catalog.store.importRecord(id: record.id)!)
    }

    func importCSV(_ content: String, options: ImportOptions? = nil) async throws -> (Result<ImportSummary, any Error>, ImportRecord) {
        try await importFile(try upload(content), options: options)
    }

    /// `sku|name|description|active` of every product, by SKU key.
    func products() throws -> [String] {
        if let pool {
            return try pool.withSession { session in
                try session.query("SELECT sku, name, description, active FROM products ORDER BY sku_key").map {
                    "\(try $0.get(0, as: String.self))|\(try $0.get(1, as: String.self))|\(try $0.get(2, as: String.self))|\(try $0.get(3, as: Bool.self) ? 1 : 0)"
                }
            }
        }
        return try sql { db in
            try Row.fetchAll(db, sql: "SELECT sku, name, description, active FROM products ORDER BY sku_key").map {
                "\($0[0] as String)|\($0[1] as String)|\($0[2] as String)|\($0[3] as Int)"
            }
        }
    }

    func errors(_ record: ImportRecord) async throws -> [RowError] {
        try await catalog.store.importErrors(importID: record.id, limit: 1000, offset: 0)
    }
}

/// Records progress; can cancel after a number of checks, or after a number of checks that
/// follow a progress report `armedBy` accepts.
final class RecordingMonitor: OperationMonitor, @unchecked Sendable {
    private let state = Mutex<(metas: [JSONValue], checks: Int, armedChecks: Int?)>(([], 0, nil))
    let cancelAfter: Int?
    let armedBy: (@Sendable (JSONValue) -> Bool)?
    let checksWhenArmed: Int

    init(cancelAfter: Int? = nil, armedBy: (@Sendable (JSONValue) -> Bool)? = nil, thenChecks: Int = 0) {
        self.cancelAfter = cancelAfter
        self.armedBy = armedBy
        self.checksWhenArmed = thenChecks
    }

    var metas: [JSONValue] { state.withLock { $0.metas } }

    func checkCancellation() throws {
        let (checks, armedChecks) = state.withLock { state in
            state.checks += 1
            state.armedChecks = state.armedChecks.map { $0 + 1 }
            return (state.checks, state.armedChecks)
        }
        if let cancelAfter, checks > cancelAfter { throw TaskCancelled(reason: .revoked) }
        if let armedChecks, armedChecks > checksWhenArmed {
            throw TaskCancelled(reason: .revoked)
        }
    }

    func progress(_ meta: JSONValue) {
        let arm = armedBy?(meta) ?? false
        state.withLock {
            $0.metas.append(meta)
            if arm && $0.armedChecks == nil { $0.armedChecks = 0 }
        }
    }
}
