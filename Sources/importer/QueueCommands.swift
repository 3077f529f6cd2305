import ArgumentParser
import Foundation
import Server
import TaskQueue

/// `importer queue pause|resume NAME`: a paused queue is not claimed from (running jobs
/// finish); the pause is stored, so it survives restarts and applies to every process.
struct QueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue", abstract: "Pause or resume a queue.")

    @OptionGroup var options: GlobalOptions
    @Argument(help: "pause | resume") var action: String
    @Argument(help: "The queue's name.") var name: String

    func run() async throws {
        guard action == "pause" || action == "resume" else {
            throw CommandFailure("unknown action '\(action)' (use pause or resume)")
        }
        let (_, context) = try options.open()
        try await context.store.setPaused(queue: name, paused: action == "pause")
        let stats = try await context.store.queueStats().first { $0.name == name } ?? QueueStats(name: name)
        printJSON(APIService.json(stats))
    }
}

/// `importer retry ID`: re-enqueues a dead letter (FAILURE) or a revoked task as a new task
/// linked to the original.
struct RetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry", abstract: "Run a failed or revoked task again, as a new task linked to it.")

    @OptionGroup var options: GlobalOptions
    @Argument(help: "Task id.") var id: String

    func run() async throws {
        let (_, context) = try options.open()
        switch try await context.store.retry(id: id) {
        case .created(let newID):
            printJSON(["task_id": .string(newID), "retry_of": .string(id), "status": "submitted"])
        case .notFound:
            throw CommandFailure("no task with id \(id) (it never existed or its result expired)")
        case .notFinished(let state):
            throw CommandFailure("task \(id) is \(state.rawValue): only FAILURE and REVOKED tasks can be retried")
        case .alreadyRetried(let newID):
            throw CommandFailure("task \(id) was already retried as \(newID)")
        }
    }
}
