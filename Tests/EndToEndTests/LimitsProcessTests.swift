import Foundation
import TestSupport
import Testing

@testable import TaskQueue

/// Very long URLs and headers against the real server: a 4xx (NIO's HTTP parser refuses a
/// head over 80 KiB with 400), the process stays up, nothing changes (issue 10, security).
@Suite(.serialized) struct LimitsProcessTests {
    @Test func veryLongURLsAndHeadersAreRefusedAndTheServerStaysUp() async throws {
        let sandbox = try Sandbox()
        let (server, client) = try await ServeTests().serve(sandbox)
        defer { server.signal(SIGKILL) }
        let store = try sandbox.store()
        let before = try await store.countJobs(JobFilter())
        let long = String(repeating: "a", count: 90_000)
        let attempts: [() throws -> HTTPClient.Reply] = [
            { try client.send("GET", "/api/v1/tasks/\(long)") },
            { try client.send("POST", "/api/v1/tasks?x=\(long)", headers: ["Content-Type": "application/json"], body: #"{"name": "importer.testing.noop"}"#) },
            { try client.send("GET", "/healthz", headers: ["X-Long": long]) },
            { try client.send("POST", "/api/v1/celery/test", headers: ["X-Long": long]) },
            { try client.send("GET", "/healthz", headers: Dictionary(uniqueKeysWithValues: (0..<2000).map { ("X-H\($0)", String(repeating: "b", count: 60)) })) },
        ]
        for (index, attempt) in attempts.enumerated() {
            // The server may close while the client still sends: then there is no reply to read.
            if let reply = try? attempt() {
                #expect((400..<500).contains(reply.status), "attempt \(index): \(reply.status)")
            }
        }
        // A 10 KB path is an ordinary unknown id: 404 with the JSON error.
        let medium = try client.send("GET", "/api/v1/tasks/\(String(repeating: "a", count: 10_000))")
        #expect(medium.status == 404)
        #expect(medium.json["error"]?["code"] == "not_found")
        #expect(try client.send("GET", "/healthz").status == 200)
        #expect(server.process.isRunning)
        #expect(try await store.countJobs(JobFilter()) == before)
    }
}
