import Foundation

/// Filters for job listings (newest first).
public struct JobFilter: Sendable, Equatable {
    public var state: TaskState?
    public var name: String?
    public var queue: String?
    public var limit: Int
    public var offset: Int

    public init(state: TaskState? = nil, name: String? = nil, queue: String? = nil, limit: Int = 20, offset: Int = 0) {
        self.state = state
        self.name = name
        self.queue = queue
        self.limit = limit
        self.offset = offset
    }
}
