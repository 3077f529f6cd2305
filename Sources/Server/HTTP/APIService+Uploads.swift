import Catalog
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TaskQueue

/// Uploading a CSV (streamed to the uploads directory) and following an import's progress
/// with Server-Sent Events.
extension APIService {
    var uploadRoutes: [Route] {
        [
            Route(.post, "/api/v1/products/upload", streamsBody: true) { request in try await upload(request) },
            Route(.get, "/api/v1/imports/{import_id}/events") { request in
                try await events(request.parameter("import_id"))
            },
        ]
    }

    /// A `multipart/form-data` body (field `file`) or a raw `text/csv` body, streamed to a file in
    /// the uploads directory (never held in memory), then recorded and enqueued; answered once
    /// the job is committed.
    private func upload(_ request: APIRequest) async throws -> Response {
        let type = request.headers[.contentType] ?? ""
        let lowered = type.lowercased()
        let multipart = lowered.hasPrefix("multipart/form-data")
        guard multipart || lowered.hasPrefix("text/csv") || lowered.hasPrefix("application/octet-stream") else {
            throw APIError.unsupportedMediaType("send multipart/form-data (field 'file') or a text/csv body, not '\(type)'")
        }
        let limit = context.config.http.maxUploadBytes
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit + (multipart ? 64 << 10 : 0) {
            throw APIError.tooLarge("the upload is \(length) bytes, over max_upload_bytes (\(limit))")
        }
        let boundary = UploadSink.parameter("boundary", in: type)
        if multipart && (boundary ?? "").isEmpty {
            throw APIError.malformed("the multipart Content-Type has no boundary")
        }
        // The import's options (`?atomic=true`, `?dry_run=true`), checked before the file is taken.
        var options: [String: JSONValue] = [:]
        if let atomic = try request.boolQuery("atomic") { options["atomic"] = .bool(atomic) }
        if let dryRun = try request.boolQuery("dry_run") { options["dry_run"] = .bool(dryRun) }
        let submitter = ImportSubmitter(catalog: context.catalog, client: context.client)
        let stored = submitter.uploadName(for: "upload.csv")
        let path = (context.catalog.uploadsDirectory as NSString).appendingPathComponent(stored)
        let sink = try UploadSink(path: path, limit: limit, storage: context.storageProbe)
        if multipart, let boundary {
            try await sink.writeMultipart(request.request.body, boundary: boundary)
        } else {
            try await sink.writeRaw(request.request.body)
        }
        guard sink.written > 0 else {
            try? FileManager.default.removeItem(atPath: path)
            throw APIError.malformed("the upload is empty")
        }
        let filename = sink.filename ?? request.query("filename") ?? "upload.csv"
        let (importID, taskID) = try await submitter.submit(
            storedName: stored, filename: filename, options: .object(options), idempotencyKey: request.headers[.idempotencyKey])
        return JSONResponse.make(
            .accepted,
            body: [
                "task_id": .string(taskID), "import_id": .string(importID), "status": "submitted",
                "message": "File uploaded successfully. Processing started.", "filename": .string(filename),
            ])
    }

    /// `text/event-stream`: the current state at once, a `progress` event at least once a second
    /// while the import runs, then one `complete` or `failed` event, and the stream ends. A client
    /// that goes away ends its loop; the import never waits for a client.
    private func events(_ id: String) async throws -> Response {
        let store = context.catalog.store
        guard try await store.importRecord(id: id) != nil else {
            throw APIError.notFound("import \(id) not found: it never existed or was cleaned up")
        }
        let body = ResponseBody { writer in
            var lastSent = ContinuousClock.now - .seconds(10)
            var lastData: Data?
            while true {
                guard let record = try await store.importRecord(id: id) else { break }
                let data = Self.json(record).jsonData
                let event: String
                switch record.state {
                case .success: event = "complete"
                case .failure, .revoked: event = "failed"
                case .pending, .running: event = "progress"
                }
                let now = ContinuousClock.now
                if event != "progress" || data != lastData || now - lastSent >= .milliseconds(900) {
                    var buffer = ByteBuffer(string: "event: \(event)\ndata: ")
                    buffer.writeBytes(data)
                    buffer.writeString("\n\n")
                    try await writer.write(buffer)
                    lastSent = now
                    lastData = data
                }
                if event != "progress" { break }
                try await Task.sleep(for: .milliseconds(200))
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }
}
