import ArgumentParser
import Foundation
import Server
import TaskQueue

/// `importer call NAME`: Celery's `call`; with `--wait`, prints the result or the error.
struct CallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "call", abstract: "Submit a task by name; --wait prints its result as JSON.")

    @OptionGroup var options: GlobalOptions
    @Argument(help: "Registered task name.") var name: String
    @Option(help: "Positional arguments as a JSON array.") var args = "[]"
    @Option(help: "Keyword arguments as a JSON object.") var kwargs = "{}"
    @Option(help: "Queue (default: task_routes or the task's own).") var queue: String?
    @Option(help: "Priority 0–9 (9 first).") var priority = 5
    @Option(help: "Seconds before the task may start.") var countdown: Double?
    @Flag(help: "Wait for the final state and print the result.") var wait = false
    @Option(help: "With --wait: give up after this many seconds.") var timeout: Double?

    func run() async throws {
        let (_, context) = try options.open()
        guard let args = (try? JSONValue(parsing: args))?.arrayValue else {
            throw CommandFailure("--args must be a JSON array")
        }
        guard let kwargs = (try? JSONValue(parsing: kwargs))?.objectValue else {
            throw CommandFailure("--kwargs must be a JSON object")
        }
        let submitted = try await context.client.submit(
            TaskSubmission(name: name, args: args, kwargs: kwargs, queue: queue, priority: priority, countdown: countdown))
        guard wait else {
            printJSON(["task_id": .string(submitted.id), "status": "submitted"])
            return
        }
        let record = try await waitForFinalState(submitted.id, store: context.store)
        switch record.state {
        case .success:
            printJSON(record.result ?? .null)
        case .failure:
            let error = record.error ?? TaskErrorInfo(type: "Unknown", message: "no error recorded")
            throw CommandFailure("task \(record.id) failed: \(error.type): \(error.message)")
        default:
            throw CommandFailure("task \(record.id) ended \(record.state.rawValue)")
        }
    }

    private func waitForFinalState(_ id: String, store: any QueueStore) async throws -> JobRecord {
        let deadline = timeout.map { Date().addingTimeInterval($0) }
        while true {
            guard case .found(let record) = try await store.job(id: id) else {
                throw CommandFailure("task \(id) no longer exists (its result expired)")
            }
            if record.state.isFinal { return record }
            if let deadline, Date() > deadline {
                throw CommandFailure("task \(id) is still \(record.state.rawValue) after \(timeout ?? 0) s")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
