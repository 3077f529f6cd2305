import Foundation
import PostgresSupport
import SQLiteSupport
import TaskQueue

/// Loads `AppConfig` as DESIGN.md §8 says: `config.json` in the working directory if present
/// (or the `--config` file), then `IMPORTER_<UPPER_SNAKE_KEY>` variables (nested values as
/// JSON), then command-line flags. Unknown keys and invalid values are errors naming the key;
/// file keys starting with `//` are comments.
public enum ConfigLoader {
    /// Where a value came from, for error messages.
    private enum Source {
        case file(String), environment(String), flag(String)

        func name(_ key: String) -> String {
            switch self {
            case .file: return key
            case .environment(let variable): return variable
            case .flag(let flag): return flag
            }
        }
    }

    public static let environmentPrefix = "IMPORTER_"
    /// `IMPORTER_TEST_*` variables belong to the test suite (`IMPORTER_TEST_DATABASE_URL`): the
    /// processes the tests start inherit them, and they are not settings.
    public static let testPrefix = "IMPORTER_TEST_"
    /// Keys starting with `//` in a configuration file are comments (JSON has none).
    public static let commentPrefix = "//"

    /// - Parameters:
    ///   - file: the `--config` path; nil looks for `config.json` in `directory`.
    ///   - flags: values given on the command line, by config key.
    public static func load(
        file: String?, environment: [String: String], flags: [String: JSONValue] = [:],
        directory: String = FileManager.default.currentDirectoryPath
    ) throws(ConfigError) -> AppConfig {
        var config = AppConfig()
        if let (path, object) = try readFile(file, directory: directory) {
            for (key, value) in object.sorted(by: { $0.key < $1.key }) where !key.hasPrefix(commentPrefix) {
                try apply(key: key, value: value, to: &config, source: .file(path))
            }
        }
        for (variable, text) in environment.sorted(by: { $0.key < $1.key })
        where variable.hasPrefix(environmentPrefix) && !variable.hasPrefix(testPrefix) {
            let key = String(variable.dropFirst(environmentPrefix.count)).lowercased()
            guard Self.keys[key] != nil else {
                throw ConfigError(key: variable, reason: "unknown setting (known: \(knownKeys.joined(separator: ", ")))")
            }
            try apply(key: key, value: environmentValue(text, key: key), to: &config, source: .environment(variable))
        }
        for (key, value) in flags.sorted(by: { $0.key < $1.key }) {
            try apply(key: key, value: value, to: &config, source: .flag("--" + key.replacingOccurrences(of: "_", with: "-")))
        }
        return config
    }

    public static var knownKeys: [String] { keys.keys.sorted() }

    private static func readFile(_ file: String?, directory: String) throws(ConfigError) -> (String, [String: JSONValue])? {
        let path: String
        if let file {
            path = file
        } else {
            path = (directory as NSString).appendingPathComponent("config.json")
            guard FileManager.default.fileExists(atPath: path) else { return nil }
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(key: path, reason: "the configuration file cannot be read")
        }
        guard let value = try? JSONValue(parsing: data), let object = value.objectValue else {
            throw ConfigError(key: path, reason: "the configuration file is not a JSON object")
        }
        return (path, object)
    }

    /// Strings stay strings for string keys; everything else is read as JSON.
    private static func environmentValue(_ text: String, key: String) -> JSONValue {
        if stringKeys.contains(key) { return .string(text) }
        return (try? JSONValue(parsing: text)) ?? .string(text)
    }

    private static func apply(key: String, value: JSONValue, to config: inout AppConfig, source: Source) throws(ConfigError) {
        guard let setter = keys[key] else {
            throw ConfigError(key: source.name(key), reason: "unknown setting (known: \(knownKeys.joined(separator: ", ")))")
        }
        do {
            try setter(&config, value)
        } catch {
            throw ConfigError(key: source.name(key), reason: error.reason)
        }
    }

    struct Invalid: Error {
        let reason: String
    }

    private typealias Setter = @Sendable (inout AppConfig, JSONValue) throws(Invalid) -> Void

    private static let stringKeys: Set<String> = [
        "data_dir", "database_url", "log_level", "log_format", "synchronous", "host", "auth_token", "tls_cert_file", "tls_key_file",
    ]

