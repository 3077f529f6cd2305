import Common
import Foundation
import GRDB
import SQLiteSupport

/// Reads: on the WAL reader pool, never blocked by the writer.
extension SQLiteQueueStore {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .secondsSince1970
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return decoder
    }()

    static func encode(_ error: TaskErrorInfo) -> String {
        (try? String(decoding: encoder.encode(error), as: UTF8.self)) ?? "{}"
    }

    static func date(_ seconds: Double) -> Date { Date(timeIntervalSince1970: seconds) }

    static func decodeArray(_ text: String) -> [JSONValue] {
        (try? JSONValue(parsing: text))?.arrayValue ?? []
    }

    static func decodeObject(_ text: String) -> [String: JSONValue] {
        (try? JSONValue(parsing: text))?.objectValue ?? [:]
    }

    private static func decodeError(_ text: String?) -> TaskErrorInfo? {
        text.flatMap { try? decoder.decode(TaskErrorInfo.self, from: Data($0.utf8)) }
    }

    static func record(_ row: Row, attempts: [Attempt]) -> JobRecord {
        JobRecord(
            id: row["id"], name: row["name"], queue: row["queue"], priority: row["priority"],
            state: TaskState(rawValue: row["state"]) ?? .pending, args: decodeArray(row["args"]),
            kwargs: decodeObject(row["kwargs"]), enqueuedAt: date(row["enqueued_at"]), runAt: date(row["run_at"]),
            startedAt: (row["started_at"] as Double?).map(date), dateDone: (row["date_done"] as Double?).map(date),
            leaseUntil: (row["lease_until"] as Double?).map(date), worker: row["worker"],
            deliveries: row["deliveries"], lostDeliveries: row["lost_deliveries"], retries: row["retries"],
            meta: (row["meta"] as String?).flatMap { try? JSONValue(parsing: $0) },
            result: (row["result"] as String?).flatMap { try? JSONValue(parsing: $0) },
            error: decodeError(row["error"]), revokeRequested: row["revoke_requested"],
            expiresAt: (row["expires_at"] as Double?).map(date), attempts: attempts, retryOf: row["retry_of"],
            retriedAs: row["retried_as"])
    }

    static func attempts(_ db: Database, jobID: String) throws -> [Attempt] {
        try Row.fetchAll(
            db, sql: "SELECT * FROM attempts WHERE job_id = ? ORDER BY delivery, token", arguments: [jobID]
        ).map { row in
            Attempt(
                delivery: row["delivery"], worker: row["worker"], startedAt: date(row["started_at"]),
                finishedAt: (row["finished_at"] as Double?).map(date),
                outcome: (row["outcome"] as String?).flatMap(Attempt.Outcome.init(rawValue:)),
                error: decodeError(row["error"]))
        }
    }

    public func job(id: String) async throws -> JobLookup {
        let now = clockNow()
        return try await read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM jobs WHERE id = ?", arguments: [id]) else {
                return .notFound
            }
            if let expires = row["expires_at"] as Double?, expires < now.timeIntervalSince1970 { return .notFound }
            return .found(Self.record(row, attempts: try Self.attempts(db, jobID: id)))
        }
    }

    public func revokeRequested(among ids: [String]) async throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        return try await read { db in
            let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
            return Set(
                try String.fetchAll(
                    db, sql: "SELECT id FROM jobs WHERE revoke_requested = 1 AND id IN (\(marks))",
                    arguments: StatementArguments(ids)))
        }
    }

    public func jobs(_ filter: JobFilter) async throws -> [JobRecord] {
        let (whereClause, filterArguments) = Self.whereClause(filter)
        return try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM jobs \(whereClause) ORDER BY id DESC LIMIT ? OFFSET ?",
                arguments: filterArguments + [filter.limit, filter.offset]
            ).map { Self.record($0, attempts: []) }
        }
    }

    public func countJobs(_ filter: JobFilter, limit: Int?) async throws -> JobCounts {
        try await read { db in try Self.counts(db, filter, limit: limit, perQueue: false)[""] ?? JobCounts() }
    }

    /// All jobs matching `filter`, or all of a name or queue, are counted by SQLite's B-tree count
    /// or a range of `jobs_name`/`jobs_queue`; the rest by state, from `counts`.
    public func totalJobs(_ filter: JobFilter, limit: Int?) async throws -> JobTotal {
        try await read { db in
            guard Self.isByKeyOnly(filter), filter.state != nil || filter.worker != nil else {
                let (whereClause, arguments) = Self.whereClause(filter)
                return JobTotal(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM jobs \(whereClause)", arguments: arguments) ?? 0)
            }
            let counts = try Self.counts(db, filter, limit: limit, perQueue: false)[""] ?? JobCounts()
            return JobTotal(counts.total, isExact: counts.isExact)
        }
    }

    /// The partial indexes that hold every job of their states: the states that are few however
    /// many jobs the table holds (waiting, running, failed, revoked). SUCCESS has none: each ack
    /// would write it (an index or a trigger on it cost the drain 11–14%, BENCHMARKS.md).
    private static let countingIndexes: [(index: String, states: [TaskState])] = [
        ("jobs_ready", [.pending, .retry]), ("jobs_leased", [.started, .progress]), ("jobs_failed_key", [.failure]),
        ("jobs_revoked_key", [.revoked]),
    ]

    /// The jobs matching `filter` per state, and per queue with `perQueue` ("" otherwise). A filter
    /// on the job's key only (state, name, queue, worker) counts every state but SUCCESS from its
    /// partial index, and SUCCESS as all matching jobs (counted by `jobs_name`, `jobs_queue` or
    /// the smallest index) less the others, in one snapshot. With a worker filter no index counts
    /// SUCCESS: it is scanned, stopping at `limit`. Any other filter counts the jobs themselves.
    private static func counts(_ db: Database, _ filter: JobFilter, limit: Int?, perQueue: Bool) throws
        -> [String: JobCounts]
    {
        // Grouping by a constant would sort every row counted: without `perQueue`, '' is selected only.
        let (group, groupBy) = perQueue ? ("queue", "queue, state") : ("''", "state")
        var byGroup: [String: [TaskState: Int]] = [:]
        func add(_ sql: String, _ arguments: StatementArguments) throws {
            for row in try Row.fetchAll(db, sql: sql, arguments: arguments) {
                if let state = TaskState(rawValue: row[1]) { byGroup[row[0], default: [:]][state, default: 0] += row[2] }
            }
        }
        guard isByKeyOnly(filter) else {
            let (whereClause, arguments) = whereClause(filter)
            try add("SELECT \(group), state, COUNT(*) FROM jobs \(whereClause) GROUP BY \(groupBy)", arguments)
            return byGroup.mapValues { JobCounts($0) }
        }
        var anyState = filter
        anyState.state = nil
        let subtracting = filter.state.map { $0 == .success } ?? true && filter.worker == nil
        for (index, states) in countingIndexes where subtracting || filter.state.map(states.contains) ?? true {
            let (whereClause, arguments) = whereClause(subtracting ? anyState : filter, among: states)
            try add(
                "SELECT \(group), state, COUNT(*) FROM jobs INDEXED BY \(index) \(whereClause) GROUP BY \(groupBy)", arguments)
        }
        var atLeast: Set<TaskState> = []
        if subtracting {
            let (whereClause, arguments) = whereClause(anyState)
            // A bare COUNT(*) lets SQLite count the B-tree's entries (19 ms on 1,000,000 jobs, against
            // 36 ms with any other column selected).
            let all = perQueue
                ? "SELECT COUNT(*), queue FROM jobs \(whereClause) GROUP BY queue" : "SELECT COUNT(*) FROM jobs \(whereClause)"
            for row in try Row.fetchAll(db, sql: all, arguments: arguments) {
                let (all, key): (Int, String) = (row[0], perQueue ? row[1] : "")
                let others = (byGroup[key] ?? [:]).values.reduce(0, +)
                byGroup[key, default: [:]][.success] = max(0, all - others)
            }
            if filter.state == .success { byGroup = byGroup.mapValues { $0.filter { $0.key == .success } } }
        } else if filter.state.map({ $0 == .success }) ?? true {
            let (found, exact) = try scannedSuccesses(db, anyState, limit: limit)
            byGroup["", default: [:]][.success] = found
            if !exact { atLeast.insert(.success) }
        }
        return byGroup.mapValues { JobCounts($0, atLeast: atLeast) }
    }

    /// The successful jobs matching `filter` (a worker's: no index holds them), read one by one
    /// up to `limit`: the count, and false when there were more.
    private static func scannedSuccesses(_ db: Database, _ filter: JobFilter, limit: Int?) throws -> (Int, exact: Bool) {
        var successes = filter
        successes.state = .success
        let (whereClause, arguments) = whereClause(successes)
        let cap = limit.map { " LIMIT \($0 + 1)" } ?? ""
        let found = try Int.fetchOne(
            db, sql: "SELECT COUNT(*) FROM (SELECT 1 FROM jobs \(whereClause)\(cap))", arguments: arguments) ?? 0
        guard let limit, found > limit else { return (found, true) }
        return (limit, false)
    }

    /// Whether `filter` names the job's key only: state, name, queue, worker.
    private static func isByKeyOnly(_ filter: JobFilter) -> Bool {
        filter.since == nil && filter.until == nil && filter.beforeID == nil && (filter.search ?? "").isEmpty
            && filter.worker != ""
    }

    /// Conditions with their arguments; states are literals so partial indexes apply. `among`
    /// adds `state IN (…)`.
    private static func whereClause(_ filter: JobFilter, among states: [TaskState]? = nil) -> (String, StatementArguments) {
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if let states {
            // Written as the partial indexes' predicates are: SQLite uses one only when it finds them.
            let literals = states.map { "'\($0.rawValue)'" }
            conditions.append(literals.count == 1 ? "state = \(literals[0])" : "state IN (\(literals.joined(separator: ",")))")
        }
        if let state = filter.state {
            // A literal (from the enum, not user text) so the partial indexes apply.
            conditions.append("state = '\(state.rawValue)'")
        }
        for (column, value) in [("name", filter.name), ("queue", filter.queue), ("worker", filter.worker)] {
            guard let value else { continue }
            conditions.append("\(column) = ?")
            arguments.append(value)
        }
        if let since = filter.since {
            // Ids are UUIDv7 of the enqueue time, never earlier: the key range bounds the scan,
            // and enqueued_at keeps the answer exact.
            conditions.append("id >= ? AND enqueued_at >= ?")
            arguments += [UUIDv7.lowerBound(at: since), since.timeIntervalSince1970]
        }
        if let until = filter.until {
            conditions.append("enqueued_at < ?")
            arguments.append(until.timeIntervalSince1970)
        }
        if let beforeID = filter.beforeID {
            conditions.append("id < ?")
            arguments.append(beforeID)
        }
        if let search = filter.search, !search.isEmpty {
            // An id prefix, or a substring of the name, the arguments' JSON or the error (its
            // type and message: not the JSON's keys).
            let pattern = LikePattern.containing(search)
            conditions.append(
                """
                (id LIKE ? ESCAPE '\\' OR name LIKE ? ESCAPE '\\' OR args LIKE ? ESCAPE '\\' OR kwargs LIKE ? ESCAPE '\\'
                    OR (error IS NOT NULL AND json_extract(error, '$.type') || ' ' || json_extract(error, '$.message') LIKE ? ESCAPE '\\'))
                """)
            arguments += [LikePattern.prefix(search), pattern, pattern, pattern, pattern]
        }
        return (conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "), StatementArguments(arguments))
    }

    /// From the partial indexes only (waiting, leased, failed): cheap however many finished jobs
    /// the table holds.
    public func queueStats() async throws -> [QueueStats] {
        let now = clockNow().timeIntervalSince1970
        return try await read { db in
            var tally = QueueStatsTally(now: now)
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT queue, state, run_at <= ? AS due, COUNT(*), MIN(run_at) FROM jobs INDEXED BY jobs_ready
                    WHERE state IN ('PENDING','RETRY') GROUP BY queue, state, due
                    """, arguments: [now])
            {
                tally.waiting(queue: row[0], state: row[1], due: row[2], count: row[3], oldest: row[4])
            }
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT queue, lease_until >= ? AS live, COUNT(*), MIN(run_at) FROM jobs INDEXED BY jobs_leased
                    WHERE state IN ('STARTED','PROGRESS') GROUP BY queue, live
                    """, arguments: [now])
            {
                tally.leased(queue: row[0], live: row[1], count: row[2], oldest: row[3])
            }
            for row in try Row.fetchAll(
                db, sql: "SELECT queue, COUNT(*) FROM jobs INDEXED BY jobs_failed_queue WHERE state = 'FAILURE' GROUP BY queue")
            {
                tally.failed(queue: row[0], count: row[1])
            }
            for queue in try String.fetchAll(db, sql: "SELECT name FROM queue_pauses") { tally.paused(queue: queue) }
            return tally.result
        }
    }

    public func countsByQueueAndState() async throws -> [String: [TaskState: Int]] {
        try await read { db in try Self.counts(db, JobFilter(), limit: nil, perQueue: true).mapValues(\.byState) }
    }

    public func healthCheck() async throws {
        _ = try await read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM workers") }
    }

    public func scheduled(limit: Int) async throws -> [JobRecord] {
        let now = clockNow().timeIntervalSince1970
        return try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM jobs WHERE state IN ('PENDING','RETRY') AND run_at > ?
                    ORDER BY run_at, id LIMIT ?
                    """, arguments: [now, limit]
            ).map { Self.record($0, attempts: []) }
        }
    }

    public func running() async throws -> [JobRecord] {
        let now = clockNow().timeIntervalSince1970
        return try await read { db in
            // The leased index, sorted here: ordered by id, SQLite would walk the whole table.
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM jobs INDEXED BY jobs_leased WHERE state IN ('STARTED','PROGRESS') AND lease_until >= ?",
                arguments: [now]
            ).map { Self.record($0, attempts: []) }.sorted { $0.id < $1.id }
        }
    }
}

extension SQLiteQueueStore {
    public func taskStats(minutes: Range<Int>) async throws -> [TaskStatsRow] {
        try await flushHeldStats()
        return try await read { db in
            try Row.fetchAll(
                db.cachedStatement(sql: "SELECT \(TaskStatsRow.columns) FROM task_stats WHERE minute >= ? AND minute < ?"),
                arguments: [minutes.lowerBound, minutes.upperBound]
            ).map(TaskStatsRow.init)
        }
    }

    public func taskStatsByName(minutes: Range<Int>, name: String?, queue: String?) async throws -> [TaskStatsSummary] {
        try await flushHeldStats()
        let (conditions, arguments) = Self.statsConditions(minutes, name, queue)
        let buckets = (0..<DurationHistogram.bucketCount).map { "SUM(r\($0))" } + (0..<DurationHistogram.bucketCount).map { "SUM(w\($0))" }
        // Summed by the database, in `TaskStatsRow.columns` order with the queues in place of `queue`.
        let sql = """
            SELECT ?, name, group_concat(DISTINCT queue), SUM(succeeded), SUM(failed), SUM(retried), SUM(revoked),
                SUM(runtime_sum), MAX(runtime_max), SUM(wait_sum), MAX(wait_max), \(buckets.joined(separator: ", "))
            FROM task_stats WHERE \(conditions) GROUP BY name ORDER BY name
            """
        let values: StatementArguments = [minutes.lowerBound] + arguments
        return try await read { db in
            try Row.fetchAll(db.cachedStatement(sql: sql), arguments: values).map { row in
                var stats = TaskStatsRow(row)
                stats.key.queue = ""
                let queues: String = row[2]
                return TaskStatsSummary(stats: stats, queues: queues.split(separator: ",").map(String.init).sorted())
            }
        }
    }

    /// The WHERE of a stats query over `minutes`, of one name and/or queue if given.
    private static func statsConditions(_ minutes: Range<Int>, _ name: String?, _ queue: String?) -> (String, StatementArguments) {
        var conditions = ["minute >= ?", "minute < ?"]
        var arguments: StatementArguments = [minutes.lowerBound, minutes.upperBound]
        if let name {
            conditions.append("name = ?")
            arguments += [name]
        }
        if let queue {
            conditions.append("queue = ?")
            arguments += [queue]
        }
        return (conditions.joined(separator: " AND "), arguments)
    }

    public func taskThroughput(minutes: Range<Int>, step: Int, name: String?, queue: String?) async throws -> [ThroughputPoint] {
        try await flushHeldStats()
        let (conditions, arguments) = Self.statsConditions(minutes, name, queue)
        let sql = """
            SELECT (minute - ?) / ? AS point, SUM(succeeded), SUM(failed), SUM(retried), SUM(revoked) FROM task_stats
            WHERE \(conditions) GROUP BY point ORDER BY point
            """
        let first = minutes.lowerBound
        let values: StatementArguments = [first, step] + arguments
        return try await read { db in
            try Row.fetchAll(db.cachedStatement(sql: sql), arguments: values).map { row in
                ThroughputPoint(
                    minute: first + (row[0] as Int) * step, succeeded: row[1], failed: row[2], retried: row[3], revoked: row[4])
            }
        }
    }

    /// Counts this process holds back (at most 250 ms of them) are written before a read.
    private func flushHeldStats() async throws {
        if statsFlush.pending.load(ordering: .relaxed) {
            try await write { db in try self.hotStatements(db).writeStats() }
        }
    }
}
