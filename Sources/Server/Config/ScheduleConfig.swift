import Foundation
import TaskQueue

/// One entry of `schedules`, or the override of a built-in schedule in `builtin_schedules`
/// (DESIGN.md §4, §8): `{"name", "task", "args", "kwargs", "queue", "priority",
/// "every": <seconds> | "cron": "<expr>", "timezone", "enabled"}`. The timing is checked when
/// the configuration loads (an invalid expression or zone names the schedule); the task name
/// when the process starts (it needs the registry).
public struct ScheduleConfig: Sendable, Equatable {
    public var name: String
    public var task: String?
    public var args: [JSONValue]?
    public var kwargs: [String: JSONValue]?
    public var queue: String?
    public var priority: Int?
    public var spec: ScheduleSpec?
    public var enabled: Bool?

    static let fields: Set<String> = ["name", "task", "args", "kwargs", "queue", "priority", "every", "cron", "timezone", "enabled"]

    /// The `schedules` list: each entry needs a name, a task and a timing.
    static func list(_ value: JSONValue) throws(ConfigLoader.Invalid) -> [ScheduleConfig] {
        guard let list = value.arrayValue else { throw ConfigLoader.Invalid(reason: "must be a list of schedules") }
        var schedules: [ScheduleConfig] = []
        for (index, entry) in list.enumerated() {
            guard let object = entry.objectValue, let name = object["name"]?.stringValue, !name.isEmpty else {
                throw ConfigLoader.Invalid(reason: "entry \(index) must be an object with a non-empty \"name\"")
            }
            let schedule = try parse(object, name: name, label: "schedule '\(name)'")
            guard schedule.task != nil else { throw ConfigLoader.Invalid(reason: "schedule '\(name)' needs a \"task\"") }
            guard schedule.spec != nil else {
                throw ConfigLoader.Invalid(reason: "schedule '\(name)' needs \"every\" (seconds) or \"cron\"")
            }
            guard !schedules.contains(where: { $0.name == name }) else {
                throw ConfigLoader.Invalid(reason: "two schedules are named '\(name)'")
            }
            schedules.append(schedule)
        }
        return schedules
    }

    /// `builtin_schedules`: by built-in name, the fields that change it.
    static func builtins(_ value: JSONValue) throws(ConfigLoader.Invalid) -> [String: ScheduleConfig] {
        guard let object = value.objectValue else { throw ConfigLoader.Invalid(reason: "must be an object by schedule name") }
        var overrides: [String: ScheduleConfig] = [:]
        for (name, entry) in object {
            guard BuiltinSchedules.names.contains(name) else {
                throw ConfigLoader.Invalid(
                    reason: "'\(name)' is not a built-in schedule (built-in: \(BuiltinSchedules.names.joined(separator: ", ")))")
            }
            guard let fields = entry.objectValue else { throw ConfigLoader.Invalid(reason: "'\(name)' must be an object") }
            overrides[name] = try parse(fields, name: name, label: "built-in schedule '\(name)'")
        }
        return overrides
    }

