import Foundation
import GRDB
import SQLiteSupport

/// The worker registry (`WorkerRegistryStore`): one heartbeat row per worker process.
extension SQLiteQueueStore {
    public func heartbeat(_ worker: WorkerInfo) async throws {
        let info = try String(decoding: Self.encoder.encode(worker), as: UTF8.self)
        try await write { db in
            try db.cachedStatement(sql: "INSERT OR REPLACE INTO workers (name, last_seen, info) VALUES (?, ?, ?)")
                .execute(arguments: [worker.name, worker.lastSeen.timeIntervalSince1970, info])
        }
    }

    public func removeWorker(name: String) async throws {
        try await write { db in
            try db.cachedStatement(sql: "DELETE FROM workers WHERE name = ?").execute(arguments: [name])
        }
    }

    public func workers(seenWithin: TimeInterval) async throws -> [WorkerInfo] {
        let since = clock.now().timeIntervalSince1970 - seenWithin
        return try await read { db in
            try String.fetchAll(db, sql: "SELECT info FROM workers WHERE last_seen >= ? ORDER BY name", arguments: [since])
                .compactMap { try? Self.decoder.decode(WorkerInfo.self, from: Data($0.utf8)) }
        }
    }
}
