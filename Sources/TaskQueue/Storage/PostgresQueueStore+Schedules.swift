import Foundation
import PostgresNIO
import PostgresSupport

/// Beat's storage on PostgreSQL: a due time is enqueued by whoever inserts its
/// `(schedule, due)` row first (`ON CONFLICT DO NOTHING` in the enqueue's transaction), so a run
/// is enqueued exactly once however many processes on however many hosts run a beat.
extension PostgresQueueStore {
    public func syncSchedules(_ definitions: [ScheduleDefinition]) async throws {
        let now = clock.now()
        try await transaction { session in
            // One beat at a time re-reads and rewrites the definitions.
            try session.execute("LOCK TABLE schedules IN SHARE ROW EXCLUSIVE MODE")
            var fingerprints: [String: String] = [:]
            for row in try session.query("SELECT name, fingerprint FROM schedules") {
                fingerprints[try row.get("name")] = try row.get("fingerprint")
            }
            for definition in definitions {
                let fingerprint = definition.fingerprint
                if fingerprints[definition.name] == fingerprint {
                    try session.execute("UPDATE schedules SET configured = true WHERE name = \(definition.name)")
                    continue
                }
                // New or changed in the configuration: (re)timed from now, the configuration wins.
                let next = definition.spec.next(after: now)?.timeIntervalSince1970
                let args = JSONValue.array(definition.args).jsonText
                let kwargs = JSONValue.object(definition.kwargs).jsonText
                try session.execute(
                    """
                    INSERT INTO schedules (name, task, args, kwargs, queue, priority, spec, timezone, fingerprint,
                        config_enabled, override_enabled, configured, next_run, created_at)
                    VALUES (\(definition.name), \(definition.task), \(args), \(kwargs), \(definition.queue), \(definition.priority),
                        \(definition.spec.storageText), \(definition.spec.timeZone.identifier), \(fingerprint), \(definition.enabled),
                        NULL, true, \(next), \(now.timeIntervalSince1970))
                    ON CONFLICT (name) DO UPDATE SET task = excluded.task, args = excluded.args, kwargs = excluded.kwargs,
                        queue = excluded.queue, priority = excluded.priority, spec = excluded.spec, timezone = excluded.timezone,
                        fingerprint = excluded.fingerprint, config_enabled = excluded.config_enabled, override_enabled = NULL,
                        configured = true, next_run = excluded.next_run
                    """)
            }
            // Removed from the configuration: kept, disabled.
            let names = Set(definitions.map(\.name))
            for name in fingerprints.keys where !names.contains(name) {
                try session.execute("UPDATE schedules SET configured = false WHERE name = \(name)")
            }
        }
    }

    public func schedules() async throws -> [ScheduleRecord] {
        try await session { session in try session.query("SELECT * FROM schedules ORDER BY name").map(Self.scheduleRecord) }
    }

    public func nextScheduleDue() async throws -> Date? {
        try await session { session in
            try session.first("SELECT MIN(next_run) AS due FROM schedules WHERE \(unescaped: Self.effectivelyEnabled)")?
                .get("due", as: Double?.self)
        }.map(Date.init(timeIntervalSince1970:))
    }

    public func fireDueSchedules() async throws -> [ScheduleRun] {
        let now = clock.now()
        let due = try await session { session in
            try session.query(
                """
                SELECT name, next_run FROM schedules WHERE \(unescaped: Self.effectivelyEnabled) AND next_run <= \(now.timeIntervalSince1970)
                ORDER BY next_run
                """
            ).map { (name: try $0.get("name", as: String.self), due: try $0.get("next_run", as: Double.self)) }
        }
        var runs: [ScheduleRun] = []
        for (name, dueTime) in due {
            if let run = try await fire(name: name, due: dueTime, now: now) { runs.append(run) }
        }
        return runs
    }

