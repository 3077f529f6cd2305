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
        String(unsafeUninitializedCapacity: textLength) { buffer in
            make(into: UnsafeMutableRawPointer(buffer.baseAddress!), at: date)
            return textLength
        }
    }

    /// The characters of an id's text form.
    public static let textLength = 36

    /// Writes a new id's text form (`textLength` bytes, as `make()` returns) at `destination`,
    /// without an allocation: the import makes one for every product it may create.
    public static func make(into destination: UnsafeMutableRawPointer, at date: Date = Date()) {
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
        // 48 bits of milliseconds, version 7 and the counter, variant 10 and 62 random bits.
        let high = millis << 16 | 0x7000 | UInt64(counter & 0x0FFF)
        let low = 0x8000_0000_0000_0000 | (tail & 0x3FFF_FFFF_FFFF_FFFF)
        format(high: high, low: low, into: destination)
    }

    /// The smallest id of `date`'s millisecond: every id made at or after `date` sorts at or
    /// above it (ids never go back in time: `make` keeps them increasing).
    public static func lowerBound(at date: Date) -> String {
        let millis = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        return String(unsafeUninitializedCapacity: textLength) { buffer in
            format(high: millis << 16, low: 0, into: UnsafeMutableRawPointer(buffer.baseAddress!))
            return textLength
        }
    }

    /// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, lowercase, from the id's 128 bits, high first
    /// (UUID.uuidString goes through printf).
    private static func format(high: UInt64, low: UInt64, into destination: UnsafeMutableRawPointer) {
        let hex: StaticString = "0123456789abcdef"
        let digits = hex.utf8Start
        var index = 0
        for nibble in 0..<32 {
            if nibble == 8 || nibble == 12 || nibble == 16 || nibble == 20 {
                destination.storeBytes(of: UInt8(ascii: "-"), toByteOffset: index, as: UInt8.self)
                index += 1
            }
            let word = nibble < 16 ? high : low
            let value = Int((word >> (60 - 4 * UInt64(nibble % 16))) & 0xF)
            destination.storeBytes(of: digits[value], toByteOffset: index, as: UInt8.self)
            index += 1
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
