import Foundation

/// `scripts/webhook_receiver.py` as a process of the test: it verifies the signatures with
/// Python's hmac and logs every request; stopped by its pid.
final class WebhookReceiver {
    let process = Process()
    let directory: String
    let port: Int

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("hooks-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/webhook_receiver.py")
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, directory, "0"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        guard let port = Int(line.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            process.terminate()
            throw ReceiverError(description: "the receiver did not print its port: '\(line)'")
        }
        self.port = port
    }

    deinit {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: directory)
    }

    func url(_ inbox: String, _ mode: String = "ok") -> String { "http://127.0.0.1:\(port)/\(inbox)/\(mode)" }

    /// The secret the receiver verifies `inbox`'s requests with.
    func setSecret(_ secret: String, for inbox: String) throws {
        try secret.write(toFile: directory + "/\(inbox).secret", atomically: true, encoding: .utf8)
    }

    /// Every request `inbox` received, in order.
    func records(_ inbox: String) -> [[String: Any]] {
        guard let text = try? String(contentsOfFile: directory + "/\(inbox).jsonl", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
    }

    struct ReceiverError: Error, CustomStringConvertible {
        let description: String
    }
}
