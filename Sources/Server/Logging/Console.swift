import Foundation

/// Writes to standard error or output with `write(2)`. Foundation's `FileHandle.write(_:)`
/// traps when the write fails, so a log file on a disk that turned read-only (or a closed
/// pipe) would kill the appliance; here a line that cannot be written is dropped.
public enum Console {
    public static func error(_ text: String) { write(text, to: STDERR_FILENO) }
    public static func output(_ text: String) { write(text, to: STDOUT_FILENO) }

    static func write(_ text: String, to descriptor: Int32) {
        var text = text
        _ = text.withUTF8 { writeAll(UnsafeRawBufferPointer($0), to: descriptor) }
    }

    /// Writes every byte, retrying short and interrupted writes. Returns the `errno` of a write
    /// that failed (`ENOSPC` for one that wrote nothing), nil when everything was written.
    static func writeAll(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32) -> Int32? {
        var offset = 0
        while offset < bytes.count {
            let count = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return count < 0 ? errno : ENOSPC }
            offset += count
        }
        return nil
    }
}
