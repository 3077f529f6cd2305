import Dispatch
import Foundation
import GRDB

/// Copies WAL frames into the database from its own connection every `interval` (PASSIVE: it
/// never waits for locks), so that SQLite's automatic checkpoint, which runs in the committing
/// writer once the WAL passes 4,000 pages (16 MB), finds almost nothing left to copy: commits stay short
/// (STACK.md) and, that checkpoint being complete, the WAL restarts from its beginning and stays
/// bounded. Past `maxWALBytes` (another process writing without pause) it runs a TRUNCATE
/// checkpoint, which waits for writers and empties the WAL.
public final class WALCheckpointer: @unchecked Sendable {
    // The timer is only touched in init and deinit.
    private let timer: any DispatchSourceTimer

    public init(path: String, interval: TimeInterval = 0.2, maxWALBytes: Int = 256 << 20) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        let connection = try DatabaseQueue(path: path, configuration: configuration)
        let walPath = path + "-wal"
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "importer.checkpoint", qos: .utility))
        timer.schedule(deadline: .now() + 0.2, repeating: 0.2, leeway: .milliseconds(20))
        nonisolated(unsafe) var last = Date()
        timer.setEventHandler {
            // Only this timer's serial queue touches `last`.
            let size = (try? FileManager.default.attributesOfItem(atPath: walPath)[.size] as? NSNumber)?.intValue ?? 0
            let mode: String
            if size > maxWALBytes {
                mode = "TRUNCATE"
            } else if size > 0 && Date().timeIntervalSince(last) >= interval {
                mode = "PASSIVE"
            } else {
                return
            }
            last = Date()
            try? connection.writeWithoutTransaction { db in
                _ = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(\(mode))")
            }
        }
        timer.resume()
        self.timer = timer
    }

    deinit {
        timer.cancel()
    }
}
