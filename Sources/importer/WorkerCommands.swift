import ArgumentParser
import Foundation
import Logging
import Server
import ServiceLifecycle
import TaskQueue

/// `importer serve`: the all-in-one process (workers now; HTTP and beat join it).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the appliance: workers for every configured pool.")

    @OptionGroup var options: GlobalOptions
    @Option(help: "Run one pool serving these comma-separated queues.") var queues: String?

    func run() async throws {
        try await WorkerRunner.run(options: options, queues: queues)
    }
}

/// `importer worker`: workers only.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker", abstract: "Run workers for the configured pools (or --queues).")

    @OptionGroup var options: GlobalOptions
    @Option(help: "Run one pool serving these comma-separated queues.") var queues: String?

    func run() async throws {
        try await WorkerRunner.run(options: options, queues: queues)
    }
}

enum WorkerRunner {
    /// Runs the worker until SIGTERM/SIGINT: the first signal is a warm shutdown
    /// (`shutdown_grace`), a second one cold (leases released at once).
    static func run(options: GlobalOptions, queues: String?) async throws {
        let (_, context) = try options.open()
        let logger = Logger(label: "importer.worker")
        let queueList = queues?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if let queues, queueList?.isEmpty ?? true {
            throw CommandFailure("--queues '\(queues)' names no queue")
        }
        let worker = context.makeWorker(name: options.hostname, queues: queueList, logger: logger)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [worker], logger: logger))
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
