/// Why an import failed as a whole (not a row error). `retryable` failures are transient
/// (database busy, I/O); the others fail at once, with a message for the user.
public struct ImportFailure: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String
    public let retryable: Bool

    public init(_ message: String, retryable: Bool = false) {
        self.message = message
        self.retryable = retryable
    }

    public var description: String { message }
}
