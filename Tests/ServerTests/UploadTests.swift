import Catalog
import Foundation
import HTTPTypes
import TestSupport
import Testing

@testable import Server
@testable import TaskQueue

/// The raw CSV upload and the Server-Sent Events of an import.
@Suite struct UploadTests {
    static let csv = "sku,name\nA,Apple\nB,Banana\n"

    @Test(arguments: APIHarness.Backend.allCases)
    func uploadStoresEnqueuesAndAnswers202(backend: APIHarness.Backend) async throws {
        let api = try APIHarness(backend)
        let reply = try await api.send(
            .post, "/api/v1/products/upload?filename=fruit.csv", headers: [.contentType: "text/csv"], body: Self.csv)
        #expect(reply.status == .accepted)
        #expect(reply.json["status"] == "submitted")
        #expect(reply.json["message"] == "File uploaded successfully. Processing started.")
        #expect(reply.json["filename"] == "fruit.csv")
        let taskID = try #require(reply.json["task_id"]?.stringValue)
        let importID = try #require(reply.json["import_id"]?.stringValue)
        // Committed before the answer: the job and the record exist.
        #expect(try await api.send(.get, "/api/v1/tasks/\(taskID)").json["name"] == "app.tasks.product_tasks.process_csv_import")
        #expect(try await api.send(.get, "/api/v1/products/upload/\(taskID)/status").json["state"] == "Pending")
        let stored = try FileManager.default.contentsOfDirectory(atPath: api.context.catalog.uploadsDirectory)
        #expect(stored.count == 1)
        #expect(try String(contentsOfFile: api.context.catalog.uploadsDirectory + "/" + stored[0], encoding: .utf8) == Self.csv)
        try await api.withWorker {
            let done = try await eventually(timeout: 10) {
                try await api.send(.get, "/api/v1/imports/\(importID)").json["state"] == "SUCCESS"
            }
            #expect(done)
        }
        #expect(try await api.send(.get, "/api/v1/products").json["total"] == 2)
    }

    static func multipart(_ parts: [(name: String, filename: String?, content: String)], boundary: String = "XyZ123") -> String {
        var body = ""
        for part in parts {
            body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(part.name)\""
            if let filename = part.filename { body += "; filename=\"\(filename)\"" }
            body += "\r\nContent-Type: text/csv\r\n\r\n\(part.content)\r\n"
        }
        return body + "--\(boundary)--\r\n"
    }

    @Test(arguments: APIHarness.Backend.allCases)
    func multipartUploadStoresTheFileField(backend: APIHarness.Backend) async throws {
        let api = try APIHarness(backend)
        let body = Self.multipart([("note", nil, "ignored"), ("file", "multi.csv", Self.csv)])
        let reply = try await api.send(
            .post, "/api/v1/products/upload", headers: [.contentType: "multipart/form-data; boundary=XyZ123"], body: body)
        #expect(reply.status == .accepted, "\(reply.text)")
        #expect(reply.json["filename"] == "multi.csv")
        let stored = try FileManager.default.contentsOfDirectory(atPath: api.context.catalog.uploadsDirectory)
        #expect(try String(contentsOfFile: api.context.catalog.uploadsDirectory + "/" + stored[0], encoding: .utf8) == Self.csv)

        let noFile = try await api.send(
            .post, "/api/v1/products/upload", headers: [.contentType: "multipart/form-data; boundary=XyZ123"],
            body: Self.multipart([("other", nil, "x")]))
        #expect(noFile.status == .badRequest)
        let malformed = try await api.send(
            .post, "/api/v1/products/upload", headers: [.contentType: "multipart/form-data; boundary=XyZ123"],
            body: "--XyZ123\r\ngarbage without headers end")
        #expect(malformed.status == .badRequest)
        let noBoundary = try await api.send(
            .post, "/api/v1/products/upload", headers: [.contentType: "multipart/form-data"], body: body)
        #expect(noBoundary.status == .badRequest)
        #expect(try FileManager.default.contentsOfDirectory(atPath: api.context.catalog.uploadsDirectory).count == 1)
    }

