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
        case productNotFound = "product_not_found"
        case webhookNotFound = "webhook_not_found"
        case deliveryNotFound = "delivery_not_found"
        /// Another product has the SKU (case-insensitively).
        case skuExists = "sku_exists"
        /// The product changed since the version the client named (`If-Match`).
        case preconditionFailed = "precondition_failed"
        /// A value a client sent breaks the catalogue's rules.
        case invalid = "invalid_value"
        /// The product count is not the one the client expected (`expected_total`).
        case countChanged = "count_changed"
        /// Only a failed or revoked import can be retried.
        case notFailed = "not_failed"
        /// The import's upload file is gone (cleaned up), so it cannot run again.
        case uploadMissing = "upload_missing"
        /// The import was retried once already.
        case alreadyRetried = "already_retried"
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
    /// The field of the client's input that is wrong (`invalid_value`).
    public let field: String?

    private init(
        _ code: Code, _ message: String, fault: StorageFault? = nil, cause: (any Error & Sendable)? = nil, field: String? = nil
    ) {
        self.internalCode = code
        self.message = message
        self.fault = fault
        self.cause = cause
        self.field = field
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
        CatalogError(.importNotFound, "import \(importID) not found: it never existed or was cleaned up")
    }

    public static func productNotFound(_ id: String) -> CatalogError {
        CatalogError(.productNotFound, "no product with id '\(id)'")
    }

    public static func webhookNotFound(_ id: String) -> CatalogError {
        CatalogError(.webhookNotFound, "no webhook with id '\(id)'")
    }

    public static func deliveryNotFound(_ id: String) -> CatalogError {
        CatalogError(.deliveryNotFound, "no webhook delivery with id '\(id)'")
    }

    public static func skuExists(sku: String, holder: String) -> CatalogError {
        CatalogError(.skuExists, "product \(holder) already has the SKU '\(sku)' (SKUs are unique case-insensitively)")
    }

    /// `current` is the product's version now (its `ETag`).
    public static func preconditionFailed(id: String, current: String) -> CatalogError {
        CatalogError(
            .preconditionFailed, "product \(id) changed: its ETag is now \(current); read it again and retry with that If-Match")
    }

    public static func invalid(field: String, _ reason: String) -> CatalogError {
        CatalogError(.invalid, "\(field): \(reason)", field: field)
    }

    public static func countChanged(expected: Int, actual: Int) -> CatalogError {
        CatalogError(.countChanged, "expected_total is \(expected) but the catalogue holds \(actual) products: nothing was deleted")
    }

    public static func notFailed(importID: String, state: String) -> CatalogError {
        CatalogError(.notFailed, "import \(importID) is \(state): only FAILURE and REVOKED imports can be retried")
    }

    public static func uploadMissing(importID: String, file: String) -> CatalogError {
        CatalogError(.uploadMissing, "the upload '\(file)' of import \(importID) is no longer kept: upload the file again")
    }

    public static func alreadyRetried(importID: String, as retry: String) -> CatalogError {
        CatalogError(.alreadyRetried, "import \(importID) was already retried as import \(retry)")
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