    private static let keys: [String: Setter] = [
        "data_dir": { config, value throws(Invalid) in config.dataDir = try nonEmptyString(value) },
        "database_url": { config, value throws(Invalid) in
            guard value != .null else { return config.databaseURL = nil }
            let text = try nonEmptyString(value)
            do throws(PostgresURLError) { config.databaseURL = try PostgresURL(parsing: text) } catch { throw Invalid(reason: error.message) }
        },
        "host": { config, value throws(Invalid) in config.http.host = try nonEmptyString(value) },
        "port": { config, value throws(Invalid) in config.http.port = try integer(value, in: 0...65535) },
        "auth_token": { config, value throws(Invalid) in
            guard value != .null else { return config.http.authToken = nil }
            let token = try nonEmptyString(value)
            guard token.utf8.count >= 16 else { throw Invalid(reason: "must have at least 16 characters") }
            config.http.authToken = token
        },
        "auth_read": { config, value throws(Invalid) in config.http.authRead = try boolean(value) },
        "max_body_bytes": { config, value throws(Invalid) in config.http.maxBodyBytes = try integer(value, in: 1024...(1 << 30)) },
        "ui": { config, value throws(Invalid) in config.http.ui = try boolean(value) },
        "http_idle_timeout": { config, value throws(Invalid) in config.http.idleTimeout = try seconds(value, max: 86_400) },
        "max_connections": { config, value throws(Invalid) in config.http.maxConnections = try integer(value, in: 1...1_000_000) },
        "tls_cert_file": { config, value throws(Invalid) in config.http.tlsCertFile = value == .null ? nil : try nonEmptyString(value) },
        "tls_key_file": { config, value throws(Invalid) in config.http.tlsKeyFile = value == .null ? nil : try nonEmptyString(value) },
        "max_upload_bytes": { config, value throws(Invalid) in config.http.maxUploadBytes = try integer(value, in: 1...(1 << 40)) },
        "log_level": { config, value throws(Invalid) in config.logLevel = try choice(value) },
        "log_format": { config, value throws(Invalid) in config.logFormat = try choice(value) },
        "synchronous": { config, value throws(Invalid) in
            guard let text = value.stringValue, let mode = SQLiteOptions.Synchronous(rawValue: text.uppercased()) else {
                throw Invalid(reason: "must be \"normal\" or \"full\"")
            }
            config.synchronous = mode
        },
        "worker_pools": { config, value throws(Invalid) in config.worker.pools = try pools(value) },
        "concurrency": { config, value throws(Invalid) in config.concurrency = try integer(value, in: 1...256) },
        "task_routes": { config, value throws(Invalid) in config.taskRoutes = try stringMap(value) },
        "visibility_timeout": { config, value throws(Invalid) in config.queue.visibilityTimeout = try seconds(value) },
        "max_deliveries": { config, value throws(Invalid) in config.queue.maxDeliveries = try integer(value, in: 1...1000) },
        "poll_interval": { config, value throws(Invalid) in config.worker.pollInterval = try seconds(value, max: 60) },
        "max_retries": { config, value throws(Invalid) in config.worker.defaultRetry.maxRetries = try integer(value, in: 0...1000) },
        "retry_delay": { config, value throws(Invalid) in config.worker.defaultRetry.delay = try seconds(value, allowZero: true) },
        "retry_backoff": { config, value throws(Invalid) in config.worker.defaultRetry.backoff = try boolean(value) },
        "retry_jitter": { config, value throws(Invalid) in config.worker.defaultRetry.jitter = try boolean(value) },
        "result_expires": { config, value throws(Invalid) in config.queue.resultExpires = try seconds(value) },
        "failure_retention": { config, value throws(Invalid) in config.queue.failureRetention = try seconds(value) },
        "stats_retention": { config, value throws(Invalid) in config.queue.statsRetention = try seconds(value) },
        "shutdown_grace": { config, value throws(Invalid) in config.worker.shutdownGrace = try seconds(value, allowZero: true) },
        "soft_time_limit": { config, value throws(Invalid) in config.worker.softTimeLimit = try seconds(value) },
        "time_limit": { config, value throws(Invalid) in config.worker.timeLimit = try seconds(value) },
        "max_runaway_tasks": { config, value throws(Invalid) in config.worker.maxRunawayTasks = try integer(value, in: 0...1000) },
        "max_payload_bytes": { config, value throws(Invalid) in
            config.queue.maxPayloadBytes = try integer(value, in: 64...(1 << 30))
        },
        "enable_test_tasks": { config, value throws(Invalid) in config.enableTestTasks = try boolean(value) },
        "csv_max_field_bytes": { config, value throws(Invalid) in
            config.catalog.importDefaults.maxFieldBytes = try integer(value, in: 1024...(64 << 20))
        },
        "import_batch_rows": { config, value throws(Invalid) in config.catalog.importDefaults.batchRows = try integer(value, in: 1...1_000_000) },
        "import_retention": { config, value throws(Invalid) in config.catalog.importRetention = try seconds(value) },
        "keep_uploads": { config, value throws(Invalid) in config.catalog.keepUploads = try boolean(value) },
        "rate_limits": { config, value throws(Invalid) in config.worker.rateLimits = try rateLimits(value) },
        "webhook_retry_base": { config, value throws(Invalid) in config.catalog.webhooks.retryBase = try seconds(value, max: 86_400) },
        "webhook_retry_factor": { config, value throws(Invalid) in
            guard let factor = value.doubleValue, factor.isFinite, (1...100).contains(factor) else {
                throw Invalid(reason: "must be a number from 1 to 100")
            }
            config.catalog.webhooks.retryFactor = factor
        },
        "webhook_retry_cap": { config, value throws(Invalid) in config.catalog.webhooks.retryCap = try seconds(value, max: 86_400) },
        "webhook_block_private": { config, value throws(Invalid) in config.catalog.webhooks.blockPrivate = try boolean(value) },
        "webhook_auto_disable_after": { config, value throws(Invalid) in
            config.catalog.webhooks.autoDisableAfter = try integer(value, in: 0...1_000_000)
        },
        "webhook_log_retention": { config, value throws(Invalid) in config.catalog.webhooks.logRetention = try seconds(value) },
        "schedules": { config, value throws(Invalid) in config.schedules = try ScheduleConfig.list(value) },
        "builtin_schedules": { config, value throws(Invalid) in config.builtinSchedules = try ScheduleConfig.builtins(value) },
    ]

