import Foundation

/// The built-in test tasks of DESIGN.md §3, registered only when `enable_test_tasks` is true
/// so end-to-end tests can drive the real binary.
public enum TestTasks {
    public static let noop = "importer.testing.noop"
    public static let sleep = "importer.testing.sleep"
    public static let fail = "importer.testing.fail"
    public static let spin = "importer.testing.spin"

    public static func register(into registry: inout TaskRegistry) {
        registry.register(TaskDefinition(name: noop) { _ in .null })
        registry.register(
            TaskDefinition(name: sleep) { context in
                let seconds = try argument(context, "seconds", position: 0)
                try context.sleep(seconds)
                return ["slept": .double(seconds)]
            })
        registry.register(
            TaskDefinition(name: fail) { context in
                // `unless_exists`: a failure of the outside world (no retry) until that file exists,
                // so that a test can fix the cause and retry the dead letter by hand.
                if let path = context.kwargs["unless_exists"]?.stringValue {
                    guard FileManager.default.fileExists(atPath: path) else {
                        throw TaskErrorInfo(type: "FileMissing", message: "\(path) does not exist (yet)")
                    }
                    return ["found": .string(path)]
                }
                let times = Int(try argument(context, "times", position: 0))
                // `retries` counts earlier runs that asked for a retry: fail the first `times` runs.
                if context.retries < times {
                    throw RetryableError("failing on purpose: run \(context.retries + 1) of the first \(times)")
                }
                return ["runs": .int(Int64(context.retries + 1))]
            })
        registry.register(
            TaskDefinition(name: spin) { context in
                // Ignores cancellation on purpose: only a hard time limit can stop it.
                let seconds = try argument(context, "seconds", position: 0)
                let deadline = Date().addingTimeInterval(seconds)
                var spins: Int64 = 0
                while Date() < deadline { spins &+= 1 }
                return ["spins": .int(spins)]
            })
    }

    private static func argument(_ context: TaskContext, _ name: String, position: Int) throws -> Double {
        let value: JSONValue? = context.kwargs[name] ?? (context.args.indices.contains(position) ? context.args[position] : nil)
        guard let number = value?.doubleValue, number.isFinite, number >= 0 else {
            throw TaskErrorInfo(
                type: "ValueError", message: "\(context.name) needs a non-negative number '\(name)' (args[\(position)] or kwargs)")
        }
        return number
    }
}
