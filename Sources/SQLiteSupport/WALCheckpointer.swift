import Dispatch
import Foundation
import GRDB
import ServiceLifecycle
import Synchronization

/// Copies WAL frames into the database from its own connection every `interval` (PASSIVE: it
/// never waits for locks), so that SQLite's automatic checkpoint, which runs in the committing
/// writer once the WAL passes 16 MB (the catalogue's: 256 frames between long operations), finds
/// little left to copy: commits stay short (STACK.md) and, that checkpoint being complete, the
/// WAL restarts from its beginning and stays bounded. Past `maxWALBytes` (another process
/// writing without pause) it runs a TRUNCATE checkpoint, which waits for writers and empties the
/// WAL.
///
/// A service of the application: it runs while the process serves and stops last, after the
/// workers' final writes. The checkpoint itself blocks, so it runs on a queue of its own, never
/// on a cooperative thread.
public final class WALCheckpointer: Service, Sendable {
    private let connection: DatabaseQueue
    private let walPath: String
    private let interval: TimeInterval
    private let maxWALBytes: Int
    private let queue = DispatchQueue(label: "importer.checkpoint", qos: .utility)
    /// The database's `data_version` as this connection saw it when its last checkpoint ran.
    private let lastCheckpointed = Mutex<Int?>(nil)

    /// Every 50 ms: the writer's own checkpoint then finds at most 50 ms of frames left to copy
    /// and sync. Measured together with the catalogue's short-write threshold in frames (256,
    /// not 64 frames of 16 KiB): a webhook attempt record took 2.3–2.5 ms instead of 4.1–4.4 ms,
    /// most of it waiting for the writer; the queue benchmark's drain and longest write
    /// transaction were no worse at 50 ms than at 200 ms.
    public init(path: String, interval: TimeInterval = 0.05, maxWALBytes: Int = 256 << 20) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        self.connection = try DatabaseQueue(path: path, configuration: configuration)
        self.walPath = path + "-wal"
        self.interval = interval
        self.maxWALBytes = maxWALBytes
    }

    /// While nothing is written, the pause doubles up to this: an idle process wakes about once
    /// a second per database, not 20 times (measured, CPU of an idle `serve` over 20 s: 0.53–0.63 s
    /// at a steady 50 ms, 0.39–0.40 s with this, 0.46–0.55 s at the former steady 200 ms).
    static let idleInterval: TimeInterval = 0.8

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var pause = self.interval
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(pause))
                if Task.isCancelled { return }
                pause = await self.checkpoint() ? self.interval : min(pause * 2, max(self.interval, Self.idleInterval))
            }
        }
    }

    /// One checkpoint if the WAL holds anything and another connection committed since the last
    /// one (`PRAGMA data_version`): PASSIVE, or TRUNCATE past `maxWALBytes` (retried until the
    /// WAL is small). Returns whether it ran.
    @discardableResult
    func checkpoint() async -> Bool {
        await withCheckedContinuation { (done: CheckedContinuation<Bool, Never>) in
            queue.async {
                var info = stat()
                guard stat(self.walPath, &info) == 0, info.st_size > 0 else { return done.resume(returning: false) }
                let mode = Int(info.st_size) > self.maxWALBytes ? "TRUNCATE" : "PASSIVE"
                let ran = (try? self.connection.writeWithoutTransaction { db -> Bool in
                    // Read before the checkpoint: a commit meanwhile makes the next one run too.
                    let version = try Int.fetchOne(db.cachedStatement(sql: "PRAGMA data_version"))
                    guard mode == "TRUNCATE" || version != self.lastCheckpointed.withLock({ $0 }) else { return false }
                    self.lastCheckpointed.withLock { $0 = version }
                    _ = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(\(mode))")
                    return true
                }) ?? false
                done.resume(returning: ran)
            }
        }
    }
}
