import NIOCore

/// Rows in `COPY … FROM STDIN`'s text format: fields separated by tabs, rows ended by newlines,
/// `\N` for NULL, and a backslash, tab, newline or carriage return inside a field escaped. The
/// bytes are written as they are otherwise (the server checks they are UTF-8; NUL is refused,
/// as the import's validation refuses it first).
public struct CopyText {
    public private(set) var buffer: ByteBuffer
    public private(set) var rows = 0
    private var fieldsInRow = 0

    public init(capacity: Int = 1 << 20) {
        buffer = ByteBufferAllocator().buffer(capacity: capacity)
    }

    /// Starts over, keeping the buffer's storage.
    public mutating func reset() {
        buffer.clear()
        rows = 0
        fieldsInRow = 0
    }

    public mutating func field(_ bytes: UnsafeRawBufferPointer) {
        separate()
        var start = 0
        for index in 0..<bytes.count {
            let escaped: UInt8
            switch bytes[index] {
            case 0x5C: escaped = 0x5C  // \\
            case 0x09: escaped = 0x74  // \t
            case 0x0A: escaped = 0x6E  // \n
            case 0x0D: escaped = 0x72  // \r
            default: continue
            }
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
            buffer.writeInteger(UInt8(0x5C))
            buffer.writeInteger(escaped)
            start = index + 1
        }
        buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[start...]))
    }

    public mutating func field(_ text: String) {
        var text = text
        text.withUTF8 { field(UnsafeRawBufferPointer($0)) }
    }

    public mutating func field(_ text: String?) {
        if let text { field(text) } else { null() }
    }

    public mutating func field(_ value: Int) {
        separate()
        buffer.writeString(String(value))
    }

    public mutating func field(_ value: Bool?) {
        guard let value else { return null() }
        separate()
        buffer.writeInteger(value ? UInt8(ascii: "t") : UInt8(ascii: "f"))
    }

    public mutating func null() {
        separate()
        buffer.writeStaticString("\\N")
    }

    public mutating func endRow() {
        buffer.writeInteger(UInt8(ascii: "\n"))
        rows += 1
        fieldsInRow = 0
    }

    private mutating func separate() {
        if fieldsInRow > 0 { buffer.writeInteger(UInt8(ascii: "\t")) }
        fieldsInRow += 1
    }
}
