import Foundation

/// An anonymous temporary file for an import's sorted runs: created next to the catalogue and
/// unlinked at once, so it never outlives the process (a crash leaves nothing behind) and the
/// operating system reclaims it when the descriptor closes.
final class ScratchFile {
    private let descriptor: Int32
    /// Bytes written so far; runs are appended one after another.
    private(set) var size: Int64 = 0

    init(directory: String) throws {
        let path = (directory as NSString).appendingPathComponent(".import-\(UUID().uuidString).scratch")
        let descriptor = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw ImportFailure("cannot create a scratch file in \(directory): \(String(cString: strerror(errno)))", retryable: true)
        }
        unlink(path)
        self.descriptor = descriptor
    }

    /// Adopts an open descriptor (closed with the file): a test's `/dev/full`, a disk with no room.
    init(adopting descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
    }

    /// Appends `bytes`; returns the offset they start at.
    @discardableResult
    func append(_ bytes: UnsafeRawBufferPointer) throws -> Int64 {
        let start = size
        var done = 0
        while done < bytes.count {
            let written = pwrite(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(start + Int64(done)))
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else {
                throw ImportFailure("cannot write the import's scratch file: \(String(cString: strerror(errno)))", retryable: true)
            }
            done += written
        }
        size += Int64(bytes.count)
        return start
    }

    /// Reads up to `count` bytes at `offset` into `buffer`; returns how many were read.
    func read(into buffer: UnsafeMutableRawPointer, count: Int, at offset: Int64) throws -> Int {
        var done = 0
        while done < count {
            let read = pread(descriptor, buffer + done, count - done, off_t(offset + Int64(done)))
            if read < 0 && errno == EINTR { continue }
            guard read >= 0 else {
                throw ImportFailure("cannot read the import's scratch file: \(String(cString: strerror(errno)))", retryable: true)
            }
            if read == 0 { break }
            done += read
        }
        return done
    }
}
