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

    /// A raw `text/csv` body, streamed to a file (never held in memory), then recorded and
    /// enqueued; answered once the job is committed.
    private func upload(_ request: APIRequest) async throws -> Response {
        let type = request.headers[.contentType]?.lowercased() ?? ""
        guard type.hasPrefix("text/csv") || type.hasPrefix("application/octet-stream") else {
            throw APIError.unsupportedMediaType(
                "send the file as a text/csv body (multipart/form-data is not supported yet), got '\(type)'")
        }
        let limit = context.config.maxUploadBytes
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw APIError.tooLarge("the upload is \(length) bytes, over max_upload_bytes (\(limit))")
        }
        let submitter = ImportSubmitter(catalog: context.catalog, client: context.client)
        let filename = request.query("filename") ?? "upload.csv"
        let stored = submitter.uploadName(for: filename)
        let path = (context.catalog.uploadsDirectory as NSString).appendingPathComponent(stored)
        let written = try await Self.stream(request.request.body, to: path, limit: limit)
        guard written > 0 else {
            try? FileManager.default.removeItem(atPath: path)
            throw APIError.malformed("the upload is empty")
        }
        let (importID, taskID) = try await submitter.submit(
            storedName: stored, filename: filename, idempotencyKey: request.headers[.idempotencyKey])
        return JSONResponse.make(
            .accepted,
            body: [
                "task_id": .string(taskID), "import_id": .string(importID), "status": "submitted",
                "message": "File uploaded successfully. Processing started.", "filename": .string(filename),
            ])
    }

    /// Writes the body to `path` chunk by chunk; past `limit` bytes the file is removed and 413 answered.
    private static func stream(_ body: RequestBody, to path: String, limit: Int) async throws -> Int {
        guard FileManager.default.createFile(atPath: path, contents: nil), let file = FileHandle(forWritingAtPath: path)
        else { throw APIError(.internalServerError, code: "storage", message: "cannot create the upload file") }
        var written = 0
        do {
            defer { try? file.close() }
            for try await buffer in body {
                written += buffer.readableBytes
                if written > limit {
                    throw APIError.tooLarge("the upload is over max_upload_bytes (\(limit))")
                }
                try file.write(contentsOf: Data(buffer.readableBytesView))
            }
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw error
        }
        return written
    }

    /// `text/event-stream`: the current state at once, a `progress` event at least once a second
    /// while the import runs, then one `complete` or `failed` event, and the stream ends. A client
    /// that goes away ends its loop; the import never waits for a client.
    private func events(_ id: String) async throws -> Response {
        let imports = context.catalog.imports
        guard try await imports.record(id: id) != nil else {
            throw APIError.notFound("import \(id) not found: it never existed or was cleaned up")
        }
        let body = ResponseBody { writer in
            var lastSent = ContinuousClock.now - .seconds(10)
            var lastData: Data?
            while true {
                guard let record = try await imports.record(id: id) else { break }
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