    private static func parse(_ object: [String: JSONValue], name: String, label: String) throws(ConfigLoader.Invalid)
        -> ScheduleConfig
    {
        func invalid(_ reason: String) -> ConfigLoader.Invalid { ConfigLoader.Invalid(reason: "\(label): \(reason)") }
        if let unknown = object.keys.sorted().first(where: { !fields.contains($0) }) {
            throw invalid("unknown field '\(unknown)' (known: \(fields.sorted().joined(separator: ", ")))")
        }
        var schedule = ScheduleConfig(name: name)
        if let task = object["task"] {
            guard let text = task.stringValue, !text.isEmpty else { throw invalid("\"task\" must be a task name") }
            schedule.task = text
        }
        if let args = object["args"] {
            guard let list = args.arrayValue else { throw invalid("\"args\" must be a list") }
            schedule.args = list
        }
        if let kwargs = object["kwargs"] {
            guard let map = kwargs.objectValue else { throw invalid("\"kwargs\" must be an object") }
            schedule.kwargs = map
        }
        if let queue = object["queue"] {
            guard let text = queue.stringValue, !text.isEmpty else { throw invalid("\"queue\" must be a queue name") }
            schedule.queue = text
        }
        if let priority = object["priority"] {
            guard let number = priority.intValue, (0...9).contains(number) else { throw invalid("\"priority\" must be 0–9") }
            schedule.priority = number
        }
        if let enabled = object["enabled"] {
            guard let flag = enabled.boolValue else { throw invalid("\"enabled\" must be true or false") }
            schedule.enabled = flag
        }
        let timezone = object["timezone"].map { $0.stringValue ?? "" } ?? "UTC"
        switch (object["every"], object["cron"]) {
        case (.some, .some):
            throw invalid("give \"every\" or \"cron\", not both")
        case (let every?, nil):
            guard let seconds = every.doubleValue, seconds.isFinite, seconds >= 1 else {
                throw invalid("\"every\" must be a number of seconds ≥ 1")
            }
            guard object["timezone"] == nil else { throw invalid("\"timezone\" applies to \"cron\" only") }
            schedule.spec = .every(seconds)
        case (nil, let cron?):
            guard let text = cron.stringValue else { throw invalid("\"cron\" must be a string") }
            do throws(ScheduleError) {
                let expression = try CronExpression(text)
                let spec = ScheduleSpec.cron(expression, try ScheduleSpec.zone(timezone))
                guard spec.next(after: Date()) != nil else { throw ScheduleError("'\(text)' never matches a date") }
                schedule.spec = spec
            } catch {
                throw invalid(error.message)
            }
        case (nil, nil):
            guard object["timezone"] == nil else { throw invalid("\"timezone\" applies to \"cron\" only") }
        }
        return schedule
    }
}

/// The schedules every installation has (DESIGN.md §4), before `builtin_schedules` changes them.
public enum BuiltinSchedules {
    public static let cleanupOldImports = "cleanup_old_imports"
    public static let resultExpiry = "result_expiry"
    static let names = [cleanupOldImports, resultExpiry]

    /// The built-ins with their overrides, then the configured schedules: definitions for beat.
    /// Throws naming the schedule whose task is not registered (or whose name is taken).
    public static func definitions(
        builtins overrides: [String: ScheduleConfig], schedules: [ScheduleConfig], client: QueueClient
    ) throws(ConfigError) -> [ScheduleDefinition] {
        let defaults = [
            ScheduleConfig(
                name: cleanupOldImports, task: "app.tasks.product_tasks.cleanup_old_imports", spec: .every(3600), enabled: true),
            ScheduleConfig(name: resultExpiry, task: ResultExpiryTask.name, spec: .every(300), enabled: true),
        ]
        var definitions: [ScheduleDefinition] = []
        for base in defaults {
            var merged = base
            if let change = overrides[base.name] {
                merged.task = change.task ?? base.task
                merged.args = change.args ?? base.args
                merged.kwargs = change.kwargs ?? base.kwargs
                merged.queue = change.queue ?? base.queue
                merged.priority = change.priority ?? base.priority
                merged.spec = change.spec ?? base.spec
                merged.enabled = change.enabled ?? base.enabled
            }
            definitions.append(try definition(merged, key: "builtin_schedules", client: client))
        }
        for schedule in schedules {
            guard !names.contains(schedule.name) else {
                throw ConfigError(
                    key: "schedules", reason: "'\(schedule.name)' is a built-in schedule's name: change it under builtin_schedules")
            }
            definitions.append(try definition(schedule, key: "schedules", client: client))
        }
        return definitions
    }

    private static func definition(_ schedule: ScheduleConfig, key: String, client: QueueClient) throws(ConfigError)
        -> ScheduleDefinition
    {
        let task = schedule.task ?? ""
        guard client.registry.task(named: task) != nil else {
            throw ConfigError(key: key, reason: "schedule '\(schedule.name)': the task '\(task)' is not registered")
        }
        return ScheduleDefinition(
            name: schedule.name, task: task, args: schedule.args ?? [], kwargs: schedule.kwargs ?? [:],
            queue: schedule.queue ?? client.queue(for: task), priority: schedule.priority ?? 5, spec: schedule.spec ?? .every(3600),
            enabled: schedule.enabled ?? true)
    }
}
