import Foundation
import PostgresSupport
import TestSupport
import Testing

/// The real `importer` binary, started on a temporary data directory and always stopped by
/// its pid.
final class ImporterProcess {
    let process = Process()
    let logPath: String
    let outputPath: String

    /// The binary SwiftPM built next to the test bundle.
    static let binary: URL = {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent(),
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent(".build/debug"),
        ]
        for directory in candidates {
            let url = directory.appendingPathComponent("importer")
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue,
                FileManager.default.isExecutableFile(atPath: url.path)
            {
                return url
            }
        }
        fatalError("the importer binary was not found next to the tests (looked in \(candidates.map(\.path)))")
    }()

    /// Logs go beside the data directory, or into `logDirectory` (when the data directory's
    /// filesystem cannot be written).
    init(_ arguments: [String], dataDir: String, environment: [String: String] = [:], logDirectory: String? = nil) throws {
        let id = UUID().uuidString.prefix(8)
        let logs = logDirectory ?? dataDir + "/.."
        logPath = logs + "/\(arguments.first ?? "cmd")-\(id).log"
        outputPath = logs + "/\(arguments.first ?? "cmd")-\(id).out"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        process.executableURL = Self.binary
        process.arguments = arguments + ["--data-dir", dataDir]
        var env = ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory()]
        if let url = E2EDatabase.url(forDataDir: dataDir) { env["IMPORTER_DATABASE_URL"] = url }
        env.merge(environment) { _, new in new }
        process.environment = env
        process.currentDirectoryURL = URL(fileURLWithPath: dataDir).deletingLastPathComponent()
        let log = FileHandle(forWritingAtPath: logPath)
        let output = FileHandle(forWritingAtPath: outputPath)
        process.standardError = log
        process.standardOutput = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // The child has its own copies: the test process keeps no file open in the sandbox
        // (a test unmounts the filesystem under it).
        try? log?.close()
        try? output?.close()
    }

    var pid: Int32 { process.processIdentifier }
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

    func waitForLog(_ text: String, timeout: TimeInterval = 20) async -> Bool {
        await eventually(timeout: timeout) { self.log.contains(text) }
    }

    func signal(_ number: Int32) {
        if process.isRunning { kill(pid, number) }
    }

    /// Waits for the process to end; returns its exit status, or nil if it is still running.
    func waitForExit(timeout: TimeInterval = 20) async -> Int32? {
        guard await eventually(timeout: timeout, { !self.process.isRunning }) else { return nil }
        return process.terminationStatus
    }

    /// Runs a short command to completion.
    static func run(_ arguments: [String], dataDir: String, environment: [String: String] = [:], logDirectory: String? = nil)
        async throws -> (status: Int32, output: String, log: String)
    {
        let command = try ImporterProcess(arguments, dataDir: dataDir, environment: environment, logDirectory: logDirectory)
        defer { command.signal(SIGKILL) }
        let status = await command.waitForExit(timeout: 60) ?? -1
        return (status, command.output, command.log)
    }

    deinit {
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// A fresh temporary directory holding a data directory and the processes' logs; in the
/// PostgreSQL pass, a schema of its own too (`E2EDatabase`).
final class Sandbox {
    let root: String
    var dataDir: String { root + "/data" }
    let pool: PostgresPool?

    init(root: String = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-\(UUID().uuidString)").path) throws {
        self.root = root
        try FileManager.default.createDirectory(atPath: root + "/data", withIntermediateDirectories: true)
        pool = try E2EDatabase.attach(dataDir: root + "/data")
    }

    deinit {
        try? FileManager.default.removeItem(atPath: root)
        E2EDatabase.detach(dataDir: dataDir)
        if let pool { TestDatabase.drop(pool) }
    }
}

/// Runs a shell command to completion; returns its exit status (its output is discarded).
enum Shell {
    @discardableResult
    static func run(_ command: String) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
