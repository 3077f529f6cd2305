import ArgumentParser
import Foundation
import Server
import TaskQueue

/// `importer inspect VIEW`: Celery's inspect, read from the database (no server needed).
struct InspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show workers and jobs: active, reserved, scheduled, registered, stats or ping.")

    @OptionGroup var options: GlobalOptions
    @Argument(help: "active | reserved | scheduled | registered | stats | ping")
    var view: String

    func run() async throws {
        guard let view = Inspector.View(rawValue: view) else {
            throw CommandFailure(
                "unknown view '\(self.view)' (use \(Inspector.View.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let (config, context) = try options.openForReading()
        let inspector = context.makeInspector()
        let result = try await inspector.view(view)
        if view == .ping, result.objectValue?.isEmpty ?? true {
            throw CommandFailure("no worker replied: none has a recent heartbeat in \(config.queueDatabasePath)")
        }
        printJSON(result)
    }
}

/// `importer migrate`: create or upgrade the databases and exit.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Create or upgrade the databases in the data directory.")

    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let (config, _) = try options.open()
        print("migrated \(config.queueDatabasePath)")
    }
}
