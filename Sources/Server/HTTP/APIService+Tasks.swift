import Foundation
import HTTPTypes
import Hummingbird
import TaskQueue

/// Tasks: submit by name, list, inspect, revoke.
extension APIService {
    var taskRoutes: [Route] {
        [
            Route(.post, "/api/v1/tasks") { request in try await submit(request) },
            Route(.get, "/api/v1/tasks") { request in try await list(request) },
            Route(.get, "/api/v1/tasks/counts") { request in try await counts(request) },
            Route(.get, "/api/v1/tasks/{task_id}") { request in
                JSONResponse.make(.ok, body: TaskJSON.detail(try await job(request.parameter("task_id")), now: now()))
            },
            Route(.post, "/api/v1/tasks/{task_id}/revoke") { request in try await revoke(request.parameter("task_id")) },
            Route(.post, "/api/v1/tasks/{task_id}/retry") { request in try await retryDeadLetter(request.parameter("task_id")) },
        ]
    }

    /// Re-enqueues a dead letter (`FAILURE`) or a revoked task as a new task linked to it.
    private func retryDeadLetter(_ id: String) async throws -> Response {
        switch try await store.retry(id: id) {
        case .created(let newID):
            context.client.doorbell.ring()
            return JSONResponse.make(
                .accepted, body: ["task_id": .string(newID), "retry_of": .string(id), "status": "submitted"])
        case .notFound:
            throw APIError.notFound("task \(id) not found: it never existed or its result expired")
        case .notFinished(let state):
            throw APIError.conflict("task \(id) is \(state.rawValue): only FAILURE and REVOKED tasks can be retried")
        case .alreadyRetried(let newID):
            throw APIError.conflict("task \(id) was already retried as \(newID)")
        }
    }

    static let submitFields: Set<String> = ["name", "args", "kwargs", "queue", "priority", "countdown", "eta"]

    private func submit(_ request: APIRequest) async throws -> Response {
        let body = try request.jsonObject()
        if let unknown = Set(body.keys).subtracting(Self.submitFields).sorted().first {
            throw APIError.invalid("unknown field '\(unknown)' (known: \(Self.submitFields.sorted().joined(separator: ", ")))")
        }
        guard let name = body["name"]?.stringValue, !name.isEmpty else {
            throw APIError.invalid("'name' must be the name of a registered task")
        }
        guard context.client.registry.task(named: name) != nil else {
            throw APIError(.unprocessableContent, code: "unknown_task", message: "no task named '\(name)' is registered")
        }
        let submission = TaskSubmission(
            name: name, args: try field(body, "args", default: [], \.arrayValue, "a JSON array"),
            kwargs: try field(body, "kwargs", default: [:], \.objectValue, "a JSON object"),
            queue: try optionalField(body, "queue", \.stringValue, "a queue name"),
            priority: try field(body, "priority", default: 5, { $0.intValue.flatMap { (0...9).contains($0) ? $0 : nil } }, "0–9"),
            countdown: try optionalField(body, "countdown", { $0.doubleValue.flatMap { $0 >= 0 && $0.isFinite ? $0 : nil } }, "seconds ≥ 0"),
            eta: try optionalField(body, "eta", { $0.stringValue.flatMap(ISO8601.date) }, "an ISO 8601 time"),
            idempotencyKey: request.headers[.idempotencyKey])
        if submission.countdown != nil && submission.eta != nil {
            throw APIError.invalid("give 'countdown' or 'eta', not both")
        }
        if let queue = submission.queue, queue.isEmpty || queue.utf8.count > 200 {
            throw APIError.invalid("'queue' must have 1–200 bytes")
        }
        let submitted = try await context.client.submit(submission)
        return JSONResponse.make(.accepted, body: ["task_id": .string(submitted.id), "status": "submitted"])
    }

    private func field<T>(
        _ body: [String: JSONValue], _ name: String, default value: T, _ read: (JSONValue) -> T?, _ expected: String
    ) throws -> T {
        try optionalField(body, name, read, expected) ?? value
    }

