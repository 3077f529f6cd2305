import Foundation

/// Filters for job listings (newest first). Every condition is ANDed.
public struct JobFilter: Sendable, Equatable {
    public var state: TaskState?
    public var name: String?
    public var queue: String?
    /// The worker that ran (or runs) the job, as in its record (`name@host:pid`).
    public var worker: String?
    /// A job id prefix, or a substring (ASCII case-insensitive) of the name, args, kwargs or error.
    public var search: String?
    /// Enqueued at or after `since`, and before `until`.
    public var since: Date?
    public var until: Date?
    /// Only ids below it (keyset paging, newest first: pass the last id of the previous page).
    public var beforeID: String?
    public var limit: Int
    public var offset: Int

    public init(
        state: TaskState? = nil, name: String? = nil, queue: String? = nil, worker: String? = nil, search: String? = nil,
        since: Date? = nil, until: Date? = nil, beforeID: String? = nil, limit: Int = 20, offset: Int = 0
    ) {
        self.state = state
        self.name = name
        self.queue = queue
        self.worker = worker
        self.search = search
        self.since = since
        self.until = until
        self.beforeID = beforeID
        self.limit = limit
        self.offset = offset
    }

    /// Whether `job` matches every condition but `limit` and `offset` (the in-memory twin's reading, and
    /// the meaning the SQL of every backend keeps).
    public func matches(_ job: JobRecord) -> Bool {
        if let state, job.state != state { return false }
        if let name, job.name != name { return false }
        if let queue, job.queue != queue { return false }
        if let worker, job.worker != worker { return false }
        if let since, job.enqueuedAt < since { return false }
        if let until, job.enqueuedAt >= until { return false }
        if let beforeID, job.id >= beforeID { return false }
        if let search, !search.isEmpty {
            let texts = [
                job.name, JSONValue.array(job.args).jsonText, JSONValue.object(job.kwargs).jsonText,
                job.error.map { "\($0.type) \($0.message)" } ?? "",
            ]
            let folded = Self.asciiLowercased(search)
            let found = Self.asciiLowercased(job.id).hasPrefix(folded) || texts.contains { Self.asciiLowercased($0).contains(folded) }
            if !found { return false }
        }
        return true
    }

    /// SQLite's LIKE folds ASCII letters only: the twin folds the same.
    static func asciiLowercased(_ text: String) -> String {
        String(decoding: text.utf8.map { (65...90).contains($0) ? $0 + 32 : $0 }, as: UTF8.self)
    }
}
