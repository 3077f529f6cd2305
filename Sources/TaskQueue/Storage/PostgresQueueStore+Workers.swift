import Foundation
import PostgresNIO
import PostgresSupport

/// The worker registry on PostgreSQL: one heartbeat row per worker process, and the operators'
/// control requests.
extension PostgresQueueStore {
    public func heartbeat(_ worker: WorkerInfo) async throws {
        let info = try String(decoding: SQLiteQueueStore.encoder.encode(worker), as: UTF8.self)
        let seen = worker.lastSeen.timeIntervalSince1970
        let forgotten = seen - WorkerInfo.forgottenAfter
        try await transaction { session in
            try session.execute(
                """
                INSERT INTO workers (name, last_seen, info) VALUES (\(worker.name), \(seen), \(info))
                ON CONFLICT (name) DO UPDATE SET last_seen = excluded.last_seen, info = excluded.info
                """)
            try session.execute("DELETE FROM workers WHERE last_seen < \(forgotten)")
            try session.execute("DELETE FROM worker_controls c WHERE NOT EXISTS (SELECT 1 FROM workers w WHERE w.name = c.name)")
        }
    }

    public func removeWorker(name: String) async throws {
        try await transaction { session in
            try session.execute("DELETE FROM workers WHERE name = \(name)")
            try session.execute("DELETE FROM worker_controls WHERE name = \(name)")
        }
        // The worker's last write: its last stats must not wait for a timer in a process that exits.
        try flushStats()
    }

    public func workers(seenWithin: TimeInterval) async throws -> [WorkerInfo] {
        let since = clock.now().timeIntervalSince1970 - seenWithin
        return try await session { session in
            try session.query("SELECT info FROM workers WHERE last_seen >= \(since) ORDER BY name").compactMap { row in
                try? SQLiteQueueStore.decoder.decode(WorkerInfo.self, from: Data((try row.get("info", as: String.self)).utf8))
            }
        }
    }

    public func setControl(_ control: WorkerControl?, worker name: String) async throws -> WorkerControl? {
        let now = clock.now().timeIntervalSince1970
        return try await transaction { session in
            let current = try session.first("SELECT action FROM worker_controls WHERE name = \(name) FOR UPDATE")
                .flatMap { WorkerControl(rawValue: try $0.get("action")) }
            guard current != .stop else { return .stop }
            if let control {
                try session.execute(
                    """
                    INSERT INTO worker_controls (name, action, requested_at) VALUES (\(name), \(control.rawValue), \(now))
                    ON CONFLICT (name) DO UPDATE SET action = excluded.action, requested_at = excluded.requested_at
                    """)
            } else {
                try session.execute("DELETE FROM worker_controls WHERE name = \(name)")
            }
            return control
        }
    }

    public func workerControls() async throws -> [String: WorkerControl] {
        try await session { session in
            var controls: [String: WorkerControl] = [:]
            for row in try session.query("SELECT name, action FROM worker_controls") {
                if let control = WorkerControl(rawValue: try row.get("action")) { controls[try row.get("name")] = control }
            }
            return controls
        }
    }
}