    /// One due run, in one transaction: claim the (schedule, due) row, enqueue, move the
    /// schedule on. Another process that got there first leaves nothing to do.
    private func fire(name: String, due: Double, now: Date) async throws -> ScheduleRun? {
        try await transaction { session -> ScheduleRun? in
            guard
                let row = try session.first(
                    """
                    SELECT * FROM schedules WHERE name = \(name) AND next_run = \(due) AND \(unescaped: Self.effectivelyEnabled)
                    FOR UPDATE
                    """)
            else { return nil }
            let spec = try ScheduleSpec(storageText: try row.get("spec"), timezone: try row.get("timezone"))
            let next = spec.next(afterDue: Date(timeIntervalSince1970: due), now: now)?.timeIntervalSince1970
            let inserted = try session.execute(
                "INSERT INTO schedule_runs (schedule, due, task_id) VALUES (\(name), \(due), '') ON CONFLICT DO NOTHING")
            guard inserted == 1 else {
                // This due time was enqueued already: only move on.
                try session.execute("UPDATE schedules SET next_run = \(next) WHERE name = \(name)")
                return nil
            }
            let id = try Self.insertJob(
                session, try Self.scheduledJob(row), args: try row.get("args"), kwargs: try row.get("kwargs"), now: now, notify: true)
            try session.execute("UPDATE schedule_runs SET task_id = \(id) WHERE schedule = \(name) AND due = \(due)")
            try session.execute(
                "UPDATE schedules SET next_run = \(next), last_run = \(now.timeIntervalSince1970), last_task_id = \(id) WHERE name = \(name)")
            return ScheduleRun(schedule: name, due: Date(timeIntervalSince1970: due), taskID: id)
        }
    }

    public func runScheduleNow(name: String) async throws -> ScheduleRun? {
        let now = clock.now()
        return try await transaction { session -> ScheduleRun? in
            guard let row = try session.first("SELECT * FROM schedules WHERE name = \(name) FOR UPDATE") else { return nil }
            let id = try Self.insertJob(
                session, try Self.scheduledJob(row), args: try row.get("args"), kwargs: try row.get("kwargs"), now: now, notify: true)
            try session.execute(
                """
                INSERT INTO schedule_runs (schedule, due, task_id) VALUES (\(name), \(now.timeIntervalSince1970), \(id))
                ON CONFLICT DO NOTHING
                """)
            try session.execute(
                "UPDATE schedules SET last_run = \(now.timeIntervalSince1970), last_task_id = \(id) WHERE name = \(name)")
            return ScheduleRun(schedule: name, due: now, taskID: id)
        }
    }

    public func setScheduleEnabled(name: String, enabled: Bool) async throws -> ScheduleRecord? {
        let now = clock.now()
        return try await transaction { session -> ScheduleRecord? in
            guard let row = try session.first("SELECT * FROM schedules WHERE name = \(name) FOR UPDATE") else { return nil }
            // Enabled again after a pause: the next run is the next one from now, not a backlog.
            if enabled, let spec = try? ScheduleSpec(storageText: try row.get("spec"), timezone: try row.get("timezone")),
                let next = spec.next(after: now), (try row.get("next_run", as: Double?.self)) ?? 0 < now.timeIntervalSince1970
            {
                try session.execute(
                    "UPDATE schedules SET override_enabled = \(enabled), next_run = \(next.timeIntervalSince1970) WHERE name = \(name)")
            } else {
                try session.execute("UPDATE schedules SET override_enabled = \(enabled) WHERE name = \(name)")
            }
            return try session.first("SELECT * FROM schedules WHERE name = \(name)").map(Self.scheduleRecord)
        }
    }

    // MARK: Rows

    static let effectivelyEnabled = "configured AND COALESCE(override_enabled, config_enabled)"

    private static func scheduledJob(_ row: PostgresRandomAccessRow) throws -> NewJob {
        NewJob(name: try row.get("task"), queue: try row.get("queue"), priority: try row.get("priority"))
    }

    private static func scheduleRecord(_ row: PostgresRandomAccessRow) throws -> ScheduleRecord {
        let stored: String = try row.get("spec")
        let timezone: String = try row.get("timezone")
        let configured: Bool = try row.get("configured")
        let enabled = try row.get("override_enabled", as: Bool?.self) ?? (try row.get("config_enabled", as: Bool.self))
        return ScheduleRecord(
            name: try row.get("name"), task: try row.get("task"), queue: try row.get("queue"), priority: try row.get("priority"),
            spec: (try? ScheduleSpec(storageText: stored, timezone: timezone))?.description ?? stored, timezone: timezone,
            enabled: configured && enabled, configured: configured,
            nextRun: try row.get("next_run", as: Double?.self).map(Date.init(timeIntervalSince1970:)),
            lastRun: try row.get("last_run", as: Double?.self).map(Date.init(timeIntervalSince1970:)),
            lastTaskID: try row.get("last_task_id"))
    }
}
