import Foundation
import Logging
import Testing

@testable import Catalog
@testable import TaskQueue

@Suite struct ProductTasksTests {
    @Test func testTaskReturnsTheSeedShape() async throws {
        // Given a worker with the product tasks
        var registry = TaskRegistry()
        ProductTasks.register(into: &registry)
        let store = MemoryQueueStore()
        let client = QueueClient(store: store, registry: registry)
        let worker = Worker(
            configuration: WorkerConfiguration(name: "w@h:1", pools: [.init(queues: ["default"], concurrency: 1)]),
            client: client, logger: Logger(label: "test"))
        let running = Task { try await worker.run() }
        defer { worker.beginWarmShutdown() }
        // When test_task is submitted
        let id = try await client.submit(TaskSubmission(name: ProductTasks.testTask)).id
        // Then it succeeds with the seed's result
        var result: JSONValue?
        for _ in 0..<500 {
            if case .found(let record) = try await store.job(id: id), record.state == .success {
                result = record.result
                break
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(
            result == [
                "status": "success", "message": "Worker is functioning correctly!", "task_id": .string(id),
                "task_name": "app.tasks.product_tasks.test_task",
            ])
        worker.beginWarmShutdown()
        try await running.value
    }
}
