import Dispatch
import Foundation
import GRDB

/// Checkpoints a WAL database from its own connection every `interval`, instead of SQLite's
/// automatic checkpoint, which runs inside a committing write transaction and stalls it
/// (STACK.md: keep write transactions short). PASSIVE checkpoints never wait for locks; the
/// WAL stays bounded while writers keep going.
public final class WALCheckpointer: @unchecked Sendable {
    // The timer is only touched in init and deinit.
    private let timer: any DispatchSourceTimer

    public init(path: String, interval: TimeInterval = 0.2) throws {
        let connection = try DatabaseQueue(path: path)
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "importer.checkpoint", qos: .utility))
        timer.schedule(deadline: .now() + interval, repeating: interval, leeway: .milliseconds(20))
        timer.setEventHandler {
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
