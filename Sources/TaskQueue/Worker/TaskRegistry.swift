/// The tasks a worker can run and a client can submit, by name.
public struct TaskRegistry: Sendable {
    private var tasks: [String: TaskDefinition] = [:]

    public init() {}

    public mutating func register(_ task: TaskDefinition) {
        tasks[task.name] = task
    }

    public func task(named name: String) -> TaskDefinition? { tasks[name] }

    /// Registered names, sorted.
    public var names: [String] { tasks.keys.sorted() }
}
