import Foundation

/// A periodic task as configured (DESIGN.md §4): what to enqueue and when.
public struct ScheduleDefinition: Sendable, Equatable {
    public var name: String
    public var task: String
    public var args: [JSONValue]
    public var kwargs: [String: JSONValue]
    public var queue: String
    public var priority: Int
    public var spec: ScheduleSpec
    public var enabled: Bool

    public init(
        name: String, task: String, args: [JSONValue] = [], kwargs: [String: JSONValue] = [:], queue: String = "default",
        priority: Int = 5, spec: ScheduleSpec, enabled: Bool = true
    ) {
        self.name = name
        self.task = task
        self.args = args
        self.kwargs = kwargs
        self.queue = queue
        self.priority = priority
        self.spec = spec
        self.enabled = enabled
    }

    /// The configured definition as text: when it changes, the stored schedule is re-timed and
    /// an enable/disable made through the API stops applying.
    public var fingerprint: String {
        JSONValue.object([
            "task": .string(task), "args": .array(args), "kwargs": .object(kwargs), "queue": .string(queue),
            "priority": .int(Int64(priority)), "spec": .string(spec.storageText), "timezone": .string(spec.timeZone.identifier),
            "enabled": .bool(enabled),
        ]).jsonText
    }

    /// The job one run enqueues.
    public func job(runAt: Date? = nil) -> NewJob {
        NewJob(name: task, args: args, kwargs: kwargs, queue: queue, priority: priority, runAt: runAt)
    }
}

/// A schedule as stored: its definition, whether it is enabled now, and its runs.
public struct ScheduleRecord: Sendable, Equatable {
    public var name: String
    public var task: String
    public var queue: String
    public var priority: Int
    /// `every 300s` or the cron expression.
    public var spec: String
    public var timezone: String
    /// Enabled by the configuration, or by the API since the configuration last changed it.
    public var enabled: Bool
    /// False when the schedule is no longer in the configuration (then it is disabled).
    public var configured: Bool
    public var nextRun: Date?
    public var lastRun: Date?
    public var lastTaskID: String?

    public init(
        name: String, task: String, queue: String, priority: Int, spec: String, timezone: String, enabled: Bool,
        configured: Bool, nextRun: Date?, lastRun: Date?, lastTaskID: String?
    ) {
        self.name = name
        self.task = task
        self.queue = queue
        self.priority = priority
        self.spec = spec
        self.timezone = timezone
        self.enabled = enabled
        self.configured = configured
        self.nextRun = nextRun
        self.lastRun = lastRun
        self.lastTaskID = lastTaskID
    }
}

/// One enqueued run of a schedule.
public struct ScheduleRun: Sendable, Equatable {
    public var schedule: String
    public var due: Date
    public var taskID: String
}

extension ScheduleSpec {
    /// How the store keeps a spec: `every 300` or `cron <expression>` (the zone is its own column).
    public var storageText: String {
        switch self {
        case .every(let seconds): return "every \(seconds)"
        case .cron(let expression, _): return "cron \(expression.source)"
        }
    }

    public init(storageText: String, timezone: String) throws(ScheduleError) {
        if storageText.hasPrefix("every "), let seconds = TimeInterval(storageText.dropFirst(6)), seconds > 0 {
            self = .every(seconds)
        } else if storageText.hasPrefix("cron ") {
            self = try .cron(CronExpression(String(storageText.dropFirst(5))), Self.zone(timezone))
        } else {
            throw ScheduleError("'\(storageText)' is not a stored schedule")
        }
    }

    /// A named time zone from tzdata; an unknown name is an error.
    public static func zone(_ identifier: String) throws(ScheduleError) -> TimeZone {
        guard let zone = TimeZone(identifier: identifier) else {
            throw ScheduleError("unknown time zone '\(identifier)' (an IANA name such as Europe/Berlin; is tzdata installed?)")
        }
        return zone
    }
}
