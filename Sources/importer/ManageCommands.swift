import ArgumentParser
import Foundation
import Server
import TaskQueue

/// `importer revoke ID`: a waiting job becomes REVOKED at once; a running one is flagged and
/// its worker (in whichever process) stops it.
struct RevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "Revoke a task: waiting ones never run, running ones are cancelled.")

    @OptionGroup var options: GlobalOptions
    @Argument(help: "Task id.") var id: String

    func run() async throws {
        let (_, context) = try options.open()
        guard let state = try await context.revoke(taskID: id) else {
            throw CommandFailure("no task with id \(id) (it never existed or its result expired)")
        }
        let note: String
        switch state {
        case .revoked: note = "revoked"
        case .started, .progress: note = "revoke requested: its worker cancels it within a second"
        default: note = "already finished: nothing to revoke"
        }
        printJSON(["task_id": .string(id), "state": .string(state.rawValue), "message": .string(note)])
    }
}

/// `importer purge`: deletes waiting jobs (PENDING incl. delayed, and RETRY); running jobs stay.
struct PurgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge", abstract: "Delete waiting jobs (PENDING, delayed and RETRY) of one queue or all.")

    @OptionGroup var options: GlobalOptions
    @Option(help: "Only this queue.") var queue: String?
    @Flag(help: "Do not ask for confirmation.") var force = false

    func run() async throws {
        let (_, context) = try options.open()
        let scope = queue.map { "queue '\($0)'" } ?? "every queue"
        if !force {
            guard isatty(STDIN_FILENO) == 1 else {
                throw CommandFailure("refusing to purge \(scope) without --force: standard input is not a terminal")
            }
            Console.output("Delete every waiting job (PENDING, delayed, RETRY) of \(scope)? [y/N] ")
            let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased()
            guard answer == "y" || answer == "yes" else {
                print("nothing purged")
                return
            }
        }
        let count = try await context.store.purge(queue: queue)
        print("purged \(count) waiting job\(count == 1 ? "" : "s") from \(scope)")
    }
}
