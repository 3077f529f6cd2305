import ArgumentParser
import Common
import Foundation
import Server

/// `importer`: the product importer appliance (HTTP API, durable queue, workers, scheduler).
struct Importer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "importer",
        abstract: "Product importer appliance: a durable SQLite task queue, workers and the catalogue in one binary.",
        version: "importer \(AppVersion.description)",
        subcommands: [
            ServeCommand.self, APICommand.self, WorkerCommand.self, CallCommand.self, RevokeCommand.self, PurgeCommand.self,
            QueueCommand.self, RetryCommand.self, ImportCommand.self, ProductsCommand.self, InspectCommand.self, SchedulesCommand.self,
            WebhooksCommand.self, BackupCommand.self, RestoreCommand.self,
            MigrateCommand.self, BenchCommand.self,
        ])
}

@main
enum Main {
    /// Parses and runs the command; any error is one line on standard error and a non-zero exit.
    static func main() async {
        OpenFileLimit.raiseToHardLimit()
        do {
            var command = try Importer.parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch {
            let code = Importer.exitCode(for: error)
            // --help and --version are not errors: let ArgumentParser print them in full.
            if code == .success { Importer.exit(withError: error) }
            let message = Importer.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            Console.error("importer: \(message)\n")
            Foundation.exit(code.rawValue == 0 ? 1 : code.rawValue)
        }
    }
}
