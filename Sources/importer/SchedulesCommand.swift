import ArgumentParser
import Foundation
import Server
import TaskQueue

/// `importer schedules [run|enable|disable NAME]`: beat's schedules, as the API shows them.
struct SchedulesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedules", abstract: "List the periodic schedules, or run, enable or disable one.")

    @OptionGroup var options: GlobalOptions
    @Argument(help: "run | enable | disable (none: list)") var action: String?
    @Argument(help: "The schedule's name.") var name: String?

    func run() async throws {
        let (_, context) = try options.open()
        // The configuration is the source of truth: store it first, as beat does at start.
        try await context.store.syncSchedules(context.schedules)
        guard let action else {
            let records = try await context.store.schedules()
            printJSON(.array(records.map(APIService.json)))
            return
        }
        guard let name else { throw CommandFailure("'\(action)' needs a schedule name") }
        switch action {
        case "run":
            guard let run = try await context.store.runScheduleNow(name: name) else { throw unknown(name) }
            printJSON(["name": .string(name), "task_id": .string(run.taskID), "status": "submitted"])
        case "enable", "disable":
            guard let record = try await context.store.setScheduleEnabled(name: name, enabled: action == "enable") else {
                throw unknown(name)
            }
            printJSON(APIService.json(record))
        default:
            throw CommandFailure("unknown action '\(action)' (use run, enable or disable)")
        }
    }

    private func unknown(_ name: String) -> CommandFailure {
        CommandFailure("no schedule named '\(name)'")
    }
}
