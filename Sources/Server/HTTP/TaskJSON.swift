import Foundation
import TaskQueue

/// The JSON shapes of tasks over HTTP (DESIGN.md §6). Timestamps are ISO 8601 UTC, except
/// `time_start`, which mirrors Celery's epoch seconds.
enum TaskJSON {
    static func time(_ date: Date?) -> JSONValue { date.map { .string(ISO8601.string($0)) } ?? .null }

    static func error(_ error: TaskErrorInfo?) -> JSONValue {
        guard let error else { return .null }
        return ["type": .string(error.type), "message": .string(error.message), "context": error.context ?? .null]
    }

    /// The seed's `GET /api/v1/celery/task/{id}`: `result` is the result on SUCCESS and the
    /// progress meta while PROGRESS; `error` the message on FAILURE.
    static func celeryStatus(_ job: JobRecord, now: Date) -> JSONValue {
        let state = job.visibleState(at: now)
        let result: JSONValue
        switch state {
        case .success: result = job.result ?? .null
        case .progress: result = job.meta ?? .null
        default: result = .null
        }
        return [
            "task_id": .string(job.id), "status": .string(state.rawValue), "result": result,
            "error": state == .failure ? .string(job.error?.message ?? "") : .null,
            "name": .string(job.name), "queue": .string(job.queue), "retries": .int(Int64(job.retries)),
            "date_done": time(job.dateDone), "worker": job.worker.map { .string($0) } ?? .null,
            "error_detail": state == .failure ? error(job.error) : .null,
        ]
    }

    /// A task in listings.
    static func summary(_ job: JobRecord, now: Date) -> JSONValue {
        [
            "task_id": .string(job.id), "name": .string(job.name), "queue": .string(job.queue),
            "priority": .int(Int64(job.priority)), "state": .string(job.visibleState(at: now).rawValue),
            "enqueued_at": time(job.enqueuedAt), "run_at": time(job.runAt), "date_done": time(job.dateDone),
            "retries": .int(Int64(job.retries)), "deliveries": .int(Int64(job.deliveries)),
            "worker": job.worker.map { .string($0) } ?? .null,
        ]
    }

    /// Everything about one task: message, every attempt with its error, timings, progress.
    static func detail(_ job: JobRecord, now: Date) -> JSONValue {
        guard case .object(var object) = summary(job, now: now) else { return .null }
        object["args"] = .array(job.args)
        object["kwargs"] = .object(job.kwargs)
        object["started_at"] = time(job.startedAt)
        object["lease_until"] = time(job.leaseUntil)
        object["expires_at"] = time(job.expiresAt)
        object["lost_deliveries"] = .int(Int64(job.lostDeliveries))
        object["revoke_requested"] = .bool(job.revokeRequested)
        object["progress"] = job.meta ?? .null
        object["result"] = job.result ?? .null
        object["error"] = error(job.error)
        object["retry_of"] = job.retryOf.map { .string($0) } ?? .null
        object["retried_as"] = job.retriedAs.map { .string($0) } ?? .null
        object["attempts"] = .array(
            job.attempts.map { attempt in
                [
                    "delivery": .int(Int64(attempt.delivery)), "worker": .string(attempt.worker),
                    "started_at": time(attempt.startedAt), "finished_at": time(attempt.finishedAt),
                    "outcome": attempt.outcome.map { .string($0.rawValue) } ?? .null, "error": error(attempt.error),
                ]
            })
        return .object(object)
    }

    /// The list envelope of DESIGN.md §6.
    static func list(_ items: [JSONValue], total: Int, limit: Int, offset: Int) -> JSONValue {
        .object(envelope(items, total: total, limit: limit, offset: offset))
    }

    /// The tasks listing's envelope. When counting stopped at a limit, `total` is a lower bound
    /// (`total_exact` false), and a full page says there may be more.
    static func list(_ items: [JSONValue], total: JobTotal, limit: Int, offset: Int) -> JSONValue {
        var body = envelope(items, total: total.count, limit: limit, offset: offset)
        body["total_exact"] = .bool(total.isExact)
        if !total.isExact && items.count == limit { body["has_more"] = true }
        return .object(body)
    }

    private static func envelope(_ items: [JSONValue], total: Int, limit: Int, offset: Int) -> [String: JSONValue] {
        [
            "items": .array(items), "total": .int(Int64(total)), "limit": .int(Int64(limit)),
            "offset": .int(Int64(offset)), "has_more": .bool(offset + items.count < total),
        ]
    }
}
