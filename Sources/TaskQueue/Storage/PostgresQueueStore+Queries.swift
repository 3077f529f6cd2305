import Common
import Foundation
import PostgresNIO
import PostgresSupport
import SQLiteSupport

/// Reads on PostgreSQL. Counts are exact: the store never stops at `limit` (the contract
/// allows it to; nothing here needs it yet).
extension PostgresQueueStore {
    static func record(_ row: PostgresRandomAccessRow, attempts: [Attempt]) throws -> JobRecord {
        func date(_ name: String) throws -> Date? { try row.get(name, as: Double?.self).map(Date.init(timeIntervalSince1970:)) }
        func json(_ name: String) throws -> JSONValue? { try row.get(name, as: String?.self).flatMap { try? JSONValue(parsing: $0) } }
        return JobRecord(
            id: try row.get("id"), name: try row.get("name"), queue: try row.get("queue"), priority: try row.get("priority"),
            state: TaskState(rawValue: try row.get("state")) ?? .pending,
            args: SQLiteQueueStore.decodeArray(try row.get("args")), kwargs: SQLiteQueueStore.decodeObject(try row.get("kwargs")),
            enqueuedAt: Date(timeIntervalSince1970: try row.get("enqueued_at")),
            runAt: Date(timeIntervalSince1970: try row.get("run_at")), startedAt: try date("started_at"),
            dateDone: try date("date_done"), leaseUntil: try date("lease_until"), worker: try row.get("worker"),
            deliveries: try row.get("deliveries"), lostDeliveries: try row.get("lost_deliveries"), retries: try row.get("retries"),
            meta: try json("meta"), result: try json("result"), error: decodeError(try row.get("error")),
            revokeRequested: try row.get("revoke_requested"), expiresAt: try date("expires_at"), attempts: attempts,
            retryOf: try row.get("retry_of"), retriedAs: try row.get("retried_as"))
    }

    static func decodeError(_ text: String?) -> TaskErrorInfo? {
        text.flatMap { try? SQLiteQueueStore.decoder.decode(TaskErrorInfo.self, from: Data($0.utf8)) }
    }

    static func attempts(_ session: PostgresSession, jobID: String) throws -> [Attempt] {
        try session.query("SELECT * FROM attempts WHERE job_id = \(jobID) ORDER BY delivery, token").map { row in
            Attempt(
                delivery: try row.get("delivery"), worker: try row.get("worker"),
                startedAt: Date(timeIntervalSince1970: try row.get("started_at")),
                finishedAt: try row.get("finished_at", as: Double?.self).map(Date.init(timeIntervalSince1970:)),
                outcome: try row.get("outcome", as: String?.self).flatMap(Attempt.Outcome.init(rawValue:)),
                error: decodeError(try row.get("error")))
        }
    }

    public func job(id: String) async throws -> JobLookup {
        let now = clock.now().timeIntervalSince1970
        return try await session { session in
            guard let row = try session.first("SELECT * FROM jobs WHERE id = \(id)") else { return .notFound }
            if let expires = try row.get("expires_at", as: Double?.self), expires < now { return .notFound }
            return .found(try Self.record(row, attempts: try Self.attempts(session, jobID: id)))
        }
    }

    public func jobs(_ filter: JobFilter) async throws -> [JobRecord] {
        var statement = PostgresStatement()
        let conditions = Self.whereClause(filter, &statement)
        statement.sql = "SELECT * FROM jobs \(conditions) ORDER BY id DESC LIMIT \(statement.bind(filter.limit)) OFFSET \(statement.bind(filter.offset))"
        let query = statement.query
        return try await session { session in try session.query(query).map { try Self.record($0, attempts: []) } }
    }

    public func countJobs(_ filter: JobFilter, limit: Int?) async throws -> JobCounts {
        JobCounts(try await countsByState(filter, perQueue: false)[""] ?? [:])
    }

    public func totalJobs(_ filter: JobFilter, limit: Int?) async throws -> JobTotal {
        var statement = PostgresStatement()
        statement.sql = "SELECT COUNT(*) AS n FROM jobs \(Self.whereClause(filter, &statement))"
        let query = statement.query
        return JobTotal(try await session { session in try session.first(query)?.get("n", as: Int.self) ?? 0 })
    }

