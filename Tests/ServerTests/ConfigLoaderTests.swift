import Foundation
import PostgresSupport
import Logging
import Testing

@testable import Server
@testable import TaskQueue

@Suite struct ConfigLoaderTests {
    private func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cfg-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func defaultsWithNoFileNoEnvironment() throws {
        let directory = try temporaryDirectory()
        let config = try ConfigLoader.load(file: nil, environment: ["HOME": "/root"], directory: directory)
        #expect(config == AppConfig())
        #expect(config.dataDir == "./data")
        #expect(config.queue.visibilityTimeout == 30)
        #expect(config.pools() == WorkerConfiguration.defaultPools)
    }

    @Test func fileThenEnvironmentThenFlags() throws {
        // Given config.json in the working directory
        let directory = try temporaryDirectory()
        try #"{"visibility_timeout": 10, "max_retries": 1, "data_dir": "/from/file", "task_routes": {"x": "q"}}"#
            .write(toFile: directory + "/config.json", atomically: true, encoding: .utf8)
        // When the environment and flags override parts of it
        let config = try ConfigLoader.load(
            file: nil,
            environment: ["IMPORTER_VISIBILITY_TIMEOUT": "20", "IMPORTER_DATA_DIR": "/from/env",
                          "IMPORTER_WORKER_POOLS": #"[{"queues": ["a", "b"], "concurrency": 3}]"#],
            flags: ["data_dir": "/from/flag"], directory: directory)
        // Then the last source wins, key by key
        #expect(config.queue.visibilityTimeout == 20)
        #expect(config.worker.defaultRetry.maxRetries == 1)
        #expect(config.dataDir == "/from/flag")
        #expect(config.taskRoutes == ["x": "q"])
        #expect(config.worker.pools == [WorkerInfo.Pool(queues: ["a", "b"], concurrency: 3)])
    }

    @Test func explicitConfigFileMustExist() throws {
        #expect(throws: ConfigError.self) {
            try ConfigLoader.load(file: "/nonexistent/config.json", environment: [:])
        }
    }

