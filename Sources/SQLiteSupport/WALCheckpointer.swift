import Dispatch
import Foundation
import GRDB
import ServiceLifecycle

/// Copies WAL frames into the database from its own connection every `interval` (PASSIVE: it
/// never waits for locks), so that SQLite's automatic checkpoint, which runs in the committing
/// writer once the WAL passes 4,000 pages (16 MB), finds almost nothing left to copy: commits
/// stay short (STACK.md) and, that checkpoint being complete, the WAL restarts from its
/// beginning and stays bounded. Past `maxWALBytes` (another process writing without pause) it
/// runs a TRUNCATE checkpoint, which waits for writers and empties the WAL.
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

    /// Every 50 ms: the writer's own checkpoint then finds at most 50 ms of frames left to copy
    /// and sync. Measured together with the catalogue's short-write threshold in frames (256,
    /// not 64 frames of 16 KiB): the webhook pool's attempt records waited 2.3–2.5 ms for the
    /// writer instead of 4.1–4.4 ms; the queue benchmark's drain and longest write transaction
    /// were no worse at 50 ms than at 200 ms.
    public init(path: String, interval: TimeInterval = 0.05, maxWALBytes: Int = 256 << 20) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        self.connection = try DatabaseQueue(path: path, configuration: configuration)
        self.walPath = path + "-wal"
        self.interval = interval
        self.maxWALBytes = maxWALBytes
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(self.interval))
                if Task.isCancelled { return }
                await self.checkpoint()
            }
        }
    }

    /// One checkpoint if the WAL holds anything: PASSIVE, or TRUNCATE past `maxWALBytes`.
    func checkpoint() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            queue.async {
                let size = (try? FileManager.default.attributesOfItem(atPath: self.walPath)[.size] as? NSNumber)?.intValue ?? 0
                if size > 0 {
                    let mode = size > self.maxWALBytes ? "TRUNCATE" : "PASSIVE"
                    try? self.connection.writeWithoutTransaction { db in
                        _ = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(\(mode))")
                    }
                }
                done.resume()
            }
        }
    }
}
