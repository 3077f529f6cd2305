import Foundation
import Synchronization

/// A task's rate limit as Celery writes it: `"N/s"`, `"N/m"` or `"N/h"` (N may be fractional).
public struct RateLimit: Sendable, Equatable, CustomStringConvertible {
    /// Seconds between two starts.
    public let interval: TimeInterval
    public let description: String

    public init(_ text: String) throws(QueueError) {
        let parts = text.split(separator: "/")
        let units: [Substring: TimeInterval] = ["s": 1, "m": 60, "h": 3600]
        guard parts.count == 2, let count = Double(parts[0]), count > 0, count.isFinite, let unit = units[parts[1]] else {
            throw QueueError.invalidJob("'\(text)' is not a rate limit (use \"N/s\", \"N/m\" or \"N/h\")")
        }
        interval = unit / count
        description = text
    }
}

/// Per-task-name token buckets of capacity 1 (as Celery), shared by every slot of the process.
/// A limited name without a token is left out of claims, so its jobs wait in the queue, not in
/// a slot; an idle slot sleeps until the next token instead of polling.
final class RateLimiter: Sendable {
    private let limits: [String: RateLimit]
    /// When each limited name next has a token.
    private let nextToken = Mutex<[String: Date]>([:])

    init(limits: [String: RateLimit]) {
        self.limits = limits
    }

    var isEmpty: Bool { limits.isEmpty }

    /// Limited names without a token at `now`.
    func exhausted(at now: Date) -> [String] {
        guard !limits.isEmpty else { return [] }
        return nextToken.withLock { tokens in tokens.filter { $0.value > now }.map(\.key).sorted() }
    }

    /// Takes the token of `name` for a job just claimed; false if another slot took it first
    /// (the job goes back to the queue).
    func take(_ name: String, at now: Date) -> Bool {
        guard let limit = limits[name] else { return true }
        return nextToken.withLock { tokens in
            if let next = tokens[name], next > now { return false }
            tokens[name] = now.addingTimeInterval(limit.interval)
            return true
        }
    }

    /// The earliest moment a name without a token gets one.
    func nextTokenTime(after now: Date) -> Date? {
        nextToken.withLock { tokens in tokens.values.filter { $0 > now }.min() }
    }
}
