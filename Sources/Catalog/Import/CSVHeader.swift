import Foundation

/// The header row: which column holds which field (DESIGN.md §7). Names are trimmed and
/// case-insensitive, in any order; `sku` and `name` are required, `description` and `active`
/// optional; unknown columns are ignored (and reported once); duplicates are an error.
public struct CSVHeader: Sendable, Equatable {
    public let count: Int
    public let sku: Int
    public let name: Int
    public let description: Int?
    public let active: Int?
    public let unknown: [String]

    /// Reads the header record; throws `ImportFailure` with a message saying what is wrong.
    public init(_ record: CSVRecord) throws {
        if record.bytes.contains(0) {
            throw ImportFailure("the header contains NUL bytes: the file is binary or UTF-16, not UTF-8 CSV")
        }
        var names: [String] = []
        for index in 0..<record.count {
            guard let name = String(validating: record.field(index), as: UTF8.self) else {
                throw ImportFailure(
                    "the header is not valid UTF-8 (the file may be Latin-1, UTF-16 or binary): save it as UTF-8 CSV")
            }
            names.append(name.trimmingCharacters(in: .whitespacesAndNewlines).lowercased())
        }
        var positions: [String: Int] = [:]
        for (index, name) in names.enumerated() where !name.isEmpty {
            if positions[name] != nil { throw ImportFailure("the header names the column '\(name)' twice") }
            positions[name] = index
        }
        guard let sku = positions["sku"] else {
            let joined = names.joined(separator: ",")
            if joined.contains(";") || joined.contains("\t") {
                let separator = joined.contains(";") ? "semicolons" : "tabs"
                throw ImportFailure("the header has no 'sku' column: the file seems separated by \(separator); use commas")
            }
            throw ImportFailure("the header has no 'sku' column (found: \(names.joined(separator: ", ")))")
        }
        guard let name = positions["name"] else { throw ImportFailure("the header has no 'name' column") }
        self.count = record.count
        self.sku = sku
        self.name = name
        self.description = positions["description"]
        self.active = positions["active"]
        self.unknown = names.filter { !$0.isEmpty && !["sku", "name", "description", "active"].contains($0) }
    }
}
