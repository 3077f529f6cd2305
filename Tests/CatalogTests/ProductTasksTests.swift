import Foundation
import Logging
import Testing

@testable import Catalog
@testable import TaskQueue

@Suite struct ProductTasksTests {
    /// A worker with the product tasks on an in-memory queue.
    func withWorker(_ fixture: CatalogFixture, _ body: (QueueClient, MemoryQueueStore) async throws -> Void) async throws {
        try await withWorker(fixture.catalog, body)
    }

    func withWorker(_ catalog: CatalogContext, _ body: (QueueClient, MemoryQueueStore) async throws -> Void) async throws {
        var registry = TaskRegistry()
        ProductTasks.register(into: &registry, catalog: catalog)
        let store = MemoryQueueStore()
        let client = QueueClient(store: store, registry: registry)
        let worker = Worker(
            configuration: WorkerConfiguration(
                name: "w@h:1", pools: [.init(queues: ["default", "imports"], concurrency: 1)]),
            client: client, logger: Logger(label: "test"))
        let running = Task { try await worker.run() }
        try await body(client, store)
        worker.beginWarmShutdown()
        try await running.value
    }

    func finished(_ store: MemoryQueueStore, _ id: String) async throws -> JobRecord {
        for _ in 0..<1000 {
            if case .found(let record) = try await store.job(id: id), record.state.isFinal { return record }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw QueueError.storage("job \(id) did not finish")
    }

    @Test(arguments: CatalogBackend.allCases)
    func testTaskReturnsTheSeedShape(backend: CatalogBackend) async throws {
        let fixture = try CatalogFixture(backend)
        try await withWorker(fixture) { client, store in
            let id = try await client.submit(TaskSubmission(name: ProductTasks.testTask)).id
            let record = try await finished(store, id)
            #expect(
                record.result == [
                    "status": "success", "message": "Worker is functioning correctly!", "task_id": .string(id),
                    "task_name": "app.tasks.product_tasks.test_task",
                ])
        }
    }

    @Test(arguments: CatalogBackend.allCases)
    func processCSVImportThroughTheQueueWithProgressAndResult(backend: CatalogBackend) async throws {
        let fixture = try CatalogFixture(backend, batchRows: 2)
        let name = try fixture.upload("sku,name\nA,1\nB,2\nC,3\nA,4\n")
        try await withWorker(fixture) { client, store in
            let id = try await client.submit(
                TaskSubmission(name: ProductTasks.processCSVImport, kwargs: ["file_path": .string(name)])).id
            let record = try await finished(store, id)
            #expect(record.state == .success)
            #expect(record.queue == "imports")
            #expect(record.result?["created"] == 3)
            // Where the time went, by stage
            let stages = try #require(record.result?["stages"]?.objectValue)
            #expect(Set(stages.keys) == ["read_seconds", "merge_seconds", "wait_seconds", "write_seconds", "checkpoint_seconds", "commit_seconds"])
            #expect(stages.values.allSatisfy { ($0.doubleValue ?? -1) >= 0 })
            // The merge's parts are within it.
            let parts = ["wait_seconds", "write_seconds", "checkpoint_seconds", "commit_seconds"].compactMap { stages[$0]?.doubleValue }
            #expect(parts.reduce(0, +) <= (stages["merge_seconds"]?.doubleValue ?? 0) + 0.004)
            #expect(record.result?["updated"] == 1)
            #expect(record.result?["rows_processed"] == 4)
            #expect(record.meta?["stage"] == "complete")
            #expect(record.meta?["message"] == "Import Complete")
            let importRecord = try #require(try await fixture.catalog.store.importRecord(taskID: id))
            #expect(importRecord.state == .success)
            #expect(record.result?["import_id"] == .string(importRecord.id))
        }
    }

    /// Found by schemathesis: `options: null` was stored as `null`, and the imports listing then
    /// contradicted its schema (an object).
    @Test(arguments: CatalogBackend.allCases)
    func importOptionsThatAreNotAnObjectAreRecordedAsAnEmptyObject(backend: CatalogBackend) async throws {
        let fixture = try CatalogFixture(backend)
        let name = try fixture.upload("sku,name\nA,1\n")
        try await withWorker(fixture) { client, store in
            for options: JSONValue in [.null, 5, "x"] {
                let id = try await client.submit(
                    TaskSubmission(name: ProductTasks.processCSVImport, kwargs: ["file_path": .string(name), "options": options])).id
                _ = try await finished(store, id)
                let record = try #require(try await fixture.catalog.store.importRecord(taskID: id))
                #expect(record.options == [:], "\(options)")
            }
        }
    }

