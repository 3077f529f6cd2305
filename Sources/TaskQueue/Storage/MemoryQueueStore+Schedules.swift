import Foundation

/// Beat's schedules in memory: the same contract as `SQLiteQueueStore+Schedules`.
struct MemoryBeatState {
    struct Stored {
        var definition: ScheduleDefinition
        var fingerprint: String
        var overrideEnabled: Bool?
        var configured = true
        var nextRun: Date?
        var lastRun: Date?
        var lastTaskID: String?

        var enabled: Bool { configured && (overrideEnabled ?? definition.enabled) }

        var record: ScheduleRecord {
            ScheduleRecord(
                name: definition.name, task: definition.task, queue: definition.queue, priority: definition.priority,
                spec: definition.spec.description, timezone: definition.spec.timeZone.identifier, enabled: enabled,
                configured: configured, nextRun: nextRun, lastRun: lastRun, lastTaskID: lastTaskID)
        }
    }

    var schedules: [String: Stored] = [:]
    /// (schedule, due) pairs enqueued.
    var runs: Set<String> = []
}

extension MemoryQueueStore {
    public func syncSchedules(_ definitions: [ScheduleDefinition]) async throws {
        let now = clock.now()
        beat.withLock { state in
            for definition in definitions {
                let fingerprint = definition.fingerprint
                if state.schedules[definition.name]?.fingerprint == fingerprint {
                    state.schedules[definition.name]?.configured = true
                    continue
                }
                var stored = state.schedules[definition.name] ?? MemoryBeatState.Stored(definition: definition, fingerprint: fingerprint)
                stored.definition = definition
                stored.fingerprint = fingerprint
                stored.overrideEnabled = nil
                stored.configured = true
                stored.nextRun = definition.spec.next(after: now)
                state.schedules[definition.name] = stored
            }
            let names = Set(definitions.map(\.name))
            for name in state.schedules.keys where !names.contains(name) { state.schedules[name]?.configured = false }
        }
    }

    public func schedules() async throws -> [ScheduleRecord] {
        beat.withLock { $0.schedules.values.map(\.record).sorted { $0.name < $1.name } }
    }

    public func nextScheduleDue() async throws -> Date? {
        beat.withLock { $0.schedules.values.filter(\.enabled).compactMap(\.nextRun).min() }
    }

    public func fireDueSchedules() async throws -> [ScheduleRun] {
        let now = clock.now()
        return beat.withLock { state in
            var runs: [ScheduleRun] = []
            for (name, stored) in state.schedules.sorted(by: { $0.key < $1.key }) where stored.enabled {
                guard let due = stored.nextRun, due <= now else { continue }
                state.schedules[name]?.nextRun = stored.definition.spec.next(afterDue: due, now: now)
                guard state.runs.insert("\(name)@\(due.timeIntervalSince1970)").inserted else { continue }
                let id = insertJob(stored.definition.job(), now: now)
                state.schedules[name]?.lastRun = now
                state.schedules[name]?.lastTaskID = id
                runs.append(ScheduleRun(schedule: name, due: due, taskID: id))
            }
            return runs
        }
    }

    public func runScheduleNow(name: String) async throws -> ScheduleRun? {
        let now = clock.now()
        return beat.withLock { state in
            guard let stored = state.schedules[name] else { return nil }
            let id = insertJob(stored.definition.job(), now: now)
            state.runs.insert("\(name)@\(now.timeIntervalSince1970)")
            state.schedules[name]?.lastRun = now
            state.schedules[name]?.lastTaskID = id
            return ScheduleRun(schedule: name, due: now, taskID: id)
        }
    }

    public func setScheduleEnabled(name: String, enabled: Bool) async throws -> ScheduleRecord? {
        let now = clock.now()
        return beat.withLock { state in
            guard var stored = state.schedules[name] else { return nil }
            stored.overrideEnabled = enabled
            if enabled, (stored.nextRun ?? .distantPast) < now { stored.nextRun = stored.definition.spec.next(after: now) }
            state.schedules[name] = stored
            return stored.record
        }
    }
}
