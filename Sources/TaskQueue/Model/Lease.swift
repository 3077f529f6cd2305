import Foundation

/// Proof of holding a job: its id and the fencing token of this delivery.
public struct Lease: Sendable, Hashable, CustomStringConvertible {
    public let jobID: String
    public let token: Int64

    public init(jobID: String, token: Int64) {
        self.jobID = jobID
        self.token = token
    }

    public var description: String { "\(jobID)#\(token)" }
}

/// What a lease holder learns when it renews.
public enum LeaseStatus: Sendable, Equatable {
    /// Still held; `revokeRequested` asks the holder to cancel the body.
    case held(until: Date, revokeRequested: Bool)
    /// Someone else owns the job now (or it ended): stop, write nothing.
    case lost
}
