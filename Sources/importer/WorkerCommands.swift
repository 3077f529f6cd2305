import ArgumentParser
import Foundation
import Logging
import Server
import ServiceLifecycle
import TaskQueue

/// `importer serve`: the all-in-one process, HTTP API and workers.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the appliance: the HTTP API and workers for every configured pool.")

    @OptionGroup var options: GlobalOptions
    @OptionGroup var http: HTTPOptions
    @Option(help: "Run one pool serving these comma-separated queues.") var queues: String?
    @Flag(inversion: .prefixedNo, help: "Run the periodic scheduler in this process.") var beat = true

    func run() async throws {
        try await ProcessRunner.run(options: options, http: http, workers: true, queues: queues, beat: beat)
    }
}

/// `importer api`: the HTTP API only.
struct APICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "api", abstract: "Run the HTTP API only (no workers).")

    @OptionGroup var options: GlobalOptions
    @OptionGroup var http: HTTPOptions

    func run() async throws {
        try await ProcessRunner.run(options: options, http: http, workers: false, queues: nil, beat: false)
    }
}

/// `importer worker`: workers only.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker", abstract: "Run workers for the configured pools (or --queues).")

    @OptionGroup var options: GlobalOptions
    @Option(help: "Run one pool serving these comma-separated queues.") var queues: String?
    @Flag(inversion: .prefixedNo, help: "Run the periodic scheduler in this process.") var beat = true

    func run() async throws {
        try await ProcessRunner.run(options: options, http: nil, workers: true, queues: queues, beat: beat)
    }
}

/// `--host` and `--port`, overriding the `host` and `port` settings.
struct HTTPOptions: ParsableArguments {
    @Option(help: "HTTP listen address (default 127.0.0.1).") var host: String?
    @Option(help: "HTTP port (default 8000; 0 picks a free one).") var port: Int?

    var flags: [String: JSONValue] {
        var flags: [String: JSONValue] = [:]
        if let host { flags["host"] = .string(host) }
        if let port { flags["port"] = .int(Int64(port)) }
        return flags
    }
}

enum ProcessRunner {
    /// Runs the appliance's services for `roles` until SIGTERM/SIGINT: the first signal is a warm
    /// shutdown (`shutdown_grace`), a second one cold (leases released at once).
    static func run(options: GlobalOptions, http: HTTPOptions?, workers: Bool, queues: String?, beat: Bool) async throws {
        let queueList = queues?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if let queues, workers, queueList?.isEmpty ?? true {
            throw CommandFailure("--queues '\(queues)' names no queue")
        }
        let roles = ProcessRoles(
            http: http != nil, workers: workers, beat: beat, queues: queueList, hostname: options.hostname)
        let appliance = try options.build(roles, extraFlags: http?.flags ?? [:])
        let logger = Logger(label: "importer")
        let group = appliance.serviceGroup(logger: logger)
        let running = Task { try await group.run() }
        // ServiceGroup cannot map one signal to both graceful shutdown and cancellation, so
        // the signals are counted here: the first is warm, the second cold.
        let signals = ShutdownSignals { count in
            if count == 1 {
                Task { await group.triggerGracefulShutdown() }
            } else {
                logger.info("cold_shutdown")
                running.cancel()
            }
        }
        defer { signals.stop() }
        do {
            try await running.value
        } catch is CancellationError {
            // Cold shutdown: leases were released as the slots were cancelled.
        }
    }
}
