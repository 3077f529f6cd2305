/// The storage contract of the queue, as four roles: the worker's (`LeaseStore`), the
/// producers' and operators' (`QueueAdminStore`), beat's (`ScheduleStore`) and the worker
/// registry (`WorkerRegistryStore`). Code that needs one role asks for it; the application
/// holds `any QueueStore`.
///
/// `SQLiteQueueStore` is the durable backend and `MemoryQueueStore` its in-memory twin for
/// unit tests; a PostgreSQL backend is one more conformance, proven by the same contract tests
/// (`Tests/TaskQueueTests`). Every method is one atomic transition, committed before it
/// returns. Storage failures are `QueueError`s with backend-neutral codes (`StorageFault`).
public typealias QueueStore = LeaseStore & QueueAdminStore & ScheduleStore & WorkerRegistryStore