    private func optionalField<T>(
        _ body: [String: JSONValue], _ name: String, _ read: (JSONValue) -> T?, _ expected: String
    ) throws -> T? {
        guard let value = body[name], value != .null else { return nil }
        guard let typed = read(value) else { throw APIError.invalid("'\(name)' must be \(expected)") }
        return typed
    }

    private func list(_ request: APIRequest) async throws -> Response {
        var filter = try Self.jobFilter(withState: true) { request.query($0) }
        filter.limit = try request.intQuery("limit", default: 20, in: 1...1000)
        filter.offset = try request.intQuery("offset", default: 0, in: 0...Int(Int32.max))
        let jobs = try await store.jobs(filter)
        // A page that is not full ends the matches: its end is the total, without a second scan
        // (a search that matches a few of a million tasks scans them all once, not twice).
        let total = jobs.count < filter.limit && (!jobs.isEmpty || filter.offset == 0)
            ? JobTotal(filter.offset + jobs.count) : try await store.totalJobs(filter, limit: Self.countLimit)
        let now = now()
        let items = jobs.map { TaskJSON.summary($0, now: now) }
        return JSONResponse.make(.ok, body: TaskJSON.list(items, total: total, limit: filter.limit, offset: filter.offset))
    }

    /// Where a count that no index answers stops (DESIGN.md §13: a worker's successes): such a
    /// count is at least this, and the answer says so.
    static let countLimit = 10_000

    /// Per state, the tasks matching the listing's filters (but `state`): every state, 0 when
    /// none; the total; the states whose count is a lower bound (`countLimit`).
    private func counts(_ request: APIRequest) async throws -> Response {
        let counts = try await store.countJobs(try Self.jobFilter(withState: false) { request.query($0) }, limit: Self.countLimit)
        var body: [String: JSONValue] = [:]
        for state in TaskState.allCases { body[state.rawValue] = .int(Int64(counts.byState[state] ?? 0)) }
        let atLeast = TaskState.allCases.filter(counts.atLeast.contains).map { JSONValue.string($0.rawValue) }
        return JSONResponse.make(
            .ok, body: ["counts": .object(body), "total": .int(Int64(counts.total)), "at_least": .array(atLeast)])
    }

    /// The listing's filters, read through `value` (a query parameter, or a field of the bulk
    /// route's `filter`; `label` names it in a 422): `state` (with `withState`), name, queue,
    /// worker, `q` (an id prefix or a substring of the name, args, kwargs or error), `since` and
    /// `until` (enqueued in [since, until): ISO 8601 or Unix seconds).
    static func jobFilter(
        withState: Bool, label: (String) -> String = { $0 }, _ value: (String) throws -> String?
    ) throws -> JobFilter {
        var filter = JobFilter()
        if withState, let state = try value("state") {
            guard let parsed = TaskState(rawValue: state.uppercased()) else {
                throw APIError.invalid(
                    "'\(label("state"))' must be one of \(TaskState.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            filter.state = parsed
        }
        filter.name = try value("name")
        filter.queue = try value("queue")
        filter.worker = try value("worker")
        filter.search = try value("q").flatMap { $0.isEmpty ? nil : $0 }
        filter.since = try value("since").map { try time($0, name: label("since")) }
        filter.until = try value("until").map { try time($0, name: label("until")) }
        return filter
    }

    /// A time given as ISO 8601 or Unix seconds, else 422 naming the field.
    static func time(_ text: String, name: String) throws -> Date {
        if let date = ISO8601.date(text) { return date }
        if let seconds = Double(text), seconds.isFinite { return Date(timeIntervalSince1970: seconds) }
        throw APIError.invalid("'\(name)' must be an ISO 8601 time (2026-12-03T10:00:00Z) or Unix seconds")
    }

    private func revoke(_ id: String) async throws -> Response {
        let before = try await job(id)
        let state = before.state.isFinal ? before.state : (try await context.revoke(taskID: id) ?? before.state)
        let status: String
        switch state {
        case _ where before.state.isFinal: status = "noop"
        case .revoked: status = "revoked"
        default: status = "revoke_requested"
        }
        return JSONResponse.make(.ok, body: ["task_id": .string(id), "state": .string(state.rawValue), "status": .string(status)])
    }
}

extension HTTPField.Name {
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
}

