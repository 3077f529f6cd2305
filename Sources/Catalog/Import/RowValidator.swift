import Foundation

/// A valid row as bytes, views into its record where nothing had to change.
struct RowFields {
    var key: ArraySlice<UInt8>
    var sku: ArraySlice<UInt8>
    var name: ArraySlice<UInt8>
    var description: ArraySlice<UInt8>?
    var active: Bool?
}

/// Turns a record into a `ProductRow` or a `RowError` (DESIGN.md §7): trimmed non-empty SKU
/// (≤ 255 Unicode scalars) and name (≤ 1,024), description ≤ 65,536, `active` one of
/// true/false/1/0/yes/no, the header's field count, valid UTF-8 without NUL bytes.
public struct RowValidator: Sendable {
    public let header: CSVHeader

    public init(header: CSVHeader) {
        self.header = header
    }

    public func validate(_ record: CSVRecord) -> Result<ProductRow, RowError> {
        check(record).map { fields in
            ProductRow(
                skuKey: String(decoding: fields.key, as: UTF8.self), sku: String(decoding: fields.sku, as: UTF8.self),
                name: String(decoding: fields.name, as: UTF8.self),
                description: fields.description.map { String(decoding: $0, as: UTF8.self) }, active: fields.active)
        }
    }

    /// The rules on bytes: most rows are plain ASCII and need no `String` at all; only a field
    /// with other bytes is decoded (to check its UTF-8, trim Unicode white space, lowercase).
    func check(_ record: CSVRecord) -> Result<RowFields, RowError> {
        func failure(_ column: String?, _ reason: String) -> Result<RowFields, RowError> {
            .failure(RowError(line: record.line, column: column, reason: reason, raw: Self.raw(record)))
        }
        switch record.problem {
        case .unterminatedQuote?:
            return failure(nil, "a quoted field is not closed before the end of the file")
        case .fieldTooLong(let column, let limit)?:
            return failure(columnName(column - 1), "a field is over \(limit) bytes")
        case nil:
            break
        }
        guard record.count == header.count else {
            return failure(nil, "expected \(header.count) fields, found \(record.count)")
        }
        let plain = Self.isPlainASCII(record.bytes)
        let sku: ArraySlice<UInt8>
        switch text(record, header.sku, plain: plain) {
        case .failure(let reason): return failure("sku", reason.text)
        case .success(let value): sku = Self.trimmed(value)
        }
        guard !sku.isEmpty else { return failure("sku", "the SKU is empty") }
        guard Self.scalarCount(sku, atMost: 255) else { return failure("sku", "the SKU is over 255 characters") }
        let name: ArraySlice<UInt8>
        switch text(record, header.name, plain: plain) {
        case .failure(let reason): return failure("name", reason.text)
        case .success(let value): name = Self.trimmed(value)
        }
        guard !name.isEmpty else { return failure("name", "the name is empty") }
        guard Self.scalarCount(name, atMost: 1024) else { return failure("name", "the name is over 1,024 characters") }
        var description: ArraySlice<UInt8>?
        if let column = header.description {
            switch text(record, column, plain: plain) {
            case .failure(let reason): return failure("description", reason.text)
            case .success(let value): description = value
            }
            guard Self.scalarCount(description!, atMost: 65_536) else {
                return failure("description", "the description is over 65,536 characters")
            }
        }
        var active: Bool?
        if let column = header.active {
            switch text(record, column, plain: plain) {
            case .failure(let reason): return failure("active", reason.text)
            case .success(let bytes):
                let value = String(decoding: bytes, as: UTF8.self)
                switch value.trimmingCharacters(in: .whitespaces).lowercased() {
                case "": active = nil
                case "true", "1", "yes": active = true
                case "false", "0", "no": active = false
                default: return failure("active", "'\(value.prefix(40))' is not true/false/1/0/yes/no")
                }
            }
        }
        return .success(RowFields(key: Self.lowercased(sku), sku: sku, name: name, description: description, active: active))
    }

    private func text(_ record: CSVRecord, _ index: Int, plain: Bool) -> Result<ArraySlice<UInt8>, Reason> {
        let bytes = record.field(index)
        if plain { return .success(bytes) }
        if bytes.contains(0) { return .failure(Reason(text: "the field contains a NUL byte")) }
        guard String(validating: bytes, as: UTF8.self) != nil else {
            return .failure(Reason(text: "the field is not valid UTF-8"))
        }
        return .success(bytes)
    }

    /// Whether every byte is ASCII and none is NUL: then every field is valid as it is.
    static func isPlainASCII(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            var combined: UInt8 = 0
            var nul = false
            for byte in buffer {
                combined |= byte
                nul = nul || byte == 0
            }
            return combined < 0x80 && !nul
        }
    }

    /// Trims white space at both ends (valid UTF-8 in). An ASCII letter at each end means no
    /// trimming; otherwise Foundation's Unicode-aware trimming decides.
    static func trimmed(_ value: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        guard let first = value.first, let last = value.last else { return value }
        if first < 0x80 && last < 0x80 && !isASCIISpace(first) && !isASCIISpace(last) { return value }
        let text = String(decoding: value, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return ArraySlice(text.utf8)
    }

    private static func isASCIISpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0D).contains(byte)
    }

    /// Whether valid UTF-8 holds at most `limit` Unicode scalars (continuation bytes not counted).
    static func scalarCount(_ value: ArraySlice<UInt8>, atMost limit: Int) -> Bool {
        if value.count <= limit { return true }
        var scalars = 0
        for byte in value where byte & 0xC0 != 0x80 { scalars += 1 }
        return scalars <= limit
    }

    /// The identity of a SKU: its Unicode lowercase form (ASCII mapped byte by byte).
    static func lowercased(_ sku: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        if sku.allSatisfy({ $0 < 0x80 }) {
            guard sku.contains(where: { (0x41...0x5A).contains($0) }) else { return sku }
            return ArraySlice(sku.map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 })
        }
        return ArraySlice(String(decoding: sku, as: UTF8.self).lowercased().utf8)
    }

    private struct Reason: Error {
        let text: String
    }

    private func columnName(_ index: Int) -> String {
        switch index {
        case header.sku: return "sku"
        case header.name: return "name"
        case header.description: return "description"
        case header.active: return "active"
        default: return "column \(index + 1)"
        }
    }

    /// The record as CSV text for the error report (at most 1,000 bytes, invalid UTF-8 replaced).
    static func raw(_ record: CSVRecord) -> String {
        let fields = (0..<record.count).map { index -> String in
            CSVText.field(String(decoding: record.field(index).prefix(1000), as: UTF8.self))
        }
        let joined = fields.joined(separator: ",")
        return joined.utf8.count > 1000 ? String(decoding: Array(joined.utf8.prefix(1000)), as: UTF8.self) : joined
    }
}
