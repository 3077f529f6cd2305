import Foundation

/// Uploaded files kept in the database (DESIGN.md §14), so that a worker on another host can
/// import a file the API accepted: on PostgreSQL, 1 MiB `bytea` chunks; on SQLite nothing (the
/// uploads directory is the one copy, on the one host).
public protocol UploadStore: Sendable {
    /// Whether this backend keeps uploads: when false the other methods do nothing.
    var keepsUploads: Bool { get }

    /// Stores the file at `path` as upload `name`, streamed a chunk at a time.
    func saveUpload(name: String, from path: String) async throws

    /// Whether upload `name` is kept.
    func hasUpload(name: String) throws -> Bool

    /// Writes upload `name` into the file at `path`, a chunk at a time; false when it is not kept.
    func restoreUpload(name: String, to path: String) throws -> Bool

    /// Deletes kept uploads stored before `cutoff`, except `keeping`; returns how many.
    func deleteUploads(storedBefore cutoff: Date, keeping: Set<String>) throws -> Int
}

extension SQLiteCatalogStore {
    public var keepsUploads: Bool { false }
    public func saveUpload(name: String, from path: String) async throws {}
    public func hasUpload(name: String) throws -> Bool { false }
    public func restoreUpload(name: String, to path: String) throws -> Bool { false }
    public func deleteUploads(storedBefore cutoff: Date, keeping: Set<String>) throws -> Int { 0 }
}
