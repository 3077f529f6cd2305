import Foundation
import Testing

@testable import Catalog
@testable import Server
@testable import TaskQueue

/// Files the API may read or write are confined to the uploads directory: a `file_path` that
/// leaves it (`..`, an absolute path, a symlink out) is refused at submission with a 422 and
/// nothing is enqueued; an uploaded file's client-given name never becomes a path.
@Suite struct FilePathTests {
    @Test func importSubmissionsOutsideTheUploadsAreA422AndEnqueueNothing() async throws {
        let api = try APIHarness()
        let uploads = api.context.catalog.uploadsDirectory
        let outside = api.directory.appendingPathComponent("outside.csv").path
        try "sku,name\nX-1,Secret\n".write(toFile: outside, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: uploads + "/link.csv", withDestinationPath: outside)
        try FileManager.default.createSymbolicLink(atPath: uploads + "/dir", withDestinationPath: api.directory.path)
        let paths = ["../outside.csv", outside, "link.csv", "dir/outside.csv", "/etc/passwd", "../../../../etc/passwd", "missing.csv", ""]
        for path in paths {
            for body: JSONValue in [
                ["name": .string(ProductTasks.processCSVImport), "kwargs": ["file_path": .string(path)]],
                ["name": .string(ProductTasks.processCSVImport), "args": [.string(path)]],
            ] {
                let reply = try await api.send(.post, "/api/v1/tasks", json: body)
                #expect(reply.status == .unprocessableContent, "\(path): \(reply.text)")
                #expect(reply.json["error"]?["code"] == "invalid_job", "\(path): \(reply.text)")
                let message = reply.json["error"]?["message"]?.stringValue ?? ""
                #expect(message.contains("outside the uploads directory") || message.contains("does not exist") || message.contains("empty"), "\(message)")
            }
        }
        #expect(try await api.context.store.countJobs(JobFilter()) == 0, "a refused submission was enqueued")
        #expect(try await api.send(.get, "/api/v1/imports").json["total"] == 0)
        #expect(try await api.send(.get, "/api/v1/products").json["total"] == 0)
    }

    @Test func anUploadsClientGivenNameNeverBecomesAPath() async throws {
        let api = try APIHarness()
        let uploads = api.context.catalog.uploadsDirectory
        let csv = "sku,name,description\nA-1,Alpha,first\n"
        let raw = try await api.send(
            .post, "/api/v1/products/upload?filename=..%2F..%2Fescaped.csv", headers: [.contentType: "text/csv"], body: csv)
        #expect(raw.status == .accepted, "\(raw.text)")
        let body = UploadTests.multipart([(name: "file", filename: "../../../escaped.csv", content: csv)])
        let multipart = try await api.send(
            .post, "/api/v1/products/upload", headers: [.contentType: "multipart/form-data; boundary=XyZ123"], body: body)
        #expect(multipart.status == .accepted, "\(multipart.text)")
        // Both are stored under generated names inside the uploads directory, nowhere else; the
        // client's name is only recorded.
        let stored = try FileManager.default.contentsOfDirectory(atPath: uploads)
        #expect(stored.count == 2, "\(stored)")
        #expect(stored.allSatisfy { !$0.contains("..") && !$0.contains("escaped") }, "\(stored)")
        let recorded = try await api.send(.get, "/api/v1/imports").json["items"]?.arrayValue?.compactMap { $0["filename"]?.stringValue }
        #expect(Set(recorded ?? []) == ["../../escaped.csv", "../../../escaped.csv"], "\(recorded ?? [])")
        let parent = api.directory.deletingLastPathComponent().path
        #expect(!FileManager.default.fileExists(atPath: parent + "/escaped.csv"))
        #expect(!FileManager.default.fileExists(atPath: api.directory.path + "/escaped.csv"))
    }
}
