import Common
import Crypto
import Foundation
import TaskQueue

/// The request of one attempt (DESIGN.md §11): the body `{id, event, timestamp, occurred_at,
/// attempt, test, data}` and the headers, signed with the webhook's secret every time —
/// GitHub's `X-Webhook-Signature: sha256=<hex HMAC-SHA256(secret, body)>`, and for a `whsec_`
/// secret also Standard Webhooks' `webhook-id`, `webhook-timestamp`, `webhook-signature`.
public enum WebhookSigner {
    public static let userAgent = "importer-webhooks/\(AppVersion.current) (commit \(AppVersion.commit))"

    /// The body and every header of an attempt sent at `now`; `data` is the event's data as
    /// JSON text (as the outbox stores it: spliced in, not parsed and encoded again).
    public static func message(
        secret: String, customHeaders: [String: String], eventID: String, event: String, deliveryID: String, attempt: Int, test: Bool,
        data: String,
        occurredAt: Date, now: Date
    ) -> (body: Data, headers: [(name: String, value: String)]) {
        let bytes = body(eventID: eventID, event: event, attempt: attempt, test: test, data: data, occurredAt: occurredAt, now: now)
        let timestamp = Int(now.timeIntervalSince1970)
        var headers: [(name: String, value: String)] = [
            ("Content-Type", "application/json"), ("User-Agent", userAgent), ("X-Webhook-Event", event),
            ("X-Webhook-Id", eventID), ("X-Webhook-Delivery", deliveryID), ("X-Webhook-Attempt", String(attempt)),
            ("X-Webhook-Timestamp", String(timestamp)),
            ("X-Webhook-Signature", signature(secret: secret, body: bytes)),
        ]
        if let standard = standardSignature(secret: secret, id: eventID, timestamp: timestamp, body: bytes) {
            headers += [("webhook-id", eventID), ("webhook-timestamp", String(timestamp)), ("webhook-signature", standard)]
        }
        headers += customHeaders.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        return (bytes, headers)
    }

    /// `{attempt, data, event, id, occurred_at, test, timestamp}` (keys sorted, as `JSONValue` writes them).
    static func body(eventID: String, event: String, attempt: Int, test: Bool, data: String, occurredAt: Date, now: Date) -> Data {
        let text =
            "{\"attempt\":\(attempt),\"data\":\(data),\"event\":\(JSONValue.string(event).jsonText),"
            + "\"id\":\(JSONValue.string(eventID).jsonText),\"occurred_at\":\"\(ISO8601.string(occurredAt))\","
            + "\"test\":\(test),\"timestamp\":\"\(ISO8601.string(now))\"}"
        return Data(text.utf8)
    }

    /// `sha256=<hex HMAC-SHA256>` keyed by the secret's UTF-8 bytes, over the raw body.
    public static func signature(secret: String, body: Data) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + hex(code)
    }

    private static func hex<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in bytes { text += [digits[Int(byte >> 4)], digits[Int(byte & 15)]] }
        return String(decoding: text, as: UTF8.self)
    }

    /// `v1,<base64 HMAC-SHA256>` keyed by the base64-decoded part of a `whsec_` secret, over
    /// `<id>.<timestamp>.<body>`; nil for another kind of secret.
    public static func standardSignature(secret: String, id: String, timestamp: Int, body: Data) -> String? {
        guard secret.hasPrefix("whsec_"), let key = Data(base64Encoded: String(secret.dropFirst(6))) else { return nil }
        var content = Data("\(id).\(timestamp).".utf8)
        content.append(body)
        let code = HMAC<SHA256>.authenticationCode(for: content, using: SymmetricKey(data: key))
        return "v1," + Data(code).base64EncodedString()
    }
}
