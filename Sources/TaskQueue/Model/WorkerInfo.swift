import Foundation

/// A worker process as recorded by its heartbeats.
public struct WorkerInfo: Sendable, Codable, Equatable {
    public struct Pool: Sendable, Codable, Equatable {
        public var queues: [String]
        public var concurrency: Int

        public init(queues: [String], concurrency: Int) {
            self.queues = queues
            self.concurrency = concurrency
        }
    }

    public var name: String
    public var pid: Int
    public var host: String
    public var startedAt: Date
    public var lastSeen: Date
    public var pools: [Pool]
    public var registered: [String]
    /// Processed (finished) jobs per task name.
    public var processed: [String: Int]
    /// Failed jobs per task name.
    public var failed: [String: Int]
    public var active: [String]

    /// Heartbeat rows older than this (a killed process's) are deleted by the next heartbeat.
    public static let forgottenAfter: TimeInterval = 86_400

    public init(
        name: String, pid: Int, host: String, startedAt: Date, lastSeen: Date, pools: [Pool],
        registered: [String], processed: [String: Int] = [:], failed: [String: Int] = [:], active: [String] = []
    ) {
        self.name = name
        self.pid = pid
        self.host = host
        self.startedAt = startedAt
        self.lastSeen = lastSeen
        self.pools = pools
        self.registered = registered
        self.processed = processed
        self.failed = failed
        self.active = active
    }
}
