import ArgumentParser
import Catalog
import Foundation
import SQLiteSupport
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

/// `importer migrate`: create or upgrade the databases and exit. A catalogue made with other
/// pages than a new one's (16 KiB, by builds from issue 23 to 2026-12-05) is first rebuilt on
/// them, which needs the appliance stopped.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Create or upgrade the databases in the data directory (a catalogue on old pages: with the appliance stopped).")

    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let config = try options.loadConfig()
        // (Where nothing can be written, `build` says so.)
        if config.databaseURL == nil, GlobalOptions.unwritable(config) == nil { try rebuildCatalogPages(config.catalogDatabasePath) }
        _ = try options.build(.command, config: config)
        print("migrated \(config.queueDatabasePath)")
    }

    private func rebuildCatalogPages(_ path: String) throws {
        let began = ContinuousClock.now
        let rebuilt: (from: Int, to: Int)?
        do {
            rebuilt = try SQLiteCatalogStore.rebuildPages(path: path)
        } catch let error as CatalogError {
            throw CommandFailure(error.message)
        }
        guard let rebuilt else { return }
        let seconds = (ContinuousClock.now - began).seconds
        print("rebuilt \(path) on \(rebuilt.to >> 10) KiB pages (it had \(rebuilt.from >> 10) KiB) in \(String(format: "%.1f", seconds)) s")
    }
}
