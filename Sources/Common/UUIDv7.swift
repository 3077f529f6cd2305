import Foundation
import Synchronization

/// UUIDv7 identifiers (RFC 9562) for every row that needs a time-ordered id: tasks, products,
/// imports. A 48-bit millisecond timestamp comes first, so ids sort by creation time and stay
/// index-friendly; within one millisecond a 12-bit counter in `rand_a` keeps the ids of one
/// process strictly increasing.
public enum UUIDv7 {
    private struct State {
        var lastMillis: UInt64 = 0
        var counter: UInt16 = 0
        /// The random bits: a fast generator seeded once from the system's, because a
        /// `getrandom` call per id was a measurable share of a 500k-row import.
        var random = Xoshiro256(seed: SystemRandomNumberGenerator())
    }

    private static let state = Mutex(State())

    /// A new id, lowercase `xxxxxxxx-xxxx-7xxx-yxxx-xxxxxxxxxxxx`, later than every id this
    /// process made before.
    public static func make(at date: Date = Date()) -> String {
        var millis = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        let (counter, tail): (UInt16, UInt64) = state.withLock { state in
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
                state.counter = UInt16.random(in: 0...0x01FF, using: &state.random)
            }
            return (state.counter, state.random.next())
        }
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<6 {
            bytes[index] = UInt8((millis >> (8 * (5 - index))) & 0xFF)
        }
        bytes[6] = 0x70 | UInt8((counter >> 8) & 0x0F)
        bytes[7] = UInt8(counter & 0xFF)
        for index in 8..<16 {
            bytes[index] = UInt8((tail >> (8 * (15 - index))) & 0xFF)
        }
        bytes[8] = 0x80 | (bytes[8] & 0x3F)
        return format(bytes)
    }

    /// The smallest id of `date`'s millisecond: every id made at or after `date` sorts at or
    /// above it (ids never go back in time: `make` keeps them increasing).
    public static func lowerBound(at date: Date) -> String {
        let millis = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<6 {
            bytes[index] = UInt8((millis >> (8 * (5 - index))) & 0xFF)
        }
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

/// xoshiro256** (Blackman and Vigna): fast, 256 bits of state, not for secrets.
struct Xoshiro256: RandomNumberGenerator {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    init(seed: some RandomNumberGenerator) {
        var seed = seed
        state = (seed.next(), seed.next(), seed.next(), seed.next())
        if state == (0, 0, 0, 0) { state.0 = 1 }
    }

    mutating func next() -> UInt64 {
        let result = rotate(state.1 &* 5, 7) &* 9
        let shifted = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= shifted
        state.3 = rotate(state.3, 45)
        return result
    }

    private func rotate(_ value: UInt64, _ count: UInt64) -> UInt64 {
        (value << count) | (value >> (64 - count))
    }
}
