import Foundation

/// A job a worker slot has claimed. Arguments stay JSON text until the slot's thread reads
/// them, so the claim's transaction does no decoding.
public struct ClaimedJob: Sendable {
    public let id: String
    public let name: String
    /// `args` as stored: a JSON array.
    public let argsJSON: String
    /// `kwargs` as stored: a JSON object.
    public let kwargsJSON: String
    public let queue: String
    public let priority: Int
    public let lease: Lease
    /// Claims so far, this one included.
    public let deliveries: Int
    /// Retries so far (0 on the first run).
    public let retries: Int
    public let enqueuedAt: Date
    /// When the job became due (its ETA or retry time, else its enqueue time).
    public let runAt: Date
    public let leaseUntil: Date

    public var args: [JSONValue] { (try? JSONValue(parsing: argsJSON))?.arrayValue ?? [] }
    public var kwargs: [String: JSONValue] { (try? JSONValue(parsing: kwargsJSON))?.objectValue ?? [:] }
}
