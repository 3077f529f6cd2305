import Foundation

/// One valid row as the external sort stores it, in memory and in run files: a fixed header of
/// 32-bit fields in native byte order (the scratch file never leaves the process), then the key, SKU, name and description bytes back to back.
///
///     total length · occurrences · key length · SKU length · name length · description length
///     (-1: no description column) · active (0, 1, 2: no value) · key · SKU · name · description
///
/// `occurrences` counts the rows of the file this record stands for (the last one wins).
struct RunRecord {
    static let headerSize = 25

    let base: UnsafeRawPointer

    var totalLength: Int { Self.length(at: base) }
    var occurrences: Int { Int(base.loadUnaligned(fromByteOffset: 4, as: UInt32.self)) }
    var keyLength: Int { Int(base.loadUnaligned(fromByteOffset: 8, as: UInt32.self)) }
    private var skuLength: Int { Int(base.loadUnaligned(fromByteOffset: 12, as: UInt32.self)) }
    private var nameLength: Int { Int(base.loadUnaligned(fromByteOffset: 16, as: UInt32.self)) }
    private var descriptionLength: Int { Int(base.loadUnaligned(fromByteOffset: 20, as: Int32.self)) }

    var key: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base + Self.headerSize, count: keyLength) }
    var sku: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base + Self.headerSize + keyLength, count: skuLength) }
    var name: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + Self.headerSize + keyLength + skuLength, count: nameLength)
    }
    /// nil when the file has no description column.
    var description: UnsafeRawBufferPointer? {
        let length = descriptionLength
        guard length >= 0 else { return nil }
        return UnsafeRawBufferPointer(start: base + Self.headerSize + keyLength + skuLength + nameLength, count: length)
    }
    /// nil when the file has no active column or the cell is empty.
    var active: Bool? {
        switch base.load(fromByteOffset: 24, as: UInt8.self) {
        case 0: return false
        case 1: return true
        default: return nil
        }
    }

    static func length(at base: UnsafeRawPointer) -> Int {
        Int(base.loadUnaligned(as: UInt32.self))
    }

    /// Byte order of keys: SQLite's BINARY collation (memcmp, then length), so the merge writes
    /// in the order of the `sku_key` index.
    static func compareKeys(_ left: UnsafeRawBufferPointer, _ right: UnsafeRawBufferPointer) -> Int {
        let common = min(left.count, right.count)
        if common > 0 {
            let order = memcmp(left.baseAddress!, right.baseAddress!, common)
            if order != 0 { return Int(order) }
        }
        return left.count - right.count
    }

    static func size(of row: RowFields) -> Int {
        headerSize + row.key.count + row.sku.count + row.name.count + (row.description?.count ?? 0)
    }

    /// Writes a record for `row` at `destination` (which has room for `size(of: row)` bytes).
    static func write(_ row: RowFields, occurrences: Int, to destination: UnsafeMutableRawPointer) {
        var position = 0
        func put32(_ value: UInt32) {
            destination.storeBytes(of: value, toByteOffset: position, as: UInt32.self)
            position += 4
        }
        func put(_ bytes: ArraySlice<UInt8>) {
            bytes.withUnsafeBytes { source in
                if let base = source.baseAddress { (destination + position).copyMemory(from: base, byteCount: source.count) }
            }
            position += bytes.count
        }
        put32(UInt32(size(of: row)))
        put32(UInt32(occurrences))
        put32(UInt32(row.key.count))
        put32(UInt32(row.sku.count))
        put32(UInt32(row.name.count))
        put32(UInt32(bitPattern: row.description.map { Int32($0.count) } ?? -1))
        destination.storeBytes(of: row.active.map { $0 ? 1 : 0 } ?? 2, toByteOffset: position, as: UInt8.self)
        position += 1
        put(row.key)
        put(row.sku)
        put(row.name)
        if let description = row.description { put(description) }
    }

    /// Overwrites the occurrences of the record starting at `offset` in `buffer`.
    static func setOccurrences(_ count: Int, at offset: Int, in buffer: UnsafeMutableRawPointer) {
        buffer.storeBytes(of: UInt32(count), toByteOffset: offset + 4, as: UInt32.self)
    }
}
