/// The catalogue's storage, as roles: the products (`ProductStore`), the imports' records
/// (`ImportRecordStore`), what a running import writes (`ImportRunStore`), bulk deletes
/// (`BulkDeleteStore`) — these two share the catalogue lock (`CatalogLockStore`) — and webhooks
/// with their outbox and deliveries (`WebhookStore`). Catalog owns its
/// tables through this contract only: no SQL naming a catalogue table lives outside this
/// folder, and the product count that the listing's `total` reads is kept by the store in the
/// transaction of every write that creates or deletes products.
///
/// `SQLiteCatalogStore` is the embedded backend (`catalog.sqlite`); a PostgreSQL backend is one
/// more conformance, proven by the same contract tests (`Tests/CatalogTests/CatalogStoreTests`).
/// Storage failures are `CatalogError`s with backend-neutral codes (`StorageFault`).
public typealias CatalogStore = ProductStore & ImportRecordStore & ImportRunStore & BulkDeleteStore & WebhookStore
