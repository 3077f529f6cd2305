import Foundation

/// The catalogue's settings (DESIGN.md §8), each default declared here once.
public struct CatalogConfiguration: Sendable, Equatable {
    /// Options and limits of every import: `csv_max_field_bytes`, `import_batch_rows`.
    public var importDefaults = ImportOptions()
    /// Seconds upload files and finished import records are kept (`import_retention`).
    public var importRetention: TimeInterval = 604_800
    /// Keep upload files when their import records are cleaned up (`keep_uploads`).
    public var keepUploads = false
    /// Deliveries: retries, private targets, automatic disable, log retention (`webhook_*`).
    public var webhooks = WebhookConfiguration()

    public init() {}
}
