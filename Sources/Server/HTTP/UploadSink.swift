import Foundation
import Hummingbird
import MultipartKit
import NIOCore
import SQLiteSupport

/// Streams an upload body into a file: the raw body of a `text/csv` request, or the `file`
/// field of a `multipart/form-data` one (parsed as it arrives, never held in memory). Past
/// `limit` bytes, or on a malformed body, the file is removed and the error answered.
final class UploadSink {
    private let path: String
    private let limit: Int
    private var descriptor: Int32
    /// Asked why a write failed.
    private let storage: StorageProbe
    private(set) var written = 0
    /// The `filename` of the multipart `file` field.
    private(set) var filename: String?
    private var failure: (any Error)?

    init(path: String, limit: Int, storage: StorageProbe) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw APIError.fromWrite(errno: errno, storage: storage.condition()) }
        self.path = path
        self.limit = limit
        self.descriptor = descriptor
        self.storage = storage
    }

    deinit { closeFile() }

    private func closeFile() {
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
    }

    /// Writes the raw body.
    func writeRaw(_ body: RequestBody) async throws {
        try await guarded {
            for try await buffer in body { try append(buffer) }
        }
    }

    /// Writes the `file` field of a multipart body with `boundary`; other fields are ignored.
    func writeMultipart(_ body: RequestBody, boundary: String) async throws {
        let parser = MultipartParser(boundary: boundary)
        var headers: [String: String] = [:]
        var sawFile = false
        parser.onHeader = { name, value in headers[name.lowercased()] = value }
        parser.onBody = { [self] buffer in
            guard failure == nil, let disposition = headers["content-disposition"],
                Self.parameter("name", in: disposition) == "file"
            else { return }
            if !sawFile {
                sawFile = true
                filename = Self.parameter("filename", in: disposition)
            }
            do { try append(buffer) } catch { failure = error }
        }
        parser.onPartComplete = { [self] in
            // A `file` field with no bytes at all is still the file (an empty upload).
            if !sawFile, let disposition = headers["content-disposition"], Self.parameter("name", in: disposition) == "file" {
                sawFile = true
                filename = Self.parameter("filename", in: disposition)
            }
            headers = [:]
        }
        try await guarded {
            for try await buffer in body {
                do {
                    try parser.execute(buffer)
                } catch {
                    throw APIError.malformed("the multipart body is malformed")
                }
                if let failure { throw failure }
            }
            guard sawFile else { throw APIError.malformed("the multipart body has no 'file' field") }
        }
    }

    private func append(_ buffer: ByteBuffer) throws {
        written += buffer.readableBytes
        if written > limit { throw APIError.tooLarge("the upload is over max_upload_bytes (\(limit))") }
        if let code = buffer.withUnsafeReadableBytes({ Console.writeAll($0, to: descriptor) }) {
            throw APIError.fromWrite(errno: code, storage: storage.condition())
        }
    }

    private func guarded(_ body: () async throws -> Void) async throws {
        defer { closeFile() }
        do {
            try await body()
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw error
        }
    }

    /// A `key="value"` parameter of a header such as Content-Disposition or Content-Type.
    static func parameter(_ key: String, in header: String) -> String? {
        for part in header.split(separator: ";") {
            let pair = part.trimmingCharacters(in: .whitespaces)
            guard pair.lowercased().hasPrefix(key + "=") else { continue }
            var value = String(pair.dropFirst(key.count + 1))
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return value
        }
        return nil
    }
}
