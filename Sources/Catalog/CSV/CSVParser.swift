import Foundation

/// A byte-level streaming RFC 4180 parser (DESIGN.md §7): quoted fields with doubled quotes and
/// line breaks, LF or CRLF records, lenient where harmless — a `"` inside an unquoted field is
/// kept, text after a closing quote is kept, blank lines are skipped. It reads the file in
/// chunks, never holds more than one record, and reports each record's physical line and
/// byte offset (so an import can resume from a checkpoint).
public final class CSVParser {
    public static let defaultChunkSize = 1 << 20

    private let handle: FileHandle
    private let separator: UInt8
    private let maxFieldBytes: Int
    private let chunkSize: Int
    /// One reused read buffer; `length` bytes of it are valid.
    private var chunk: [UInt8]
    private var length = 0
    private var position = 0
    private var chunkOffset: Int64
    private var line: Int
    private var finished = false

    /// - Parameters:
    ///   - offset: where to start (a record boundary), with `line` the physical line there.
    public init(
        handle: FileHandle, separator: UInt8 = UInt8(ascii: ","), maxFieldBytes: Int = 1 << 20,
        offset: Int64 = 0, line: Int = 1, chunkSize: Int = CSVParser.defaultChunkSize
    ) throws {
        self.handle = handle
        self.separator = separator
        self.maxFieldBytes = maxFieldBytes
        self.chunkSize = chunkSize
        self.chunkOffset = offset
        self.line = line
        self.chunk = [UInt8](repeating: 0, count: chunkSize)
        try handle.seek(toOffset: UInt64(offset))
    }

    /// Byte offset of the next unread record.
    public var offset: Int64 { chunkOffset + Int64(position) }
    /// Physical line of the next unread record.
    public var nextLine: Int { line }

    /// The next non-blank record, or nil at the end of the file.
    public func next() throws -> CSVRecord? {
        while let record = try nextRecord() {
            if !record.isBlank { return record }
        }
        return nil
    }

    private func refill() throws -> Bool {
        if finished { return false }
        chunkOffset += Int64(position)
        let descriptor = handle.fileDescriptor
        let count = chunk.withUnsafeMutableBytes { buffer in
            var count: Int
            repeat { count = read(descriptor, buffer.baseAddress, buffer.count) } while count < 0 && errno == EINTR
            return count
        }
        guard count >= 0 else { throw ImportFailure("the file cannot be read: \(String(cString: strerror(errno)))", retryable: true) }
        length = count
        position = 0
        if count == 0 {
            finished = true
            return false
        }
        return true
    }

    private enum State { case fieldStart, unquoted, quoted, quoteInQuoted }

    private func nextRecord() throws -> CSVRecord? {
        if position >= length, try !refill() { return nil }
        var record = CSVRecord(line: line, offset: offset)
        var state = State.fieldStart
        var fieldStart = 0
        // Whether the last byte kept is an unquoted CR (dropped if a LF follows: CRLF).
        var trailingCR = false
        let quote = UInt8(ascii: "\"")
        let lf = UInt8(ascii: "\n")
        let cr = UInt8(ascii: "\r")

        func endField() {
            if record.bytes.count - fieldStart > maxFieldBytes, record.problem == nil {
                record.problem = .fieldTooLong(column: record.ends.count + 1, limit: maxFieldBytes)
            }
            // Keep at most the limit of an oversized field: memory stays bounded.
            if record.bytes.count - fieldStart > maxFieldBytes {
                record.bytes.removeSubrange((fieldStart + maxFieldBytes)...)
            }
            record.ends.append(record.bytes.count)
            fieldStart = record.bytes.count
        }

        while true {
            if position >= length {
                if try !refill() {
                    // End of file ends the record.
                    if state == .quoted { record.problem = .unterminatedQuote }
                    endField()
                    return record
                }
            }
            let byte = chunk[position]
            switch state {
            case .fieldStart, .unquoted:
                if byte == separator {
                    position += 1
                    endField()
                    trailingCR = false
                    state = .fieldStart
                } else if byte == lf {
                    position += 1
                    line += 1
                    if trailingCR { record.bytes.removeLast() }
                    endField()
                    return record
                } else if byte == quote && state == .fieldStart {
                    position += 1
                    trailingCR = false
                    state = .quoted
                } else {
                    // A run of plain bytes, copied at once.
                    let start = position
                    var end = position
                    while end < length {
                        let next = chunk[end]
                        if next == separator || next == lf { break }
                        end += 1
                    }
                    let before = record.bytes.count
                    appendCapped(&record, chunk[start..<end], fieldStart: fieldStart)
                    trailingCR = record.bytes.count > before && chunk[end - 1] == cr && record.bytes.count - before == end - start
                    position = end
                    state = .unquoted
                }
            case .quoted:
                if byte == quote {
                    position += 1
                    state = .quoteInQuoted
                } else {
                    let start = position
                    var end = position
                    while end < length, chunk[end] != quote {
                        if chunk[end] == lf { line += 1 }
                        end += 1
                    }
                    appendCapped(&record, chunk[start..<end], fieldStart: fieldStart)
                    trailingCR = false
                    position = end
                }
            case .quoteInQuoted:
                if byte == quote {
                    // A doubled quote is one quote character.
                    appendCapped(&record, [quote], fieldStart: fieldStart)
                    trailingCR = false
                    position += 1
                    state = .quoted
                } else {
                    // The closing quote: what follows up to the separator is kept as text.
                    state = .unquoted
                }
            }
        }
    }

    /// Appends field bytes, keeping one byte past the limit so an oversized field is noticed.
    private func appendCapped<C: Collection<UInt8>>(_ record: inout CSVRecord, _ bytes: C, fieldStart: Int) {
        let room = maxFieldBytes + 1 - (record.bytes.count - fieldStart)
        if room <= 0 { return }
        if bytes.count <= room {
            record.bytes.append(contentsOf: bytes)
        } else {
            record.bytes.append(contentsOf: bytes.prefix(room))
        }
    }
}
