import Foundation

/// The `capacity` greatest ids among those offered, as the listing's single pass meets them
/// (UUIDv7 ids: the greatest are the newest). Offered ids are views valid only during the call;
/// an id is copied only when it is kept, so a pass that meets the newest first copies almost
/// none.
struct NewestIDs {
    let capacity: Int
    /// Kept ids, ascending: the first is the one the next newer id replaces.
    private(set) var ascending: [[UInt8]] = []

    init(capacity: Int) {
        self.capacity = capacity
        ascending.reserveCapacity(capacity)
    }

    mutating func offer(_ id: UnsafeRawBufferPointer) {
        guard capacity > 0 else { return }
        if ascending.count == capacity {
            guard Self.compare(id, ascending[0]) > 0 else { return }
            ascending.removeFirst()
        }
        // Binary search for the first kept id greater than this one.
        var low = 0
        var high = ascending.count
        while low < high {
            let middle = (low + high) / 2
            if Self.compare(id, ascending[middle]) < 0 { high = middle } else { low = middle + 1 }
        }
        ascending.insert(Array(id), at: low)
    }

    /// Newest first, as text.
    var newestFirst: [String] { ascending.reversed().map { String(decoding: $0, as: UTF8.self) } }

    /// SQLite's BINARY order: bytes, then length (as the import's keys compare).
    static func compare(_ left: UnsafeRawBufferPointer, _ right: [UInt8]) -> Int {
        right.withUnsafeBytes { RunRecord.compareKeys(left, $0) }
    }
}
