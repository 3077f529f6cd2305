import TaskQueue

/// The product tasks of the seed application (DESIGN.md §5), under their Celery names.
public enum ProductTasks {
    public static let testTask = "app.tasks.product_tasks.test_task"

    public static func register(into registry: inout TaskRegistry) {
        registry.register(
            TaskDefinition(name: testTask) { context in
                [
                    "status": "success",
                    "message": "Worker is functioning correctly!",
                    "task_id": .string(context.id),
                    "task_name": .string(context.name),
                ]
            })
    }
}
