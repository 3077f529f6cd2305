/// One CSV record: its fields' bytes (unescaped, contiguous) and where it starts in the file.
public struct CSVRecord: Sendable {
    /// The physical line (1-based) where the record starts.
    public var line: Int
    /// Byte offset of the record's first byte in the file.
    public var offset: Int64
    /// The fields' bytes back to back; `ends[i]` is where field `i` ends.
    public var bytes: [UInt8] = []
    public var ends: [Int] = []
    /// A problem that makes the whole record invalid (an unterminated quote, a field over the limit).
    public var problem: Problem?

    public enum Problem: Sendable, Equatable {
        case unterminatedQuote
        case fieldTooLong(column: Int, limit: Int)
    }

    public var count: Int { ends.count }

    /// The bytes of field `index`.
    public func field(_ index: Int) -> ArraySlice<UInt8> {
        let start = index == 0 ? 0 : ends[index - 1]
        return bytes[start..<ends[index]]
    }

    /// Whether the record is one empty field (a blank line).
    var isBlank: Bool { ends.count == 1 && bytes.isEmpty && problem == nil }
}
