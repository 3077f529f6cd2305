import Foundation
import TaskQueue

/// What the product and webhook tasks need: the catalogue's store, the uploads directory, where
/// imports sort, how webhooks are sent, and the catalogue's settings.
public struct CatalogContext: Sendable {
    public let store: any CatalogStore
    /// Sends webhook requests (AsyncHTTPClient in the appliance).
    public let webhookTransport: any WebhookTransport
    /// `file_path` must resolve inside this directory.
    public let uploadsDirectory: String
    /// Where an import's scratch file (its sorted runs) goes: the data directory.
    public let scratchDirectory: String
    public var configuration: CatalogConfiguration

    public init(
        store: any CatalogStore, uploadsDirectory: String, scratchDirectory: String,
        configuration: CatalogConfiguration = CatalogConfiguration(), webhookTransport: any WebhookTransport
    ) {
        self.store = store
        self.webhookTransport = webhookTransport
        self.uploadsDirectory = uploadsDirectory
        self.scratchDirectory = scratchDirectory
        self.configuration = configuration
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
