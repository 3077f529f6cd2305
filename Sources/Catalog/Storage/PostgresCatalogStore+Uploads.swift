import Foundation
import PostgresNIO
import PostgresSupport

/// Uploads kept in PostgreSQL as 1 MiB `bytea` chunks (`UploadStore`): written in one
/// transaction, read back a chunk per statement so that neither side holds the whole file.
extension PostgresCatalogStore {
    static let uploadChunkBytes = 1 << 20

    public var keepsUploads: Bool { true }

    public func saveUpload(name: String, from path: String) async throws {
        try await transaction { session in
            guard let file = FileHandle(forReadingAtPath: path) else {
                throw CatalogError.storage("cannot read the upload \(path) to store it")
            }
            defer { try? file.close() }
            var seq = 0
            var bytes = 0
            while let chunk = try file.read(upToCount: Self.uploadChunkBytes), !chunk.isEmpty {
                try session.execute("INSERT INTO upload_chunks (name, seq, data) VALUES (\(name), \(seq), \(chunk))")
                seq += 1
                bytes += chunk.count
            }
            try session.execute(
                "INSERT INTO uploads (name, bytes, chunks, created_at) VALUES (\(name), \(bytes), \(seq), \(Self.now))")
        }
    }

    public func hasUpload(name: String) throws -> Bool {
        try sessionSync { session in try session.first("SELECT 1 FROM uploads WHERE name = \(name)") != nil }
    }

    public func restoreUpload(name: String, to path: String) throws -> Bool {
        try sessionSync { session in
            guard let upload = try session.first("SELECT chunks FROM uploads WHERE name = \(name)") else { return false }
            let chunks = try upload.get("chunks", as: Int.self)
            guard FileManager.default.createFile(atPath: path, contents: nil), let file = FileHandle(forWritingAtPath: path) else {
                throw CatalogError.storage("cannot write \(path) to fetch the upload \(name)")
            }
            defer { try? file.close() }
            for seq in 0..<chunks {
                guard let row = try session.first("SELECT data FROM upload_chunks WHERE name = \(name) AND seq = \(seq)") else {
                    throw CatalogError.storage("the stored upload \(name) misses its chunk \(seq)")
                }
                try file.write(contentsOf: try row.get("data", as: Data.self))
            }
            return true
        }
    }

    public func deleteUploads(storedBefore cutoff: Date, keeping: Set<String>) throws -> Int {
        try sessionSync { session in
            try session.execute(
                """
                DELETE FROM uploads WHERE created_at < \(cutoff.timeIntervalSince1970) AND NOT (name = ANY(\(Array(keeping))))
                """)
        }
    }
}