    @Test func a12MBUploadIsAnsweredWellUnderASecondAfterItsBody() async throws {
        let api = try APIHarness()
        var csv = "sku,name,description\n"
        for index in 0..<100_000 { csv += "sku-\(index),Product \(index),A description of product \(index) for the upload test\n" }
        let started = ContinuousClock.now
        let reply = try await api.send(.post, "/api/v1/products/upload", headers: [.contentType: "text/csv"], body: csv)
        let elapsed = ContinuousClock.now - started
        #expect(reply.status == .accepted)
        #expect(elapsed < .seconds(1), "answered after \(elapsed)")
    }

    @Test func uploadLimitsEmptyBodiesAndMediaTypes() async throws {
        let api = try APIHarness { $0.http.maxUploadBytes = 10 }
        #expect(try await api.send(.post, "/api/v1/products/upload", headers: [.contentType: "text/csv"], body: Self.csv).status == .contentTooLarge)
        let big = Self.multipart([("file", "f.csv", Self.csv)])
        #expect(
            try await api.send(.post, "/api/v1/products/upload", headers: [.contentType: "multipart/form-data; boundary=XyZ123"], body: big)
                .status == .contentTooLarge)
        #expect(try await api.send(.post, "/api/v1/products/upload", headers: [.contentType: "text/csv"], body: "").status == .badRequest)
        #expect(try await api.send(.post, "/api/v1/products/upload", headers: [.contentType: "application/json"], body: "{}").status == .unsupportedMediaType)
        #expect(try FileManager.default.contentsOfDirectory(atPath: api.context.catalog.uploadsDirectory).isEmpty)
    }

    @Test(arguments: APIHarness.Backend.allCases)
    func idempotencyKeyReturnsTheSameImport(backend: APIHarness.Backend) async throws {
        let api = try APIHarness(backend)
        let headers: HTTPFields = [.contentType: "text/csv", .idempotencyKey: "upload-1"]
        let first = try await api.send(.post, "/api/v1/products/upload", headers: headers, body: Self.csv)
        let second = try await api.send(.post, "/api/v1/products/upload", headers: headers, body: Self.csv)
        #expect(second.json["task_id"] == first.json["task_id"])
        #expect(second.json["import_id"] == first.json["import_id"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: api.context.catalog.uploadsDirectory).count == 1)
        #expect(try await api.send(.get, "/api/v1/imports").json["total"] == 1)
    }

    @Test func uploadNeedsTheTokenWhenConfigured() async throws {
        let api = try APIHarness { $0.http.authToken = "upload-token-0123456789" }
        #expect(try await api.send(.post, "/api/v1/products/upload", headers: [.contentType: "text/csv"], body: Self.csv).status == .unauthorized)
    }

    /// `event:`/`data:` pairs of an SSE body.
    static func events(_ text: String) -> [(String, JSONValue)] {
        text.components(separatedBy: "\n\n").compactMap { block in
            let lines = block.split(separator: "\n")
            guard let event = lines.first(where: { $0.hasPrefix("event: ") }),
                let data = lines.first(where: { $0.hasPrefix("data: ") })
            else { return nil }
            return (String(event.dropFirst(7)), (try? JSONValue(parsing: String(data.dropFirst(6)))) ?? .null)
        }
    }

    @Test func eventsFollowAnImportToItsEndAndALateClientGetsTheFinalEventAtOnce() async throws {
        let api = try APIHarness { $0.catalog.importDefaults.batchRows = 500 }
        var csv = "sku,name\n"
        for index in 0..<20_000 { csv += "sku-\(index),Product \(index)\n" }
        let upload = try await api.send(.post, "/api/v1/products/upload", headers: [.contentType: "text/csv"], body: csv)
        let importID = try #require(upload.json["import_id"]?.stringValue)
        try await api.withWorker {
            // A client that follows from the start: the current state first, progress, then complete.
            let stream = try await api.send(.get, "/api/v1/imports/\(importID)/events")
            #expect(stream.headers[.contentType] == "text/event-stream")
            let events = Self.events(stream.text)
            #expect(events.first?.0 == "progress")
            #expect(events.last?.0 == "complete")
            #expect(events.filter { $0.0 != "progress" }.count == 1)
            #expect(events.last?.1["created"] == 20_000)
        }
        // A client that connects after the end gets the final event at once.
        let late = Self.events(try await api.send(.get, "/api/v1/imports/\(importID)/events").text)
        #expect(late.map(\.0) == ["complete"])
        #expect(try await api.send(.get, "/api/v1/imports/nope/events").status == .notFound)
    }

    @Test(arguments: APIHarness.Backend.allCases)
    func aFailingImportEndsWithFailedAndTheReason(backend: APIHarness.Backend) async throws {
        let api = try APIHarness(backend)
        let upload = try await api.send(.post, "/api/v1/products/upload", headers: [.contentType: "text/csv"], body: "name;sku\nx;y\n")
        let importID = try #require(upload.json["import_id"]?.stringValue)
        try await api.withWorker {
            let events = Self.events(try await api.send(.get, "/api/v1/imports/\(importID)/events").text)
            #expect(events.last?.0 == "failed")
            #expect(events.last?.1["error"]?.stringValue?.contains("semicolons") == true)
        }
    }
}

