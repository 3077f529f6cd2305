import TaskQueue

/// Where an import delivery's time went (the result's `stages`): reading the file, and the
/// merge with its parts — the writer waiting for the merge thread, the products written (SQLite's
/// statements into its page cache; PostgreSQL's `COPY` and merge statement), the checkpoints,
/// and each transaction's own cost (its start, the lock's fence, the product count and the
/// commit: on SQLite the pages written to the WAL). The rest of the merge is progress reports.
public struct ImportStages: Sendable, Equatable {
    public var read: Duration = .zero
    public var merge: Duration = .zero
    public var wait: Duration = .zero
    public var write: Duration = .zero
    public var checkpoint: Duration = .zero
    public var commit: Duration = .zero

    public init() {}

    public var json: JSONValue {
        [
            "read_seconds": Self.seconds(read), "merge_seconds": Self.seconds(merge), "wait_seconds": Self.seconds(wait),
            "write_seconds": Self.seconds(write), "checkpoint_seconds": Self.seconds(checkpoint),
            "commit_seconds": Self.seconds(commit),
        ]
    }

    /// Seconds, to the millisecond.
    private static func seconds(_ duration: Duration) -> JSONValue { .double((duration.seconds * 1000).rounded() / 1000) }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
