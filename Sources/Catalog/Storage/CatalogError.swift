import Common

/// Errors of the catalogue's storage, with a stable code, a human message and the backend's own
/// error as the cause (modelled on `QueueError`). Storage failures carry the backend-neutral
/// `StorageFault`, so the API answers them the same way as the queue's.
public struct CatalogError: Error, Equatable, CustomStringConvertible, Sendable {
    private enum Code: String, Sendable {
        /// This delivery of an import no longer holds the catalogue lock.
        case lockLost = "lock_lost"
        /// An import that should have a record has none.
        case importNotFound = "import_not_found"
        /// A write broke a uniqueness or other constraint of the schema (a concurrent write won).
        case constraint = "constraint"
        /// Storage failed in a way that is not a `StorageFault` (a bug, a corrupt file).
        case storage = "storage"
        case storageFull = "storage_full"
        case storageReadOnly = "storage_read_only"
        case storageBusy = "storage_busy"
        case storageUnavailable = "storage_unavailable"
    }

    private let internalCode: Code
    /// A human sentence saying what went wrong.
    public let message: String
    /// The storage condition, when storage refused the operation.
    public let fault: StorageFault?
    /// The underlying error (the backend's own), if any.
    public let cause: (any Error & Sendable)?

    private init(_ code: Code, _ message: String, fault: StorageFault? = nil, cause: (any Error & Sendable)? = nil) {
        self.internalCode = code
        self.message = message
        self.fault = fault
        self.cause = cause
    }

    /// The snake_case code, as used in API error bodies.
    public var code: String { internalCode.rawValue }
    public var description: String { message }

    /// Whether a later attempt may succeed: a busy, full or failing store.
    public var isTransient: Bool { fault?.isTransient ?? false }

    /// Whether a newer delivery of the import holds the catalogue lock (this one must stop).
    public var isLockLost: Bool { internalCode == .lockLost }

    public static func lockLost(_ message: String) -> CatalogError {
        CatalogError(.lockLost, message)
    }

    public static func importNotFound(_ importID: String) -> CatalogError {
        CatalogError(.importNotFound, "import \(importID) has no record")
    }

    /// A write broke a constraint of the schema: a conflict with data already stored.
    public static func constraint(_ message: String, cause: (any Error & Sendable)? = nil) -> CatalogError {
        CatalogError(.constraint, message, cause: cause)
    }

    /// Storage failed for a reason that is not a storage condition.
    public static func storage(_ reason: String, cause: (any Error & Sendable)? = nil) -> CatalogError {
        CatalogError(.storage, reason, cause: cause)
    }

    /// Storage refused the operation: full, read-only, busy or unavailable.
    public static func storage(_ fault: StorageFault, cause: (any Error & Sendable)? = nil) -> CatalogError {
        let code: Code
        switch fault.kind {
        case .full: code = .storageFull
        case .readOnly: code = .storageReadOnly
        case .busy: code = .storageBusy
        case .unavailable: code = .storageUnavailable
        }
        return CatalogError(code, fault.message, fault: fault, cause: cause)
    }

    public static func == (lhs: CatalogError, rhs: CatalogError) -> Bool {
        lhs.internalCode == rhs.internalCode
    }
}