/// The import options of an upload (`?atomic=`, `?dry_run=`), used by the web UI.
@Suite struct UploadOptionTests {
    @Test(arguments: APIHarness.Backend.allCases)
    func optionsReachTheImport(backend: APIHarness.Backend) async throws {
        let api = try APIHarness(backend)
        let reply = try await api.send(
            .post, "/api/v1/products/upload?atomic=true&dry_run=true", headers: [.contentType: "text/csv"], body: UploadTests.csv)
        #expect(reply.status == .accepted)
        let importID = try #require(reply.json["import_id"]?.stringValue)
        let record = try await api.send(.get, "/api/v1/imports/\(importID)")
        #expect(record.json["options"] == ["atomic": true, "dry_run": true])
        try await api.withWorker {
            let done = try await eventually(timeout: 10) {
                try await api.send(.get, "/api/v1/imports/\(importID)").json["state"] == "SUCCESS"
            }
            #expect(done)
        }
        // A dry run changes nothing.
        #expect(try await api.send(.get, "/api/v1/products").json["total"] == 0)
    }

    @Test(arguments: APIHarness.Backend.allCases)
    func revokingAWaitingImportEndsItsRecordAndItsStream(backend: APIHarness.Backend) async throws {
        // The web UI's Cancel on an import that no worker has started yet.
        let api = try APIHarness(backend)
        let reply = try await api.send(.post, "/api/v1/products/upload", headers: [.contentType: "text/csv"], body: UploadTests.csv)
        let importID = try #require(reply.json["import_id"]?.stringValue)
        let taskID = try #require(reply.json["task_id"]?.stringValue)
        let revoke = try await api.send(.post, "/api/v1/tasks/\(taskID)/revoke")
        #expect(revoke.json["status"] == "revoked")
        let record = try await api.send(.get, "/api/v1/imports/\(importID)")
        #expect(record.json["state"] == "REVOKED")
        #expect(record.json["message"] == "Revoked")
        #expect(try await api.send(.get, "/api/v1/products/upload/\(taskID)/status").json["state"] == "Failed")
        let stream = try await api.send(.get, "/api/v1/imports/\(importID)/events")
        #expect(String(decoding: stream.body, as: UTF8.self).hasPrefix("event: failed\n"))
        // It can be retried (its upload is kept)
        #expect(try await api.send(.post, "/api/v1/imports/\(importID)/retry").status == .accepted)
    }

    @Test(arguments: APIHarness.Backend.allCases)
    func aBadOptionIsRefusedBeforeTheFileIsTaken(backend: APIHarness.Backend) async throws {
        let api = try APIHarness(backend)
        let reply = try await api.send(
            .post, "/api/v1/products/upload?dry_run=maybe", headers: [.contentType: "text/csv"], body: UploadTests.csv)
        #expect(reply.status == .unprocessableContent)
        #expect(reply.json["error"]?["message"] == "'dry_run' must be true or false")
        #expect(try FileManager.default.contentsOfDirectory(atPath: api.context.catalog.uploadsDirectory).isEmpty)
    }
}
