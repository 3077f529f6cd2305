import Foundation

/// The catalogue lock (DESIGN.md §7, §10): one long catalogue operation at a time — an import or
/// a bulk delete, in the order the `imports` queue runs them — and only its current delivery,
/// identified by the queue lease's fencing token, may write.
public protocol CatalogLockStore: Sendable {
    /// Takes the lock for this delivery if it is free, already this operation's, held by a
    /// finished operation, or silent for `staleAfter` seconds; false while another operation
    /// holds it. Throws `lockLost` when a newer delivery of the same operation holds it.
    func takeCatalogLock(_ fence: CatalogFence, staleAfter: TimeInterval) throws -> Bool

    /// Gives the lock back if this delivery still holds it.
    func releaseCatalogLock(_ fence: CatalogFence) throws

    /// Tunes the storage for the large batches of the lock's holder (a larger write cache, rarer
    /// checkpoints in the writer), and gives that back afterwards.
    func beginBulkWrites() throws
    func endBulkWrites()
}

/// The proof that a delivery of a catalogue operation (an import, a bulk delete) may write: the
/// operation's id and the delivery's fencing token (the queue lease's, so a redelivery has a
/// greater one).
public struct CatalogFence: Sendable, Equatable {
    /// The import's or the bulk delete's id.
    public let holder: String
    public let token: Int64

    public init(holder: String, token: Int64) {
        self.holder = holder
        self.token = token
    }
}
