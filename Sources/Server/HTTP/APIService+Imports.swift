import Catalog
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TaskQueue

/// Imports: history, status (the seed's shape), errors, retry.
extension APIService {
    var importRoutes: [Route] {
        [
            Route(.get, "/api/v1/products/upload/{task_id}/status") { request in
                try await seedStatus(request.parameter("task_id"))
            },
            Route(.get, "/api/v1/imports") { request in
                let limit = try request.intQuery("limit", default: 20, in: 1...1000)
                let offset = try request.intQuery("offset", default: 0, in: 0...Int(Int32.max))
                let page = try await context.catalog.store.importRecords(limit: limit, offset: offset)
                return JSONResponse.make(
                    .ok, body: TaskJSON.list(page.items.map(Self.json), total: page.total, limit: limit, offset: offset))
            },
            Route(.get, "/api/v1/imports/{import_id}") { request in
                JSONResponse.make(.ok, body: Self.json(try await importRecord(request.parameter("import_id"))))
            },
            Route(.get, "/api/v1/imports/{import_id}/errors") { request in try await importErrors(request) },
            Route(.post, "/api/v1/imports/{import_id}/retry") { request in
                let id = request.parameter("import_id")
                let (importID, taskID) = try await ImportSubmitter(catalog: context.catalog, client: context.client)
                    .retry(importID: id)
                return JSONResponse.make(
                    .accepted,
                    body: [
                        "task_id": .string(taskID), "import_id": .string(importID), "retry_of": .string(id),
                        "status": "submitted",
                    ])
            },
        ]
    }

    private func importRecord(_ id: String) async throws -> ImportRecord {
        guard let record = try await context.catalog.store.importRecord(id: id) else {
            throw APIError.notFound("import \(id) not found: it never existed or was cleaned up")
        }
        return record
    }

    /// The seed application's status shape, answered from the imports table.
    private func seedStatus(_ taskID: String) async throws -> Response {
        guard let record = try await context.catalog.store.importRecord(taskID: taskID) else {
            throw APIError.notFound("no import for task \(taskID): it never existed or was cleaned up")
        }
        let state: String
        switch record.state {
        case .pending: state = "Pending"
        case .running: state = "Processing"
        case .success: state = "Completed"
        case .failure, .revoked: state = "Failed"
        }
        // Rows are counted as they stream: until the end, the total is estimated from bytes.
        let total: Int
        if record.state.isFinal || record.bytesRead == 0 {
            total = record.rowsProcessed
        } else {
            total = Int((Double(record.rowsProcessed) * Double(record.bytesTotal) / Double(record.bytesRead)).rounded())
        }
        return JSONResponse.make(
            .ok,
            body: [
                "task_id": .string(taskID), "state": .string(state), "progress_percent": .double(record.percent),
                "current": .int(Int64(record.rowsProcessed)), "total": .int(Int64(total)),
                "created": .int(Int64(record.created)), "updated": .int(Int64(record.updated)),
                "errors": .int(Int64(record.errorCount)), "message": .string(record.message ?? ""),
                "error": record.error.map { .string($0) } ?? .null,
            ])
    }

    private func importErrors(_ request: APIRequest) async throws -> Response {
        let record = try await importRecord(request.parameter("import_id"))
        let limit = try request.intQuery("limit", default: 100, in: 1...1000)
        let offset = try request.intQuery("offset", default: 0, in: 0...1000)
        switch request.query("format") ?? "json" {
        case "json":
            let errors = try await context.catalog.store.importErrors(importID: record.id, limit: limit, offset: offset)
            let items: [JSONValue] = errors.map {
                [
                    "line": .int(Int64($0.line)), "column": $0.column.map { .string($0) } ?? .null,
                    "reason": .string($0.reason), "raw": .string($0.raw),
                ]
            }
            let kept = min(record.errorCount, 1000)
            return JSONResponse.make(.ok, body: TaskJSON.list(items, total: kept, limit: limit, offset: offset))
        case "csv":
            let errors = try await context.catalog.store.importErrors(importID: record.id, limit: 1000, offset: 0)
            var text = "line,column,reason,raw\n"
            for error in errors {
                text += [String(error.line), error.column ?? "", error.reason, error.raw].map(CSVText.field)
                    .joined(separator: ",") + "\n"
            }
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/csv; charset=utf-8",
                    .contentDisposition: "attachment; filename=\"import-\(record.id)-errors.csv\"",
                ],
                body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        case let other:
            throw APIError.invalid("'format' must be json or csv, not '\(other)'")
        }
    }

    static func json(_ record: ImportRecord) -> JSONValue {
        let end = record.finishedAt ?? (record.state.isFinal ? nil : Date())
        let duration = record.startedAt.flatMap { start in end.map { $0.timeIntervalSince(start) } }
        return [
            "import_id": .string(record.id), "task_id": record.taskID.map { .string($0) } ?? .null,
            "filename": record.filename.map { .string($0) } ?? .null, "state": .string(record.state.rawValue),
            "stage": record.stage.map { .string($0) } ?? .null, "message": record.message.map { .string($0) } ?? .null,
            "percent": .double(record.percent), "rows_processed": .int(Int64(record.rowsProcessed)),
            "created": .int(Int64(record.created)), "updated": .int(Int64(record.updated)),
            "skipped": .int(Int64(record.skipped)), "errors": .int(Int64(record.errorCount)),
            "bytes_read": .int(record.bytesRead), "bytes_total": .int(record.bytesTotal),
            "created_at": TaskJSON.time(record.createdAt), "started_at": TaskJSON.time(record.startedAt),
            "finished_at": TaskJSON.time(record.finishedAt),
            "duration_seconds": duration.map { .double(($0 * 1000).rounded() / 1000) } ?? .null,
            "error": record.error.map { .string($0) } ?? .null, "warnings": .array(record.warnings.map { .string($0) }),
            "options": record.options, "retry_of": record.retryOf.map { .string($0) } ?? .null,
        ]
    }
}
