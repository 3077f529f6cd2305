import Foundation

/// The webhooks' settings (DESIGN.md §11), each default declared here once.
public struct WebhookConfiguration: Sendable, Equatable {
    /// `webhook_retry_base`, `webhook_retry_factor`, `webhook_retry_cap`: the k-th retry waits
    /// min(base · factor^(k−1), cap) seconds, ± 20%.
    public var retryBase: TimeInterval = 5
    public var retryFactor: Double = 4
    public var retryCap: TimeInterval = 3600
    /// `webhook_block_private`: refuse loopback, link-local and private targets (by the resolved
    /// address).
    public var blockPrivate = false
    /// `webhook_auto_disable_after`: disable a webhook after this many failed deliveries in a row
    /// (0: never).
    public var autoDisableAfter = 0
    /// `webhook_log_retention`: seconds finished deliveries and their attempts are kept.
    public var logRetention: TimeInterval = 604_800

    public init() {}

    /// A test waits at most this long, whatever the webhook's own timeout.
    public static let testTimeout: TimeInterval = 10
    /// `Retry-After` is honoured up to this.
    public static let maxRetryAfter: TimeInterval = 3600

    /// What follows an attempt: 2xx succeeds; 410 fails at once; any other answer (3xx too: no
    /// redirect is followed), a timeout or a connection error is retried while retries remain.
    public func verdict(statusCode: Int?, retryAfter: String?, attempt: Int, retryCount: Int, now: Date = Date(),
        random: (ClosedRange<Double>) -> Double = Double.random(in:)
    ) -> AttemptVerdict {
        if let statusCode, (200..<300).contains(statusCode) { return .succeeded }
        if statusCode == 410 || attempt > retryCount { return .failed }
        if let wait = Self.retryAfterSeconds(retryAfter, now: now) { return .retry(after: min(wait, Self.maxRetryAfter)) }
        return .retry(after: delay(afterAttempt: attempt, random: random))
    }

    /// min(base · factor^(k−1), cap) ± 20% after the k-th attempt failed.
    public func delay(afterAttempt attempt: Int, random: (ClosedRange<Double>) -> Double = Double.random(in:)) -> TimeInterval {
        let exact = min(retryBase * pow(retryFactor, Double(max(0, attempt - 1))), retryCap)
        return max(0, exact * random(0.8...1.2))
    }

    /// `Retry-After` as seconds: a number, or an HTTP date.
    static func retryAfterSeconds(_ value: String?, now: Date) -> TimeInterval? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Double(value), seconds >= 0 { return seconds }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }
}