    /// The jobs matching `filter` per state, and per queue with `perQueue` ("" otherwise).
    private func countsByState(_ filter: JobFilter, perQueue: Bool) async throws -> [String: [TaskState: Int]] {
        var statement = PostgresStatement()
        let group = perQueue ? "queue" : "''"
        statement.sql = "SELECT \(group) AS key, state, COUNT(*) AS n FROM jobs \(Self.whereClause(filter, &statement)) GROUP BY 1, 2"
        let query = statement.query
        return try await session { session in
            var counts: [String: [TaskState: Int]] = [:]
            for row in try session.query(query) {
                if let state = TaskState(rawValue: try row.get("state")) { counts[try row.get("key"), default: [:]][state] = try row.get("n") }
            }
            return counts
        }
    }

    /// The filter's conditions, their values bound in `statement`.
    static func whereClause(_ filter: JobFilter, _ statement: inout PostgresStatement) -> String {
        var conditions: [String] = []
        if let state = filter.state { conditions.append("state = \(statement.bind(state.rawValue))") }
        for (column, value) in [("name", filter.name), ("queue", filter.queue), ("worker", filter.worker)] {
            guard let value else { continue }
            conditions.append("\(column) = \(statement.bind(value))")
        }
        if let since = filter.since {
            // Ids are UUIDv7 of the enqueue time, never earlier: the key range bounds the scan.
            conditions.append(
                "id >= \(statement.bind(UUIDv7.lowerBound(at: since))) AND enqueued_at >= \(statement.bind(since.timeIntervalSince1970))")
        }
        if let until = filter.until { conditions.append("enqueued_at < \(statement.bind(until.timeIntervalSince1970))") }
        if let beforeID = filter.beforeID { conditions.append("id < \(statement.bind(beforeID))") }
        if let search = filter.search, !search.isEmpty {
            // As on SQLite: an id prefix, or a substring of the name, the arguments' JSON or the
            // error's type and message; case-insensitive (ILIKE).
            let prefix = statement.bind(LikePattern.prefix(search))
            let pattern = statement.bind(LikePattern.containing(search))
            conditions.append(
                """
                (id ILIKE \(prefix) ESCAPE '\\' OR name ILIKE \(pattern) ESCAPE '\\' OR args ILIKE \(pattern) ESCAPE '\\'
                    OR kwargs ILIKE \(pattern) ESCAPE '\\'
                    OR (error IS NOT NULL AND (error::json->>'type') || ' ' || (error::json->>'message') ILIKE \(pattern) ESCAPE '\\'))
                """)
        }
        return conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
    }

    public func queueStats() async throws -> [QueueStats] {
        let now = clock.now().timeIntervalSince1970
        return try await session { session in
            var tally = QueueStatsTally(now: now)
            for row in try session.query(
                """
                SELECT queue, state, run_at <= \(now) AS due, COUNT(*) AS n, MIN(run_at) AS oldest FROM jobs
                WHERE state IN ('PENDING','RETRY') GROUP BY queue, state, due
                """)
            {
                tally.waiting(
                    queue: try row.get("queue"), state: try row.get("state"), due: try row.get("due"), count: try row.get("n"),
                    oldest: try row.get("oldest"))
            }
            for row in try session.query(
                """
                SELECT queue, lease_until >= \(now) AS live, COUNT(*) AS n, MIN(run_at) AS oldest FROM jobs
                WHERE state IN ('STARTED','PROGRESS') GROUP BY queue, live
                """)
            {
                tally.leased(queue: try row.get("queue"), live: try row.get("live"), count: try row.get("n"), oldest: try row.get("oldest"))
            }
            for row in try session.query("SELECT queue, COUNT(*) AS n FROM jobs WHERE state = 'FAILURE' GROUP BY queue") {
                tally.failed(queue: try row.get("queue"), count: try row.get("n"))
            }
            for row in try session.query("SELECT name FROM queue_pauses") { tally.paused(queue: try row.get("name")) }
            return tally.result
        }
    }

    public func countsByQueueAndState() async throws -> [String: [TaskState: Int]] {
        try await countsByState(JobFilter(), perQueue: true)
    }

    public func healthCheck() async throws {
        try await session { session in _ = try session.execute("SELECT 1") }
    }

    public func scheduled(limit: Int) async throws -> [JobRecord] {
        let now = clock.now().timeIntervalSince1970
        return try await session { session in
            try session.query(
                "SELECT * FROM jobs WHERE state IN ('PENDING','RETRY') AND run_at > \(now) ORDER BY run_at, id LIMIT \(limit)"
            ).map { try Self.record($0, attempts: []) }
        }
    }

    public func running() async throws -> [JobRecord] {
        let now = clock.now().timeIntervalSince1970
        return try await session { session in
            try session.query("SELECT * FROM jobs WHERE state IN ('STARTED','PROGRESS') AND lease_until >= \(now) ORDER BY id")
                .map { try Self.record($0, attempts: []) }
        }
    }

