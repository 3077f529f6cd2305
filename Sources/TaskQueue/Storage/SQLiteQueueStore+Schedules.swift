import Foundation
import GRDB
import SQLiteSupport

/// Beat's storage (DESIGN.md §4): schedules with their next due time, and one row per enqueued
/// due time so that a run is enqueued exactly once however many processes share the file.
extension SQLiteQueueStore {
    public func syncSchedules(_ definitions: [ScheduleDefinition]) async throws {
        let now = clockNow()
        try await write { db in
            let stored = try Row.fetchAll(db, sql: "SELECT name, fingerprint FROM schedules")
            let fingerprints = Dictionary(stored.map { ($0["name"] as String, $0["fingerprint"] as String) }) { a, _ in a }
            for definition in definitions {
                let fingerprint = definition.fingerprint
                if fingerprints[definition.name] == fingerprint {
                    try db.execute(sql: "UPDATE schedules SET configured = 1 WHERE name = ?", arguments: [definition.name])
                    continue
                }
                // New or changed in the configuration: (re)timed from now, the configuration wins.
                let next = definition.spec.next(after: now)?.timeIntervalSince1970
                try db.execute(
                    sql: """
                        INSERT INTO schedules (name, task, args, kwargs, queue, priority, spec, timezone, fingerprint,
                            config_enabled, override_enabled, configured, next_run, created_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 1, ?, ?)
                        ON CONFLICT(name) DO UPDATE SET task = excluded.task, args = excluded.args, kwargs = excluded.kwargs,
                            queue = excluded.queue, priority = excluded.priority, spec = excluded.spec,
                            timezone = excluded.timezone, fingerprint = excluded.fingerprint,
                            config_enabled = excluded.config_enabled, override_enabled = NULL, configured = 1,
                            next_run = excluded.next_run
                        """,
                    arguments: [
                        definition.name, definition.task, JSONValue.array(definition.args).jsonText,
                        JSONValue.object(definition.kwargs).jsonText, definition.queue, definition.priority,
                        definition.spec.storageText, definition.spec.timeZone.identifier, fingerprint, definition.enabled,
                        next, now.timeIntervalSince1970,
                    ])
            }
            // Removed from the configuration: kept, disabled.
            let names = Set(definitions.map(\.name))
            for name in fingerprints.keys where !names.contains(name) {
                try db.execute(sql: "UPDATE schedules SET configured = 0 WHERE name = ?", arguments: [name])
            }
        }
    }

    public func schedules() async throws -> [ScheduleRecord] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM schedules ORDER BY name").map(Self.scheduleRecord)
        }
    }

    public func nextScheduleDue() async throws -> Date? {
        try await read { db in
            try Double.fetchOne(db, sql: "SELECT MIN(next_run) FROM schedules WHERE \(Self.effectivelyEnabled)")
        }.map(Date.init(timeIntervalSince1970:))
    }

    public func fireDueSchedules() async throws -> [ScheduleRun] {
        let now = clockNow()
        let due = try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT name, next_run FROM schedules WHERE \(Self.effectivelyEnabled) AND next_run <= ? ORDER BY next_run",
                arguments: [now.timeIntervalSince1970]
            ).map { (name: $0["name"] as String, due: $0["next_run"] as Double) }
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
        try await write { db -> ScheduleRun? in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT * FROM schedules WHERE name = ? AND next_run = ? AND \(Self.effectivelyEnabled)",
                    arguments: [name, due])
            else { return nil }
            let spec = try ScheduleSpec(storageText: row["spec"], timezone: row["timezone"])
            let next = spec.next(afterDue: Date(timeIntervalSince1970: due), now: now)?.timeIntervalSince1970
            try db.execute(
                sql: "INSERT OR IGNORE INTO schedule_runs (schedule, due, task_id) VALUES (?, ?, '')", arguments: [name, due])
            guard db.changesCount == 1 else {
                // This due time was enqueued already: only move on.
                try db.execute(sql: "UPDATE schedules SET next_run = ? WHERE name = ?", arguments: [next, name])
                return nil
            }
            let id = try Self.insertJob(db, Self.scheduledJob(row), args: row["args"], kwargs: row["kwargs"], now: now)
            try db.execute(sql: "UPDATE schedule_runs SET task_id = ? WHERE schedule = ? AND due = ?", arguments: [id, name, due])
            try db.execute(
                sql: "UPDATE schedules SET next_run = ?, last_run = ?, last_task_id = ? WHERE name = ?",
                arguments: [next, now.timeIntervalSince1970, id, name])
            return ScheduleRun(schedule: name, due: Date(timeIntervalSince1970: due), taskID: id)
        }
    }

    public func runScheduleNow(name: String) async throws -> ScheduleRun? {
        let now = clockNow()
        return try await write { db -> ScheduleRun? in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM schedules WHERE name = ?", arguments: [name]) else {
                return nil
            }
            let id = try Self.insertJob(db, Self.scheduledJob(row), args: row["args"], kwargs: row["kwargs"], now: now)
            try db.execute(
                sql: "INSERT OR IGNORE INTO schedule_runs (schedule, due, task_id) VALUES (?, ?, ?)",
                arguments: [name, now.timeIntervalSince1970, id])
            try db.execute(
                sql: "UPDATE schedules SET last_run = ?, last_task_id = ? WHERE name = ?",
                arguments: [now.timeIntervalSince1970, id, name])
            return ScheduleRun(schedule: name, due: now, taskID: id)
        }
    }

    public func setScheduleEnabled(name: String, enabled: Bool) async throws -> ScheduleRecord? {
        let now = clockNow()
        return try await write { db -> ScheduleRecord? in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM schedules WHERE name = ?", arguments: [name]) else {
                return nil
            }
            var arguments: StatementArguments = [enabled, name]
            var retime = ""
            // Enabled again after a pause: the next run is the next one from now, not a backlog.
            if enabled, let spec = try? ScheduleSpec(storageText: row["spec"], timezone: row["timezone"]),
                let next = spec.next(after: now), (row["next_run"] as Double?) ?? 0 < now.timeIntervalSince1970
            {
                retime = ", next_run = ?"
                arguments = [enabled, next.timeIntervalSince1970, name]
            }
            try db.execute(sql: "UPDATE schedules SET override_enabled = ?\(retime) WHERE name = ?", arguments: arguments)
            return try Row.fetchOne(db, sql: "SELECT * FROM schedules WHERE name = ?", arguments: [name]).map(Self.scheduleRecord)
        }
    }

    // MARK: Rows

    static let effectivelyEnabled = "configured = 1 AND COALESCE(override_enabled, config_enabled) = 1"

    private static func scheduledJob(_ row: Row) -> NewJob {
        NewJob(name: row["task"], queue: row["queue"], priority: row["priority"])
    }

    private static func scheduleRecord(_ row: Row) -> ScheduleRecord {
        let stored = row["spec"] as String
        let configured = row["configured"] as Bool
        return ScheduleRecord(
            name: row["name"], task: row["task"], queue: row["queue"], priority: row["priority"],
            spec: (try? ScheduleSpec(storageText: stored, timezone: row["timezone"]))?.description ?? stored,
            timezone: row["timezone"],
            enabled: configured && ((row["override_enabled"] as Bool?) ?? (row["config_enabled"] as Bool)),
            configured: configured, nextRun: (row["next_run"] as Double?).map(Date.init(timeIntervalSince1970:)),
            lastRun: (row["last_run"] as Double?).map(Date.init(timeIntervalSince1970:)), lastTaskID: row["last_task_id"])
    }
}
