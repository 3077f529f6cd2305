import Foundation
import GRDB
import PostgresNIO
import PostgresSupport
import Testing

@testable import TaskQueue

/// The test process as a second client of the sandbox's queue, and workers started in it.
extension Sandbox {
    static let testTasks = ["IMPORTER_ENABLE_TEST_TASKS": "true"]

    /// Opens the sandbox's queue from the test process, as a second client would.
    func store() throws -> any QueueStore {
        if let pool { return try PostgresQueueStore(pool: pool) }
        return try SQLiteQueueStore(path: dataDir + "/queue.sqlite")
    }

    /// The count `query` reads from the queue's tables (SQL both backends read alike).
    func queueCount(_ query: String) async throws -> Int {
        if let pool {
            return try pool.withSession { session in try session.first(PostgresQuery(unsafeSQL: query))?.get(0, as: Int.self) ?? 0 }
        }
        return try await SQLiteQueueStore(path: dataDir + "/queue.sqlite").pool.read { db in try Int.fetchOne(db, sql: query) ?? 0 }
    }

    /// Starts `importer worker` with the test tasks and waits until it is ready.
    func startWorker(_ arguments: [String] = [], environment: [String: String] = [:]) async throws -> ImporterProcess {
        let worker = try ImporterProcess(
            ["worker"] + arguments, dataDir: dataDir,
            environment: Self.testTasks.merging(environment) { _, new in new })
        #expect(await worker.waitForLog("worker_ready"), "worker did not start: \(worker.log)")
        return worker
    }
}

extension QueueAdminStore {
    /// The job, or nil if unknown or expired.
    func record(_ id: String) async throws -> JobRecord? {
        guard case .found(let record) = try await job(id: id) else { return nil }
        return record
    }
}