    @Test(arguments: CatalogBackend.allCases)
    func pathsOutsideTheUploadsAreRefusedAtSubmission(backend: CatalogBackend) async throws {
        let fixture = try CatalogFixture(backend)
        let outside = fixture.root.appendingPathComponent("outside.csv")
        try "sku,name\nA,1\n".write(to: outside, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(
            atPath: fixture.catalog.uploadsDirectory + "/link.csv", withDestinationPath: outside.path)
        try FileManager.default.createDirectory(atPath: fixture.catalog.uploadsDirectory + "/sub", withIntermediateDirectories: true)
        let inside = try fixture.upload("sku,name\nB,2\n")
        try await withWorker(fixture) { client, store in
            let refused = [
                "../outside.csv", outside.path, "link.csv", "/etc/passwd", "missing.csv", "", "sub", "sub/../../outside.csv",
                "\(inside)\u{0}.txt",
            ]
            for path in refused {
                for submission in [
                    TaskSubmission(name: ProductTasks.processCSVImport, kwargs: ["file_path": .string(path)]),
                    TaskSubmission(name: ProductTasks.processCSVImport, args: [.string(path)]),
                ] {
                    let error = await #expect(throws: QueueError.self, "\(path)") { try await client.submit(submission) }
                    #expect(error?.code == "invalid_job", "\(path)")
                }
            }
            #expect(try await store.countJobs(JobFilter()) == 0, "a refused submission was stored")
            // An uploaded file is accepted, by keyword or position.
            let id = try await client.submit(TaskSubmission(name: ProductTasks.processCSVImport, args: [.string(inside)])).id
            #expect(try await finished(store, id).state == .success)
        }
        #expect(try fixture.products() == ["B|2||1"])
    }

    @Test(arguments: CatalogBackend.allCases)
    func aFileReplacedAfterSubmissionFailsWithoutRetry(backend: CatalogBackend) async throws {
        let fixture = try CatalogFixture(backend)
        let outside = fixture.root.appendingPathComponent("outside.csv")
        try "sku,name\nA,1\n".write(to: outside, atomically: true, encoding: .utf8)
        let replaced = try fixture.upload("sku,name\nB,2\n")
        let removed = try fixture.upload("sku,name\nC,3\n")
        try await withWorker(fixture) { client, store in
            var ids: [String] = []
            for name in [replaced, removed] {
                let submission = TaskSubmission(name: ProductTasks.processCSVImport, kwargs: ["file_path": .string(name)], countdown: 0.3)
                ids.append(try await client.submit(submission).id)
            }
            // Between submission and run: one file becomes a symlink out, the other goes.
            let uploads = fixture.catalog.uploadsDirectory
            try FileManager.default.removeItem(atPath: uploads + "/" + replaced)
            try FileManager.default.createSymbolicLink(atPath: uploads + "/" + replaced, withDestinationPath: outside.path)
            try FileManager.default.removeItem(atPath: uploads + "/" + removed)
            for id in ids {
                let record = try await finished(store, id)
                #expect(record.state == .failure)
                #expect(record.error?.type == "ImportFailed")
                #expect(record.attempts.count == 1, "must not retry")
            }
        }
        #expect(try fixture.products().isEmpty)
    }

    @Test(arguments: CatalogBackend.allCases)
    func cleanupDeletesOldRecordsAndFiles(backend: CatalogBackend) async throws {
        let fixture = try CatalogFixture(backend)
        var catalog = fixture.catalog
        let name = try fixture.upload("sku,name\nA,1\n")
        let (result, _) = try await fixture.importFile(name)
        _ = try result.get()
        // A finished bulk delete's record goes with the finished imports.
        _ = try await fixture.store.createBulkDelete(id: "d", expectedTotal: nil)
        try fixture.store.revokeUnstartedBulkDelete(id: "d")
        catalog.configuration.importRetention = 3600
        #expect(
            try ProductTasks.cleanup(catalog: catalog) == [
                "imports_deleted": 0, "files_deleted": 0, "bulk_deletes_deleted": 0, "webhook_deliveries_deleted": 0,
                "stored_uploads_deleted": 0,
            ])
        catalog.configuration.importRetention = 0.001
        try await Task.sleep(for: .milliseconds(20))
        #expect(
            try ProductTasks.cleanup(catalog: catalog) == [
                "imports_deleted": 1, "files_deleted": 1, "bulk_deletes_deleted": 1, "webhook_deliveries_deleted": 0,
                "stored_uploads_deleted": 0,
            ])
        #expect(try await fixture.catalog.store.importRecords(limit: 10, offset: 0).total == 0)
    }

    /// DESIGN.md §14: an upload the API host stored is imported by a worker on another host,
    /// which fetches it from the database, and removes its copy afterwards.
    @Test func anUploadStoredOnOneHostIsImportedOnAnother() async throws {
        guard CatalogBackend.allCases.contains(.postgres) else { return }
        let api = try CatalogFixture(.postgres)
        let name = try api.upload("sku,name\nA,1\nB,2\n")
        try await api.store.saveUpload(name: name, from: api.catalog.uploadsDirectory + "/" + name)
        let record = try await api.record(name)
        // The worker host: the same database, an uploads directory of its own without the file
        let other = FileManager.default.temporaryDirectory.appendingPathComponent("host-b-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: other) }
        let worker = CatalogContext(
            store: api.store, uploadsDirectory: other.path, scratchDirectory: other.path, webhookTransport: FakeTransport())
        #expect(throws: ImportFailure.self) { try worker.confine(name) }
        try await withWorker(worker) { client, store in
            let job = try await client.submit(
                TaskSubmission(name: ProductTasks.processCSVImport, kwargs: ["file_path": .string(name), "import_id": .string(record.id)]))
            #expect(try await finished(store, job.id).state == .success)
        }
        #expect(try api.products() == ["A|1||1", "B|2||1"])
        // Its copy is gone; the stored upload stays for a retry, until the cleanup
        #expect(!FileManager.default.fileExists(atPath: other.appendingPathComponent(name).path))
        #expect(try worker.uploadedFile(name).fetched)
        #expect(try api.store.deleteUploads(storedBefore: Date().addingTimeInterval(1), keeping: [name]) == 0)
        #expect(try api.store.deleteUploads(storedBefore: Date().addingTimeInterval(1), keeping: []) == 1)
        try FileManager.default.removeItem(at: other.appendingPathComponent(name))
        #expect(throws: ImportFailure.self) { try worker.uploadedFile(name) }
        // A name that climbs out of the uploads directory is never fetched
        #expect(throws: ImportFailure.self) { try worker.uploadedFile("../\(name)") }
    }
}
