import Foundation
import GRDB
import SQLiteSupport

/// The worker registry (`WorkerRegistryStore`): one heartbeat row per worker process, and the
/// operators' control requests.
extension SQLiteQueueStore {
    public func heartbeat(_ worker: WorkerInfo) async throws {
        let info = try String(decoding: Self.encoder.encode(worker), as: UTF8.self)
        let forgotten = worker.lastSeen.timeIntervalSince1970 - WorkerInfo.forgottenAfter
        try await write { db in
            try db.cachedStatement(sql: "INSERT OR REPLACE INTO workers (name, last_seen, info) VALUES (?, ?, ?)")
                .execute(arguments: [worker.name, worker.lastSeen.timeIntervalSince1970, info])
            try db.cachedStatement(sql: "DELETE FROM workers WHERE last_seen < ?").execute(arguments: [forgotten])
            try db.cachedStatement(sql: "DELETE FROM worker_controls WHERE name NOT IN (SELECT name FROM workers)").execute()
        }
    }

    public func removeWorker(name: String) async throws {
        try await write { db in
            try db.cachedStatement(sql: "DELETE FROM workers WHERE name = ?").execute(arguments: [name])
            try db.cachedStatement(sql: "DELETE FROM worker_controls WHERE name = ?").execute(arguments: [name])
            // The worker's last write: its last stats must not wait for a timer in a process that exits.
            try self.hotStatements(db).writeStats()
        }
    }

    public func workers(seenWithin: TimeInterval) async throws -> [WorkerInfo] {
        let since = clock.now().timeIntervalSince1970 - seenWithin
        return try await read { db in
            try String.fetchAll(db, sql: "SELECT info FROM workers WHERE last_seen >= ? ORDER BY name", arguments: [since])
                .compactMap { try? Self.decoder.decode(WorkerInfo.self, from: Data($0.utf8)) }
        }
    }

    public func setControl(_ control: WorkerControl?, worker name: String) async throws -> WorkerControl? {
        let now = clock.now().timeIntervalSince1970
        return try await write { db in
            let current = try String.fetchOne(db, sql: "SELECT action FROM worker_controls WHERE name = ?", arguments: [name])
                .flatMap(WorkerControl.init(rawValue:))
            guard current != .stop else { return .stop }
            if let control {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO worker_controls (name, action, requested_at) VALUES (?, ?, ?)",
                    arguments: [name, control.rawValue, now])
            } else {
                try db.execute(sql: "DELETE FROM worker_controls WHERE name = ?", arguments: [name])
            }
            return control
        }
    }

    public func workerControls() async throws -> [String: WorkerControl] {
        try await read { db in
            var controls: [String: WorkerControl] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT name, action FROM worker_controls") {
                if let control = WorkerControl(rawValue: row["action"]) { controls[row["name"]] = control }
            }
            return controls
        }
    }
}