    @Test(arguments: [
        (#"{"bogus": 1}"#, "bogus"),
        (#"{"visibility_timeout": -1}"#, "visibility_timeout"),
        (#"{"visibility_timeout": "x"}"#, "visibility_timeout"),
        (#"{"synchronous": "sometimes"}"#, "synchronous"),
        (#"{"worker_pools": [{"queues": [], "concurrency": 1}]}"#, "worker_pools"),
        (#"{"worker_pools": [{"queues": ["a"], "concurrency": 0}]}"#, "worker_pools"),
        (#"{"max_deliveries": 1.5}"#, "max_deliveries"),
        (#"{"enable_test_tasks": "yes"}"#, "enable_test_tasks"),
        (#"{"log_format": "xml"}"#, "log_format"),
        (#"{"schedules": {}}"#, "schedules"),
        (#"{"schedules": [{"task": "t", "every": 5}]}"#, "schedules"),
        (#"{"builtin_schedules": {"nightly": {"every": 5}}}"#, "builtin_schedules"),
        (#"{"database_url": "mysql://u@h/db"}"#, "database_url"),
        (#"{"database_url": "postgres://u@h"}"#, "database_url"),
        (#"{"database_url": "postgres://u@h/db?sslmode=always"}"#, "database_url"),
        (#"{"database_url": "postgres://u@h/db?schema=Public-1"}"#, "database_url"),
        (#"{"database_url": "postgres://u@h/db?pool_size=0"}"#, "database_url"),
        (#"{"database_url": "postgres://u@h/db?timeout=5"}"#, "database_url"),
    ])
    func badFileValuesNameTheKey(json: String, key: String) throws {
        let directory = try temporaryDirectory()
        try json.write(toFile: directory + "/config.json", atomically: true, encoding: .utf8)
        #expect(throws: ConfigError.self) { try ConfigLoader.load(file: nil, environment: [:], directory: directory) }
        do {
            _ = try ConfigLoader.load(file: nil, environment: [:], directory: directory)
        } catch {
            #expect(error.key == key)
            #expect(error.description.contains(key))
        }
    }

    @Test func databaseURLFromTheEnvironmentWithEveryOption() throws {
        let directory = try temporaryDirectory()
        let config = try ConfigLoader.load(
            file: nil,
            environment: ["IMPORTER_DATABASE_URL": "postgresql://app:s%40cret@db.example:6543/shop?sslmode=require&schema=tenant_1&pool_size=25"],
            directory: directory)
        #expect(
            config.databaseURL
                == PostgresURL(
                    host: "db.example", port: 6543, user: "app", password: "s@cret", database: "shop", sslMode: .require,
                    schema: "tenant_1", poolSize: 25))
        // The password never reaches what is printed or reported.
        #expect(!"\(config.databaseURL!)".contains("cret"))
        #expect(!"\(config.brokerDescription)".contains("cret"))
        let defaults = try ConfigLoader.load(file: nil, environment: ["IMPORTER_DATABASE_URL": "postgres://h/db"], directory: directory)
        #expect(defaults.databaseURL == PostgresURL(host: "h", user: "postgres", database: "db"))
        #expect(try ConfigLoader.load(file: nil, environment: [:], directory: directory).databaseURL == nil)
        // The test suite's own variables are not settings (the processes it starts inherit them).
        let tests = ["IMPORTER_TEST_DATABASE_URL": "postgres://h/db", "IMPORTER_TEST_REQUIRE_POSTGRES": "1"]
        #expect(try ConfigLoader.load(file: nil, environment: tests, directory: directory).databaseURL == nil)
    }

    @Test func unknownOrBadEnvironmentVariablesNameTheVariable() throws {
        let directory = try temporaryDirectory()
        for (variable, value) in [("IMPORTER_NOPE", "1"), ("IMPORTER_POLL_INTERVAL", "soon")] {
            do {
                _ = try ConfigLoader.load(file: nil, environment: [variable: value], directory: directory)
                Issue.record("\(variable) accepted")
            } catch {
                #expect(error.key == variable)
            }
        }
    }

    @Test func notJSONIsAClearError() throws {
        let directory = try temporaryDirectory()
        try "{not json".write(toFile: directory + "/config.json", atomically: true, encoding: .utf8)
        #expect(throws: ConfigError.self) { try ConfigLoader.load(file: nil, environment: [:], directory: directory) }
    }

    @Test func concurrencyResizesTheDefaultPoolOrRunsOnePoolWithQueues() throws {
        var config = AppConfig()
        config.concurrency = 5
        #expect(
            config.pools() == [
                .init(queues: ["imports"], concurrency: 1), .init(queues: ["default"], concurrency: 5),
                .init(queues: ["webhooks"], concurrency: 4),
            ])
        #expect(config.pools(queues: ["a", "b"]) == [.init(queues: ["a", "b"], concurrency: 5)])
    }

    @Test func exampleFileListsEveryKeyWithItsDefault() throws {
        // config.example.json at the top level documents every key: loading it gives the defaults.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let path = root.appendingPathComponent("config.example.json").path
        let config = try ConfigLoader.load(file: path, environment: [:])
        var expected = AppConfig()
        expected.concurrency = 2
        #expect(config == expected)
        let keys = try #require(try JSONValue(parsing: Data(contentsOf: URL(fileURLWithPath: path))).objectValue?.keys)
        #expect(keys.filter { !$0.hasPrefix("//") }.sorted() == ConfigLoader.knownKeys)
        // Every key has its meaning next to it.
        #expect(keys.filter { $0.hasPrefix("// ") }.map { String($0.dropFirst(3)) }.sorted() == ConfigLoader.knownKeys)
    }

    @Test(arguments: [
        (#"{"name": "n", "task": "t", "cron": "61 * * * *"}"#, "schedule 'n': '61' is not a valid minute"),
        (#"{"name": "n", "task": "t", "cron": "0 3 * * *", "timezone": "Mars/Base"}"#, "schedule 'n': unknown time zone 'Mars/Base'"),
        (#"{"name": "n", "task": "t"}"#, "schedule 'n' needs \"every\" (seconds) or \"cron\""),
        (#"{"name": "n", "task": "t", "every": 5, "cron": "@daily"}"#, "not both"),
        (#"{"name": "n", "task": "t", "every": 0.5}"#, "≥ 1"),
        (#"{"name": "n", "task": "t", "cron": "0 0 30 2 *"}"#, "never matches"),
        (#"{"name": "n", "task": "t", "every": 5, "colour": "red"}"#, "unknown field 'colour'"),
        (#"{"name": "n", "task": "t", "every": 5, "priority": 12}"#, "0–9"),
    ])
    func badSchedulesNameTheScheduleAndSayWhy(entry: String, message: String) throws {
        let directory = try temporaryDirectory()
        try #"{"schedules": [\#(entry)]}"#.write(toFile: directory + "/config.json", atomically: true, encoding: .utf8)
        #expect {
            try ConfigLoader.load(file: nil, environment: [:], directory: directory)
        } throws: { error in
            (error as? ConfigError)?.key == "schedules" && "\(error)".contains(message)
        }
    }

    @Test func schedulesBecomeDefinitionsAfterTheBuiltIns() throws {
        let directory = try temporaryDirectory()
        try #"""
            {"schedules": [{"name": "nightly", "task": "app.tasks.product_tasks.test_task", "cron": "30 2 * * *",
                            "timezone": "Europe/Berlin", "kwargs": {"a": 1}, "priority": 9}],
             "builtin_schedules": {"result_expiry": {"every": 60}, "cleanup_old_imports": {"enabled": false}},
             "data_dir": "\#(directory)/data"}
            """#.write(toFile: directory + "/config.json", atomically: true, encoding: .utf8)
        let config = try ConfigLoader.load(file: nil, environment: [:], directory: directory)
        let context = try Appliance.build(config: config, roles: .command, logger: Logger(label: "test")).context
        let byName = Dictionary(uniqueKeysWithValues: context.schedules.map { ($0.name, $0) })
        #expect(context.schedules.map(\.name) == ["cleanup_old_imports", "result_expiry", "nightly"])
        #expect(byName["result_expiry"]?.spec == .every(60))
        #expect(byName["result_expiry"]?.task == ResultExpiryTask.name)
        #expect(byName["cleanup_old_imports"]?.enabled == false)
        #expect(byName["nightly"]?.spec.description == "30 2 * * *")
        #expect(byName["nightly"]?.spec.timeZone.identifier == "Europe/Berlin")
        #expect(byName["nightly"]?.priority == 9)
        #expect(byName["nightly"]?.queue == "default")
    }

    @Test func aScheduleOfAnUnregisteredTaskIsAStartUpError() throws {
        var config = AppConfig()
        config.dataDir = try temporaryDirectory()
        config.schedules = [ScheduleConfig(name: "typo", task: "app.tasks.nope", spec: .every(5))]
        #expect {
            try Appliance.build(config: config, roles: .command, logger: Logger(label: "test"))
        } throws: { error in
            "\(error)".contains("schedule 'typo': the task 'app.tasks.nope' is not registered")
        }
    }
}
