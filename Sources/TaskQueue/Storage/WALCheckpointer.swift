import Dispatch
import Foundation
import GRDB

/// Checkpoints a WAL database from its own connection, instead of SQLite's automatic
/// checkpoint, which runs inside a committing write transaction and stalls it (STACK.md: keep
/// write transactions short). PASSIVE checkpoints never wait for locks. It checkpoints when the
/// WAL passes `maxWALBytes`, or `interval` after the last checkpoint: a bulk writer (an import
/// rewriting the same index pages batch after batch) gets its pages copied once, not per batch,
/// and the WAL stays bounded.
public final class WALCheckpointer: @unchecked Sendable {
    // The timer is only touched in init and deinit.
    private let timer: any DispatchSourceTimer

    public init(path: String, interval: TimeInterval = 2, maxWALBytes: Int = 32 << 20) throws {
        let connection = try DatabaseQueue(path: path)
        let walPath = path + "-wal"
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "importer.checkpoint", qos: .utility))
        timer.schedule(deadline: .now() + 0.2, repeating: 0.2, leeway: .milliseconds(20))
        nonisolated(unsafe) var last = Date()
        timer.setEventHandler {
            // Only this timer's serial queue touches `last`.
            let size = (try? FileManager.default.attributesOfItem(atPath: walPath)[.size] as? NSNumber)?.intValue ?? 0
            guard size > maxWALBytes || (size > 0 && Date().timeIntervalSince(last) >= interval) else { return }
            last = Date()
            try? connection.writeWithoutTransaction { db in
                _ = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(PASSIVE)")
            }
        }
        timer.resume()
        self.timer = timer
    }

    deinit {
        timer.cancel()
    }
}
