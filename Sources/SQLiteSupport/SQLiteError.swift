/// A database file that cannot be opened, locked or prepared: the message says which and why.
/// Stores turn it into their own error (`QueueError`, `CatalogError`) with the same message.
public struct SQLiteError: Error, Sendable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