    private static func nonEmptyString(_ value: JSONValue) throws(Invalid) -> String {
        guard let text = value.stringValue, !text.isEmpty else { throw Invalid(reason: "must be a non-empty string") }
        return text
    }

    private static func choice<T: RawRepresentable & CaseIterable>(_ value: JSONValue) throws(Invalid) -> T
    where T.RawValue == String {
        guard let text = value.stringValue, let choice = T(rawValue: text.lowercased()) else {
            throw Invalid(reason: "must be one of \(T.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))")
        }
        return choice
    }

    private static func boolean(_ value: JSONValue) throws(Invalid) -> Bool {
        guard let flag = value.boolValue else { throw Invalid(reason: "must be true or false") }
        return flag
    }

    private static func integer(_ value: JSONValue, in range: ClosedRange<Int>) throws(Invalid) -> Int {
        guard let number = value.intValue, range.contains(number) else {
            throw Invalid(reason: "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    private static func seconds(_ value: JSONValue, allowZero: Bool = false, max: Double = 10 * 365 * 86_400)
        throws(Invalid) -> TimeInterval
    {
        guard let number = value.doubleValue, number.isFinite, allowZero ? number >= 0 : number > 0, number <= max else {
            throw Invalid(reason: "must be a number of seconds \(allowZero ? "≥ 0" : "> 0") and at most \(Int(max))")
        }
        return number
    }

    private static func stringMap(_ value: JSONValue) throws(Invalid) -> [String: String] {
        guard let object = value.objectValue else { throw Invalid(reason: "must be an object of strings") }
        var map: [String: String] = [:]
        for (key, entry) in object {
            guard let text = entry.stringValue, !text.isEmpty else {
                throw Invalid(reason: "the value for \"\(key)\" must be a non-empty string")
            }
            map[key] = text
        }
        return map
    }

    private static func rateLimits(_ value: JSONValue) throws(Invalid) -> [String: RateLimit] {
        guard let object = value.objectValue else { throw Invalid(reason: "must be an object: task name → \"N/s\", \"N/m\" or \"N/h\"") }
        var limits: [String: RateLimit] = [:]
        for (name, entry) in object {
            do {
                limits[name] = try RateLimit(entry.stringValue ?? "")
            } catch {
                throw Invalid(reason: "the limit for \"\(name)\": \(error.message)")
            }
        }
        return limits
    }

    private static func pools(_ value: JSONValue) throws(Invalid) -> [WorkerInfo.Pool] {
        guard let list = value.arrayValue, !list.isEmpty else {
            throw Invalid(reason: "must be a non-empty list of {\"queues\": [...], \"concurrency\": N}")
        }
        var pools: [WorkerInfo.Pool] = []
        for (index, entry) in list.enumerated() {
            guard let object = entry.objectValue, Set(object.keys).isSubset(of: ["queues", "concurrency"]),
                let queues = object["queues"]?.arrayValue?.compactMap(\.stringValue),
                !queues.isEmpty, queues.count == object["queues"]?.arrayValue?.count,
                queues.allSatisfy({ !$0.isEmpty }),
                let concurrency = object["concurrency"]?.intValue, (1...256).contains(concurrency)
            else {
                throw Invalid(
                    reason: "entry \(index) must be {\"queues\": [non-empty names], \"concurrency\": 1–256}")
            }
            pools.append(WorkerInfo.Pool(queues: queues, concurrency: concurrency))
        }
        return pools
    }
}
