/// The catalogue's storage, as roles: the products (`ProductStore`), the imports' records
/// (`ImportRecordStore`), what a running import writes (`ImportRunStore`), bulk deletes
/// (`BulkDeleteStore`) — these two share the catalogue lock (`CatalogLockStore`) — and webhooks
/// with their outbox and deliveries (`WebhookStore`), and uploads kept for every host
/// (`UploadStore`). Catalog owns its tables through this contract only: no SQL naming a
/// catalogue table lives outside this folder, and the product count that the listing's `total`
/// reads is kept by the store in the transaction of every write that creates or deletes products.
///
/// `SQLiteCatalogStore` is the embedded backend (`catalog.sqlite`); `PostgresCatalogStore` serves
/// several hosts (DESIGN.md §14). Both are proven by the same contract tests
/// (`Tests/CatalogTests`, run on PostgreSQL when `IMPORTER_TEST_DATABASE_URL` is set).
/// Storage failures are `CatalogError`s with backend-neutral codes (`StorageFault`).
public typealias CatalogStore = ProductStore & ImportRecordStore & ImportRunStore & BulkDeleteStore & WebhookStore & UploadStore
