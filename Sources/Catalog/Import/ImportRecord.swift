import Foundation
import TaskQueue

/// An import as recorded: state, counts, checkpoint, timings, error.
public struct ImportRecord: Sendable, Equatable {
    public enum State: String, Sendable {
        case pending = "PENDING", running = "RUNNING", success = "SUCCESS", failure = "FAILURE", revoked = "REVOKED"
        public var isFinal: Bool { self == .success || self == .failure || self == .revoked }
    }

    public var id: String
    public var taskID: String?
    public var filePath: String
    public var filename: String?
    public var userID: String?
    public var options: JSONValue
    public var state: State
    public var stage: String?
    public var message: String?
    public var error: String?
    public var warnings: [String]
    public var created: Int
    public var updated: Int
    public var skipped: Int
    public var rowsProcessed: Int
    public var errorCount: Int
    public var bytesRead: Int64
    public var bytesTotal: Int64
    /// Valid rows of the file whose key the merge has written.
    public var rowsMerged: Int
    /// The last key the merge committed: a resumed import continues after it.
    public var checkpointKey: [UInt8]?
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    /// The failed or revoked import this one runs again (`POST /imports/{id}/retry`).
    public var retryOf: String? = nil

    /// Percent of the work (DESIGN.md §7, docs/import.md).
    public var percent: Double {
        state == .success
            ? 100 : Self.percent(read: bytesRead, total: bytesTotal, merged: rowsMerged, valid: rowsProcessed - skipped, stage: stage)
    }

    /// Share of the file read while reading it counts for the first 40%, with one decimal:
    /// reading, validating and sorting the file is about that share of an import; the merge's
    /// share of the file's valid rows written counts for the rest.
    static func percent(read: Int64, total: Int64, merged: Int, valid: Int, stage: String?) -> Double {
        let reading = total > 0 ? min(1, Double(read) / Double(total)) : 0
        let merging = stage == "parsing" || valid <= 0 ? 0 : min(1, Double(merged) / Double(valid))
        let share = stage == "parsing" ? 0.4 * reading : 0.4 * reading + 0.6 * merging
        return (share * 1000).rounded() / 10
    }
}
