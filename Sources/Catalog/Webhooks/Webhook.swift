import Foundation

/// A webhook as stored (DESIGN.md §11). Its `secret` leaves the catalogue only in the answer
/// that created or rotated it; every other view shows `has_secret` and the last 4 characters.
public struct Webhook: Sendable, Equatable {
    public var id: String
    public var url: String
    public var events: [String]
    public var isActive: Bool
    public var description: String
    /// Extra request headers (no reserved names).
    public var headers: [String: String]
    public var secret: String
    /// Retries of a failed delivery (so at most 1 + `retryCount` attempts).
    public var retryCount: Int
    public var timeoutSeconds: Double
    public var lastTriggeredAt: Date?
    public var lastStatusCode: Int?
    public var lastResponseTimeMs: Double?
    public var lastError: String?
    /// Final outcomes of deliveries (tests not counted).
    public var successCount: Int
    public var failureCount: Int
    public var consecutiveFailures: Int
    /// Deliveries waiting or retrying.
    public var pendingDeliveries: Int
    public var createdAt: Date
    public var updatedAt: Date

    public var secretHint: String { String(secret.suffix(4)) }
}

/// A new webhook, checked (`WebhookInput`).
public struct WebhookDraft: Sendable, Equatable {
    public var url: String
    public var events: [String]
    public var isActive: Bool
    public var description: String
    public var headers: [String: String]
    public var secret: String
    public var retryCount: Int
    public var timeoutSeconds: Double
}

/// A change to some of a webhook's fields, each checked; nil fields stay as they are.
public struct WebhookChanges: Sendable, Equatable {
    public var url: String?
    public var events: [String]?
    public var isActive: Bool?
    public var description: String?
    public var headers: [String: String]?
    public var retryCount: Int?
    public var timeoutSeconds: Double?

    public init() {}

    public var isEmpty: Bool {
        url == nil && events == nil && isActive == nil && description == nil && headers == nil && retryCount == nil
            && timeoutSeconds == nil
    }
}

/// Filters of the webhook listing.
public struct WebhookFilter: Sendable, Equatable {
    public var isActive: Bool?
    /// Webhooks subscribed to this event type.
    public var event: String?
    public var limit = 20
    public var offset = 0

    public init() {}
}
