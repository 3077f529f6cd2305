import ArgumentParser
import Foundation
import Logging
import Server
import TaskQueue

/// Options every command shares; they override `config.json` and `IMPORTER_*` variables.
struct GlobalOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "Data directory (databases and uploads). Default ./data")
    var dataDir: String?

    @Option(name: .customLong("database-url"), help: "PostgreSQL for the queue: postgres://user:pass@host:port/db?schema=…&pool_size=… (default: SQLite in the data directory).")
    var databaseURL: String?

    @Option(name: .customLong("config"), help: "Configuration file (default: ./config.json if present).")
    var configFile: String?

    @Option(help: "Slots of the pool serving 'default' (with --queues: of the one pool).")
    var concurrency: Int?

    @Option(help: "Worker node name: importer@<hostname>:<pid>.")
    var hostname: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String?

    /// Loads the configuration (file, environment, these flags) and sets up logging.
    func loadConfig(extraFlags: [String: JSONValue] = [:]) throws -> AppConfig {
        var flags = extraFlags
        if let dataDir { flags["data_dir"] = .string(dataDir) }
        if let databaseURL { flags["database_url"] = .string(databaseURL) }
        if let concurrency { flags["concurrency"] = .int(Int64(concurrency)) }
        if let logLevel { flags["log_level"] = .string(logLevel) }
        let config = try ConfigLoader.load(file: configFile, environment: ProcessInfo.processInfo.environment, flags: flags)
        LineLogHandler.bootstrap(level: config.logLevel, format: config.logFormat)
        return config
    }

    /// Builds the appliance for `roles` on the data directory, opened for reading and writing;
    /// where it cannot take writes, the error says so and names the commands that still read it.
    func build(_ roles: ProcessRoles, extraFlags: [String: JSONValue] = [:]) throws -> Appliance {
        try build(roles, config: try loadConfig(extraFlags: extraFlags))
    }

    /// The same with a configuration already loaded.
    func build(_ roles: ProcessRoles, config: AppConfig) throws -> Appliance {
        do {
            return try Appliance.build(config: config, roles: roles, logger: Logger(label: "importer"))
        } catch {
            guard let reason = Self.unwritable(config) else { throw error }
            throw CommandFailure("\(reason): nothing can be changed; `importer inspect` and `importer backup` still read it")
        }
    }

    /// Opens the data directory for a command that reads and submits (no services).
    func open(extraFlags: [String: JSONValue] = [:]) throws -> (AppConfig, AppContext) {
        let context = try build(.command, extraFlags: extraFlags).context
        return (context.config, context)
    }

    /// Opens the data directory for a command that only reads (inspect, backup). Where the
    /// directory cannot take writes (a read-only or failed disk, immutable files) the databases
    /// are opened read-only, with a warning, rather than refusing: that is when an operator
    /// needs to look and to copy.
    func openForReading() throws -> (AppConfig, AppContext) {
        let config = try loadConfig()
        return (config, try open(config))
    }

    /// Opens the appliance of a loaded configuration for a command, as `openForReading` says.
    func open(_ config: AppConfig) throws -> AppContext {
        let logger = Logger(label: "importer")
        guard let reason = Self.unwritable(config) else {
            return try Appliance.build(config: config, roles: .command, logger: logger).context
        }
        logger.warning("opened_read_only", metadata: ["reason": "\(reason)"])
        return try Appliance.build(config: config, roles: .command, readOnly: true, logger: logger).context
    }

    /// Why an existing data directory cannot take writes; nil when it can (or is new).
    static func unwritable(_ config: AppConfig) -> String? {
        guard FileManager.default.fileExists(atPath: config.queueDatabasePath),
            case .readOnly(let reason) = config.storageProbe.condition()
        else { return nil }
        return reason
    }
}

/// Pretty JSON on standard output, keys sorted so output is stable.
func printJSON(_ value: JSONValue) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    let data = (try? encoder.encode(value)) ?? Data("null".utf8)
    print(String(decoding: data, as: UTF8.self))
}

/// One line on standard error and a non-zero exit.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
