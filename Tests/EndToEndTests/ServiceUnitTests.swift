import Foundation
import Testing

@testable import Server

/// deploy/importer.service (issue 20): `systemd-analyze verify` finds nothing to say about it,
/// and its stop timeout and descriptor limit fit the defaults they exist for.
@Suite struct ServiceUnitTests {
    static let unit = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("deploy/importer.service")

    @Test func systemdFindsNothingWrongWithTheUnit() async throws {
        // The unit names /usr/local/bin/importer, which verify requires to exist: the copy names the
        // binary built for these tests.
        let text = try String(contentsOf: Self.unit, encoding: .utf8)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("unit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let copy = directory.appendingPathComponent("importer.service")
        try text.replacingOccurrences(of: "/usr/local/bin/importer", with: ImporterProcess.binary.path)
            .write(to: copy, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["systemd-analyze", "verify", copy.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        process.waitUntilExit()
        let said = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(said)")
        // verify exits 0 on a value it ignores (it only warns): any output is a finding.
        #expect(said.isEmpty, "\(said)")
    }

    @Test func stopTimeoutAndDescriptorLimitFitTheDefaults() throws {
        let settings = Dictionary(
            try String(contentsOf: Self.unit, encoding: .utf8).split(separator: "\n")
                .filter { !$0.hasPrefix("#") }
                .compactMap { line -> (String, String)? in
                    guard let equals = line.firstIndex(of: "=") else { return nil }
                    return (String(line[..<equals]), String(line[line.index(after: equals)...]))
                }
        ) { first, _ in first }
        let config = AppConfig()
        #expect(try #require(Double(settings["TimeoutStopSec"] ?? "")) > config.worker.shutdownGrace)
        #expect(try #require(Int(settings["LimitNOFILE"] ?? "")) > config.http.maxConnections)
        #expect(settings["ReadWritePaths"] == "/var/lib/importer")
        #expect(settings["ExecStart"]?.contains("--data-dir /var/lib/importer") == true)
        #expect(settings["Restart"] == "on-failure")
        #expect(settings["NoNewPrivileges"] == "yes")
    }
}
