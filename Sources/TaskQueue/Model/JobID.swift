import Foundation
import Synchronization

/// Generates UUIDv7 task ids (RFC 9562): a 48-bit millisecond timestamp first, so ids sort
/// by creation time and stay index-friendly. Within one millisecond a 12-bit counter in
/// `rand_a` keeps ids from one process strictly increasing (enqueue order = id order).
public enum JobID {
    private struct State {
        var lastMillis: UInt64 = 0
        var counter: UInt16 = 0
    }

    private static let state = Mutex(State())

    public static func make(at date: Date = Date()) -> String {
        var millis = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        let counter: UInt16 = state.withLock { state in
            if millis <= state.lastMillis {
                millis = state.lastMillis
                if state.counter < 0x0FFF {
                    state.counter += 1
                } else {
                    // Counter exhausted within one millisecond: borrow the next millisecond.
                    millis += 1
                    state.lastMillis = millis
                    state.counter = 0
                }
            } else {
                state.lastMillis = millis
                state.counter = UInt16.random(in: 0...0x01FF)
            }
            return state.counter
        }
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<6 {
            bytes[index] = UInt8((millis >> (8 * (5 - index))) & 0xFF)
        }
        bytes[6] = 0x70 | UInt8((counter >> 8) & 0x0F)
        bytes[7] = UInt8(counter & 0xFF)
        var random = SystemRandomNumberGenerator()
        let tail = random.next() as UInt64
        for index in 8..<16 {
            bytes[index] = UInt8((tail >> (8 * (15 - index))) & 0xFF)
        }
        bytes[8] = 0x80 | (bytes[8] & 0x3F)
        return format(bytes)
    }

    private static let hex = Array("0123456789abcdef".utf8)

    /// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, lowercase (UUID.uuidString goes through printf).
    private static func format(_ bytes: [UInt8]) -> String {
        String(unsafeUninitializedCapacity: 36) { buffer in
            var index = 0
            for (position, byte) in bytes.enumerated() {
                if position == 4 || position == 6 || position == 8 || position == 10 {
                    buffer[index] = UInt8(ascii: "-")
                    index += 1
                }
                buffer[index] = hex[Int(byte >> 4)]
                buffer[index + 1] = hex[Int(byte & 0x0F)]
                index += 2
            }
            return 36
        }
    }

    /// Whether `text` is a canonical lowercase or uppercase UUID string.
    public static func isValid(_ text: String) -> Bool {
        UUID(uuidString: text) != nil
    }
}