    // MARK: Stats rollup

    public func taskStats(minutes: Range<Int>) async throws -> [TaskStatsRow] {
        try flushStats()
        return try await session { session in
            try session.query(
                PostgresQuery(
                    unsafeSQL: "SELECT \(TaskStatsRow.columns) FROM task_stats WHERE minute >= $1 AND minute < $2",
                    binds: Self.binds(minutes.lowerBound, minutes.upperBound))
            ).map(Self.statsRow)
        }
    }

    public func taskStatsByName(minutes: Range<Int>, name: String?, queue: String?) async throws -> [TaskStatsSummary] {
        try flushStats()
        var statement = PostgresStatement()
        let first = statement.bind(minutes.lowerBound)
        let conditions = Self.statsConditions(minutes, name, queue, &statement)
        let buckets = (0..<DurationHistogram.bucketCount).map { "SUM(r\($0))::bigint" } + (0..<DurationHistogram.bucketCount).map { "SUM(w\($0))::bigint" }
        // In `TaskStatsRow.columns` order, with the queues in place of `queue`.
        statement.sql = """
            SELECT \(first)::bigint, name, string_agg(DISTINCT queue, ',') AS queues, SUM(succeeded)::bigint, SUM(failed)::bigint,
                SUM(retried)::bigint, SUM(revoked)::bigint, SUM(runtime_sum), MAX(runtime_max), SUM(wait_sum), MAX(wait_max),
                \(buckets.joined(separator: ", "))
            FROM task_stats WHERE \(conditions) GROUP BY name ORDER BY name
            """
        let query = statement.query
        return try await session { session in
            try session.query(query).map { row in
                var stats = try Self.statsRow(row)
                stats.key.queue = ""
                let queues: String = try row.get("queues")
                return TaskStatsSummary(stats: stats, queues: queues.split(separator: ",").map(String.init).sorted())
            }
        }
    }

    public func taskThroughput(minutes: Range<Int>, step: Int, name: String?, queue: String?) async throws -> [ThroughputPoint] {
        try flushStats()
        var statement = PostgresStatement()
        let first = statement.bind(minutes.lowerBound)
        let stepBind = statement.bind(step)
        let conditions = Self.statsConditions(minutes, name, queue, &statement)
        statement.sql = """
            SELECT (minute - \(first)) / \(stepBind) AS point, SUM(succeeded)::bigint AS s, SUM(failed)::bigint AS f,
                SUM(retried)::bigint AS r, SUM(revoked)::bigint AS v
            FROM task_stats WHERE \(conditions) GROUP BY point ORDER BY point
            """
        let query = statement.query
        let origin = minutes.lowerBound
        return try await session { session in
            try session.query(query).map { row in
                ThroughputPoint(
                    minute: origin + (try row.get("point", as: Int.self)) * step, succeeded: try row.get("s"), failed: try row.get("f"),
                    retried: try row.get("r"), revoked: try row.get("v"))
            }
        }
    }

    private static func statsConditions(_ minutes: Range<Int>, _ name: String?, _ queue: String?, _ statement: inout PostgresStatement)
        -> String
    {
        var conditions = ["minute >= \(statement.bind(minutes.lowerBound))", "minute < \(statement.bind(minutes.upperBound))"]
        if let name { conditions.append("name = \(statement.bind(name))") }
        if let queue { conditions.append("queue = \(statement.bind(queue))") }
        return conditions.joined(separator: " AND ")
    }

    private static func binds(_ values: Int...) -> PostgresBindings {
        var binds = PostgresBindings()
        for value in values { binds.append(value) }
        return binds
    }

    /// A row selected in `TaskStatsRow.columns` order.
    static func statsRow(_ row: PostgresRandomAccessRow) throws -> TaskStatsRow {
        var stats = TaskStatsRow(key: .init(minute: try row.get(0), name: try row.get(1), queue: try row.get(2)))
        stats.succeeded = try row.get(3)
        stats.failed = try row.get(4)
        stats.retried = try row.get(5)
        stats.revoked = try row.get(6)
        let buckets = DurationHistogram.bucketCount
        stats.runtime = DurationHistogram(
            counts: try (0..<buckets).map { try row.get(11 + $0) }, sum: try row.get(7), max: try row.get(8))
        stats.wait = DurationHistogram(
            counts: try (0..<buckets).map { try row.get(11 + buckets + $0) }, sum: try row.get(9), max: try row.get(10))
        return stats
    }
}
