import Foundation

/// What an idle slot's claim found (`LeaseStore.claimOrNextRun`).
public enum ClaimAttempt: Sendable {
    case claimed(ClaimedJob)
    /// Nothing due; when the earliest delayed job of the queues becomes due, if there is one.
    case idle(nextRun: Date?)
}
