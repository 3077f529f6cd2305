import Foundation
import HTTPTypes
import Hummingbird
import TaskQueue

/// `POST /api/v1/tasks/bulk`: revoke, retry or delete the tasks given by id, or every task that
/// matches a filter (the listing's). The work goes in batches of `batchSize`, each its own short
/// transactions, so "all matching" over 100,000 tasks never holds the queue's write lock long.
extension APIService {
    enum BulkAction: String, CaseIterable {
        case revoke, retry, delete
    }

    static let bulkBatchSize = 500
    static let bulkDeleteChunk = 200
    static let bulkMaxIDs = 10_000
    static let bulkFilterFields: Set<String> = ["state", "name", "queue", "worker", "q", "since", "until"]

    var taskBulkRoutes: [Route] {
        [Route(.post, "/api/v1/tasks/bulk") { request in try await bulk(request) }]
    }

    private func bulk(_ request: APIRequest) async throws -> Response {
        let body = try request.jsonObject()
        if let unknown = Set(body.keys).subtracting(["action", "ids", "filter"]).sorted().first {
            throw APIError.invalid("unknown field '\(unknown)' (known: action, filter, ids)")
        }
        guard let text = body["action"]?.stringValue, let action = BulkAction(rawValue: text) else {
            throw APIError.invalid("'action' must be one of \(BulkAction.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var tally = BulkTally()
        switch (body["ids"], body["filter"]) {
        case (let ids?, nil):
            for batch in try Self.bulkIDs(ids).chunked(Self.bulkBatchSize) {
                var records: [JobRecord] = []
                for id in batch {
                    if case .found(let record) = try await store.job(id: id) { records.append(record) }
                }
                try await apply(action, to: records, tally: &tally)
            }
        case (nil, let filter?):
            var filter = try Self.bulkFilter(filter)
            filter.limit = Self.bulkBatchSize
            // Newest first, each page below the last: tasks a retry creates are newer than the
            // first page, so they are never matched again.
            while true {
                let records = try await store.jobs(filter)
                guard let last = records.last else { break }
                try await apply(action, to: records, tally: &tally)
                filter.beforeID = last.id
            }
        default:
            throw APIError.invalid("give either 'ids' (task ids) or 'filter' (the listing's filters), not both")
        }
        if action == .retry && tally.done > 0 { context.client.doorbell.ring() }
        return JSONResponse.make(
            .ok,
            body: [
                "action": .string(action.rawValue), "matched": .int(Int64(tally.matched)), "done": .int(Int64(tally.done)),
                "skipped": .int(Int64(tally.matched - tally.done)),
            ])
    }

    struct BulkTally {
        var matched = 0
        var done = 0
    }

    /// Revoke: tasks not finished yet (waiting ones at once, running ones within a second). Retry:
    /// `FAILURE` and `REVOKED` tasks not retried before. Delete: finished tasks. The rest are
    /// skipped.
    private func apply(_ action: BulkAction, to records: [JobRecord], tally: inout BulkTally) async throws {
        tally.matched += records.count
        switch action {
        case .revoke:
            for record in records where !record.state.isFinal {
                if try await context.revoke(taskID: record.id) != nil { tally.done += 1 }
            }
        case .retry:
            for record in records where record.state == .failure || record.state == .revoked {
                if case .created = try await store.retry(id: record.id) { tally.done += 1 }
            }
        case .delete:
            // 200 deletes (with their attempts) take ~10 ms: one transaction each stays short.
            for chunk in records.filter(\.state.isFinal).map(\.id).chunked(Self.bulkDeleteChunk) {
                tally.done += try await store.deleteFinished(ids: Array(chunk)).count
            }
        }
    }

    private static func bulkIDs(_ value: JSONValue) throws -> [String] {
        let items = value.arrayValue ?? []
        let ids = items.compactMap(\.stringValue)
        guard value.arrayValue != nil, ids.count == items.count, ids.allSatisfy(JobID.isValid) else {
            throw APIError.invalid("'ids' must be an array of task ids (UUIDs)")
        }
        guard (1...bulkMaxIDs).contains(ids.count) else {
            throw APIError.invalid("'ids' must hold 1 to \(bulkMaxIDs) task ids (use 'filter' for more)")
        }
        return Array(Set(ids.map { $0.lowercased() })).sorted(by: >)
    }

    private static func bulkFilter(_ value: JSONValue) throws -> JobFilter {
        guard let object = value.objectValue else { throw APIError.invalid("'filter' must be an object") }
        if let unknown = Set(object.keys).subtracting(bulkFilterFields).sorted().first {
            throw APIError.invalid("unknown filter '\(unknown)' (known: \(bulkFilterFields.sorted().joined(separator: ", ")))")
        }
        return try jobFilter(withState: true, label: { "filter.\($0)" }) { name in
            guard let field = object[name], field != .null else { return nil }
            guard let string = field.stringValue else { throw APIError.invalid("'filter.\(name)' must be a string") }
            return string
        }
    }
}

extension Array {
    /// Consecutive slices of at most `size` elements.
    fileprivate func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
