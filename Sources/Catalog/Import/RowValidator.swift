import Foundation

/// Turns a record into a `ProductRow` or a `RowError` (DESIGN.md §7): trimmed non-empty SKU
/// (≤ 255 Unicode scalars) and name (≤ 1,024), description ≤ 65,536, `active` one of
/// true/false/1/0/yes/no, the header's field count, valid UTF-8 without NUL bytes.
public struct RowValidator: Sendable {
    public let header: CSVHeader

    public init(header: CSVHeader) {
        self.header = header
    }

    public func validate(_ record: CSVRecord) -> Result<ProductRow, RowError> {
        func failure(_ column: String?, _ reason: String) -> Result<ProductRow, RowError> {
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
        let sku: String
        switch text(record, header.sku) {
        case .failure(let reason): return failure("sku", reason.text)
        case .success(let value): sku = Self.trimmed(value)
        }
        guard !sku.isEmpty else { return failure("sku", "the SKU is empty") }
        guard sku.utf8.count <= 255 || sku.unicodeScalars.count <= 255 else { return failure("sku", "the SKU is over 255 characters") }
        let name: String
        switch text(record, header.name) {
        case .failure(let reason): return failure("name", reason.text)
        case .success(let value): name = Self.trimmed(value)
        }
        guard !name.isEmpty else { return failure("name", "the name is empty") }
        guard name.utf8.count <= 1024 || name.unicodeScalars.count <= 1024 else { return failure("name", "the name is over 1,024 characters") }
        var description: String?
        if let column = header.description {
            switch text(record, column) {
            case .failure(let reason): return failure("description", reason.text)
            case .success(let value): description = value
            }
            if description!.utf8.count > 65_536 && description!.unicodeScalars.count > 65_536 {
                return failure("description", "the description is over 65,536 characters")
            }
        }
        var active: Bool?
        if let column = header.active {
            switch text(record, column) {
            case .failure(let reason): return failure("active", reason.text)
            case .success(let value):
                switch value.trimmingCharacters(in: .whitespaces).lowercased() {
                case "": active = nil
                case "true", "1", "yes": active = true
                case "false", "0", "no": active = false
                default: return failure("active", "'\(value.prefix(40))' is not true/false/1/0/yes/no")
                }
            }
        }
        return .success(ProductRow(skuKey: sku.lowercased(), sku: sku, name: name, description: description, active: active))
    }

    private func text(_ record: CSVRecord, _ index: Int) -> Result<String, Reason> {
        let bytes = record.field(index)
        if bytes.contains(0) { return .failure(Reason(text: "the field contains a NUL byte")) }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            return .failure(Reason(text: "the field is not valid UTF-8"))
        }
        return .success(text)
    }

    /// Trims white space at both ends. Most values have none: checking the first and last
    /// scalar first skips Foundation's (slow) trimming.
    static func trimmed(_ value: String) -> String {
        guard let first = value.unicodeScalars.first, let last = value.unicodeScalars.last else { return value }
        if !first.properties.isWhitespace && !last.properties.isWhitespace { return value }
        return value.trimmingCharacters(in: .whitespacesAndNewlines)
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
