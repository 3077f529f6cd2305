import Foundation
import Logging
import Synchronization
import TaskQueue

/// Writes one log line per event to standard error: `text` (time, level, message, key=value)
/// or `json` (one object per line), as `log_format` asks.
public struct LineLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let format: AppConfig.LogFormat
    private static let output = Mutex(())

    public init(label: String, level: Logger.Level, format: AppConfig.LogFormat) {
        self.label = label
        self.logLevel = level
        self.format = format
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra, uniquingKeysWith: { _, new in new }) }
        let time = ISO8601.string(Date())
        let line: String
        switch format {
        case .text:
            let pairs = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            line = "\(time) \(event.level) \(event.message)\(pairs.isEmpty ? "" : " " + pairs)\n"
        case .json:
            var object: [String: JSONValue] = [
                "time": .string(time), "level": .string("\(event.level)"), "message": .string("\(event.message)"),
                "logger": .string(label),
            ]
            for (key, value) in merged { object[key] = .string("\(value)") }
            line = JSONValue.object(object).jsonText + "\n"
        }
        Self.output.withLock { _ in Console.error(line) }
    }

    /// Routes every logger of the process through this handler.
    public static func bootstrap(level: AppConfig.LogLevel, format: AppConfig.LogFormat) {
        let level = Logger.Level(rawValue: level.rawValue) ?? .info
        LoggingSystem.bootstrap { label in LineLogHandler(label: label, level: level, format: format) }
    }
}
