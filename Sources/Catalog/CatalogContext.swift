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

extension CatalogContext {
    /// The local path of the uploaded file `filePath`, as `confine` checks it. With uploads kept
    /// in the database (PostgreSQL), a stored upload this host does not have is fetched into the
    /// uploads directory first; `fetched` says so (the caller removes it when done).
    public func uploadedFile(_ filePath: String) throws -> (path: String, fetched: Bool) {
        do {
            return (try confine(filePath), false)
        } catch let failure as ImportFailure {
            guard let name = storedUploadName(filePath) else { throw failure }
            // Fetched under a hidden name, then renamed: a reader never sees half a file.
            let partial = (uploadsDirectory as NSString).appendingPathComponent(".fetch-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(atPath: partial) }
            guard try store.restoreUpload(name: name, to: partial) else { throw failure }
            let destination = (uploadsDirectory as NSString).appendingPathComponent(name)
            do {
                try FileManager.default.moveItem(atPath: partial, toPath: destination)
            } catch where FileManager.default.fileExists(atPath: destination) {
                // Another delivery on this host fetched it first: theirs to remove.
                return (try confine(name), false)
            } catch {
                throw ImportFailure("cannot place the fetched upload \(name) in the uploads directory: \(error.localizedDescription)")
            }
            return (try confine(name), true)
        }
    }

    /// Checks `filePath` names an uploaded file, as `uploadedFile` would find it, without
    /// fetching it (a submission's check).
    public func checkUploadedFile(_ filePath: String) throws {
        do {
            _ = try confine(filePath)
        } catch let failure as ImportFailure {
            guard let name = storedUploadName(filePath), try store.hasUpload(name: name) else { throw failure }
        }
    }

    /// The name of the kept upload `filePath` may stand for: a plain name in the uploads
    /// directory that this host does not have, when uploads are kept in the database.
    private func storedUploadName(_ filePath: String) -> String? {
        let name = filePath.hasPrefix("/") ? (filePath as NSString).lastPathComponent : filePath
        guard store.keepsUploads, !name.isEmpty, !name.contains("/"), !name.hasPrefix("."), !name.contains("\0") else { return nil }
        let destination = (uploadsDirectory as NSString).appendingPathComponent(name)
        guard !filePath.hasPrefix("/") || filePath == destination, !FileManager.default.fileExists(atPath: destination) else {
            return nil
        }
        return name
    }
}
