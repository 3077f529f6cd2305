import Foundation
import TaskQueue

/// What the product tasks need: the catalogue database, the uploads directory, import defaults
/// and retention.
public struct CatalogContext: Sendable {
    public let database: CatalogDatabase
    public let imports: ImportStore
    /// `file_path` must resolve inside this directory.
    public let uploadsDirectory: String
    public var importDefaults: ImportOptions
    /// Seconds upload files and finished import records are kept.
    public var importRetention: TimeInterval
    /// Keep upload files when their import records are cleaned up.
    public var keepUploads: Bool

    public init(
        database: CatalogDatabase, uploadsDirectory: String, importDefaults: ImportOptions = ImportOptions(),
        importRetention: TimeInterval = 604_800, keepUploads: Bool = false
    ) {
        self.database = database
        self.imports = ImportStore(database: database)
        self.uploadsDirectory = uploadsDirectory
        self.importDefaults = importDefaults
        self.importRetention = importRetention
        self.keepUploads = keepUploads
    }

    /// Resolves `filePath` (relative to the uploads directory, or absolute) and refuses anything
    /// outside it: `..`, other absolute paths, symlinks pointing out.
    public func confine(_ filePath: String) throws -> String {
        guard !filePath.isEmpty, !filePath.contains("\0") else { throw ImportFailure("file_path is empty or holds a NUL byte") }
        let root = URL(fileURLWithPath: uploadsDirectory).resolvingSymlinksInPath().standardizedFileURL.path
        let candidate =
            filePath.hasPrefix("/")
            ? URL(fileURLWithPath: filePath) : URL(fileURLWithPath: uploadsDirectory).appendingPathComponent(filePath)
        let resolved = candidate.resolvingSymlinksInPath().standardizedFileURL.path
        guard resolved.hasPrefix(root + "/") else {
            throw ImportFailure("file_path '\(filePath)' is outside the uploads directory: only uploaded files can be imported")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: resolved, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw ImportFailure("file_path '\(filePath)' does not exist in the uploads directory")
        }
        return resolved
    }
}
