import ArgumentParser
import Foundation
import Logging
import PostgresSupport
import SQLiteSupport
import Server
import TaskQueue

/// `importer bench`: reproducible measurements (release build); not tests.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Benchmarks: queue throughput and latency, load generation.",
        subcommands: [QueueBenchCommand.self, LoadCommand.self])
}

/// `importer bench queue`: drain, enqueue and latency figures on a temporary database.
struct QueueBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue", abstract: "Queue benchmark: drain rate, enqueue rate, enqueue-to-start latency, RSS.")

    @Option(help: "Jobs per drain run.") var jobs = 10_000
    @Option(help: "Single jobs timed for enqueue-to-start latency.") var samples = 1_000
    @Option(help: "Worker slots.") var concurrency = 2
    @Option(help: "normal, full or both.") var synchronous = "both"
    @Option(name: .customLong("database-url"), help: "Measure on this PostgreSQL server instead (in a schema of its own, dropped after).")
    var databaseURL: String?

    func run() async throws {
        if let databaseURL { return try await runPostgres(databaseURL) }
        let modes: [SQLiteOptions.Synchronous]
        switch synchronous.lowercased() {
        case "both": modes = [.normal, .full]
        case "normal": modes = [.normal]
        case "full": modes = [.full]
        default: throw CommandFailure("--synchronous must be normal, full or both")
        }
        LineLogHandler.bootstrap(level: .warning, format: .text)
        let benchmark = makeBenchmark()
        print("queue benchmark: \(jobs) no-op jobs, \(concurrency) slots, \(samples) latency samples")
        print(
            "| synchronous | drain pre-filled (jobs/s) | drain while enqueuing (jobs/s) | writes per commit | enqueue (jobs/s) "
                + "| enqueue→start p50 / p99 (ms) | longest write txn (ms) | idle / peak RSS (MB) |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for (index, mode) in modes.enumerated() {
            let report = try await benchmark.run(synchronous: mode)
            print(Self.row(mode.rawValue.lowercased(), report, idle: index == 0))
        }
    }

    private func runPostgres(_ text: String) async throws {
        let url: PostgresURL
        do { url = try PostgresURL(parsing: text) } catch { throw CommandFailure("--database-url: \(error.message)") }
        LineLogHandler.bootstrap(level: .warning, format: .text)
        let benchmark = makeBenchmark()
        print("queue benchmark on PostgreSQL (\(url.host):\(url.port)): \(jobs) no-op jobs, \(concurrency) slots, \(samples) latency samples")
        print(
            "| backend | drain pre-filled (jobs/s) | drain while enqueuing (jobs/s) | writes per commit | enqueue (jobs/s) "
                + "| enqueue→start p50 / p99 (ms) | longest write txn (ms) | idle / peak RSS (MB) |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        print(Self.row("postgresql", try await benchmark.run(postgres: url), idle: true))
    }

    private func makeBenchmark() -> QueueBenchmark {
        var benchmark = QueueBenchmark()
        benchmark.jobs = jobs
        benchmark.latencySamples = samples
        benchmark.concurrency = concurrency
        return benchmark
    }

    /// One table row; idle RSS means something only before the first run has grown the heap.
    private static func row(_ label: String, _ report: QueueBenchmark.Report, idle: Bool) -> String {
        let idleRSS = idle ? String(format: "%.1f", Double(report.idleRSS) / 1e6) : "–"
        return "| \(label) | \(Int(report.drainPrefilledPerSecond)) | \(Int(report.drainWhileEnqueuingPerSecond)) "
            + "| \(report.writesPerCommit.map { String(format: "%.2f", $0) } ?? "–") | \(Int(report.enqueuePerSecond)) | "
            + String(format: "%.3f / %.3f", report.latencyP50 * 1000, report.latencyP99 * 1000)
            + " | " + (report.longestTransaction.map { String(format: "%.1f", $0 * 1000) } ?? "–")
            + " | \(idleRSS) / " + String(format: "%.1f", Double(report.peakRSS) / 1e6) + " |"
    }
}

/// `importer bench load`: a worker plus concurrent enqueuers in one process, printing each task
/// id on standard output as soon as its enqueue committed. The crash tests SIGKILL it and check
/// that every printed id survived.
struct LoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load", abstract: "Run a worker and concurrent no-op enqueuers; print each committed id.")

    @OptionGroup var options: GlobalOptions
    @Option(help: "Concurrent enqueuers.") var enqueuers = 50
    @Option(help: "Jobs per enqueuer.") var jobs = 200

    func run() async throws {
        let appliance = try options.build(ProcessRoles(workers: true, hostname: options.hostname))
        let client = appliance.context.client
        guard client.registry.task(named: TestTasks.noop) != nil else {
            throw CommandFailure("bench load needs enable_test_tasks (IMPORTER_ENABLE_TEST_TASKS=true)")
        }
        let logger = Logger(label: "importer.load")
        let services = appliance.serviceGroup(logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { running in
            running.addTask { try await services.run() }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<enqueuers {
                    group.addTask {
                        for _ in 0..<jobs {
                            let id = try await client.submit(TaskSubmission(name: TestTasks.noop)).id
                            Console.output(id + "\n")
                        }
                    }
                }
                try await group.waitForAll()
            }
            logger.info("load_enqueued", metadata: ["jobs": "\(enqueuers * jobs)"])
            await services.triggerGracefulShutdown()
            try await running.waitForAll()
        }
    }
}
