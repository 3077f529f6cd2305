import Foundation
import GRDB
import PostgresNIO
import PostgresSupport
import TestSupport
import Testing

@testable import TaskQueue

/// A 200k-row import killed with SIGKILL mid-way completes after a restart with the same
/// products as an uninterrupted run.
@Suite(.serialized, .tags(.sqliteOnly), .enabled(if: E2EDatabase.isSQLite, "it runs on both backends itself")) struct ImportCrashTests {
    /// A deterministic product file: quoted commas and quotes, line breaks, non-ASCII, case
    /// variants of earlier SKUs (last one wins), an `active` column.
    static func writeProducts(rows: Int, to path: String) throws {
        var text = "sku,name,description,active\n"
        text.reserveCapacity(rows * 70)
        var state: UInt64 = 42
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        for index in 0..<rows {
            let value = next()
            let sku = value % 40 == 0 && index > 10 ? "SKU-\(next() % UInt64(index))".uppercased() : "sku-\(index)"
            let name = value % 7 == 0 ? "\"Widget, size \(value % 100)\"" : "Widget \(value % 1000)"
            let description = value % 11 == 0 ? "\"Line one\nline \"\"two\"\" é\"" : "Plain description \(value % 97)"
            let active = value % 3 == 0 ? "no" : "yes"
            text += "\(sku),\(name),\(description),\(active)\n"
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Where a run keeps its data: its data directory, or a fresh schema of the test server.
    struct Storage {
        let sandbox: Sandbox
        let pool: PostgresPool?
        var environment: [String: String]

        init(_ backend: Backend, environment: [String: String]) throws {
            sandbox = try Sandbox()
            self.environment = environment
            guard backend == .postgres, TestDatabase.url != nil else {
                pool = nil
                return
            }
            let pool = try TestDatabase.freshPool()
            self.pool = pool
            self.environment["IMPORTER_DATABASE_URL"] = E2EDatabase.url(schema: pool.url.schema)
        }

        func store() throws -> any QueueStore {
            if let pool { return try PostgresQueueStore(pool: pool) }
            return try sandbox.store()
        }

        func products() throws -> [String] {
            guard let pool else { return try ImportCrashTests.products(sandbox.dataDir) }
            return try pool.withSession { session in
                try session.query("SELECT sku, name, description, active FROM products ORDER BY sku_key").map {
                    "\(try $0.get(0, as: String.self))\u{1F}\(try $0.get(1, as: String.self))\u{1F}\(try $0.get(2, as: String.self))\u{1F}\(try $0.get(3, as: Bool.self) ? 1 : 0)"
                }
            }
        }

        func drop() { if let pool { TestDatabase.drop(pool) } }
    }

    enum Backend: String, CaseIterable, CustomTestStringConvertible {
        case sqlite, postgres
        var testDescription: String { rawValue }
        static var allCases: [Backend] { TestDatabase.url == nil ? [.sqlite] : [.sqlite, .postgres] }
    }

    static func products(_ dataDir: String) throws -> [String] {
        let queue = try DatabaseQueue(path: dataDir + "/catalog.sqlite")
        return try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT sku, name, description, active FROM products ORDER BY sku_key").map {
                "\($0[0] as String)\u{1F}\($0[1] as String)\u{1F}\($0[2] as String)\u{1F}\($0[3] as Int)"
            }
        }
    }

    func importTaskID(_ run: (status: Int32, output: String, log: String)) throws -> String {
        let json = try JSONValue(parsing: run.output)
        return try #require(json["task_id"]?.stringValue, "\(run.output) \(run.log)")
    }

    @Test(arguments: Backend.allCases)
    func sigkillDuringA200kImportThenRestartEqualsAnUninterruptedRun(backend: Backend) async throws {
        let files = try Sandbox()
        let csv = files.root + "/products.csv"
        try Self.writeProducts(rows: 200_000, to: csv)
        let settings = ["IMPORTER_VISIBILITY_TIMEOUT": "2", "IMPORTER_IMPORT_BATCH_ROWS": "10000"]

        // The interrupted run
        let crashed = try Storage(backend, environment: settings)
        defer { crashed.drop() }
        let first = try await crashed.sandbox.startWorker(environment: crashed.environment)
        defer { first.signal(SIGKILL) }
        let taskID = try importTaskID(
            try await ImporterProcess.run(["import", csv], dataDir: crashed.sandbox.dataDir, environment: crashed.environment))
        let store = try crashed.store()
        let progressed = try await eventually(timeout: 60) {
            guard let job = try await store.record(taskID) else { return false }
            return (job.meta?["rows_processed"]?.intValue ?? 0) >= 30_000 && !job.state.isFinal
        }
        #expect(progressed, "the import did not get going")
        first.signal(SIGKILL)
        _ = await first.waitForExit()
        let second = try await crashed.sandbox.startWorker(environment: crashed.environment)
        defer { second.signal(SIGKILL) }
        #expect(try await eventually(timeout: 120) { try await store.record(taskID)?.state == .success })
        let job = try #require(try await store.record(taskID))
        #expect(job.deliveries == 2)
        #expect(job.result?["rows_processed"] == 200_000)

        // The uninterrupted run
        let clean = try Storage(backend, environment: settings)
        defer { clean.drop() }
        let worker = try await clean.sandbox.startWorker(environment: clean.environment)
        defer { worker.signal(SIGKILL) }
        let run = try await ImporterProcess.run(
            ["import", csv, "--wait"], dataDir: clean.sandbox.dataDir, environment: clean.environment)
        #expect(run.status == 0, "\(run.log)")

        let expected = try clean.products()
        #expect(expected.count > 190_000)
        #expect(try crashed.products() == expected)
        let resumed = try JSONValue(parsing: run.output)
        #expect(job.result?["created"] == resumed["created"])
        #expect(job.result?["updated"] == resumed["updated"])
    }
}
