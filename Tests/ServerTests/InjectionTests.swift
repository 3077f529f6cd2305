import Foundation
import Testing

@testable import Server
@testable import TaskQueue

/// SQL-injection strings in every filter of every listing: answered as plain text values (no
/// match, or a clear 4xx for a value that must be one of a set), and nothing changes.
@Suite struct InjectionTests {
    static let payloads = [
        "' OR '1'='1", "'; DROP TABLE products; --", "\" OR 1=1 --", "%", "_", "%' --", "1; DELETE FROM jobs",
        "') UNION SELECT sku, name, description FROM products --", "\\", "é' OR sku LIKE '%",
    ]

    static func encoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }

    @Test func listingFiltersTreatEveryStringAsAValue() async throws {
        let api = try APIHarness()
        let upload = try await api.send(
            .post, "/api/v1/products/upload", headers: [.contentType: "text/csv"], body: "sku,name,description\nA-1,Alpha,first\nB-2,Beta,second\n")
        #expect(upload.status == .accepted)
        try await api.withWorker {
            try await eventuallyAsync { try await api.send(.get, "/api/v1/products").json["total"] == 2 }
        }
        let jobsBefore = try await api.context.store.countJobs(JobFilter())
        for payload in Self.payloads {
            for field in ["sku", "name", "description"] {
                let reply = try await api.send(.get, "/api/v1/products?\(field)=\(Self.encoded(payload))")
                #expect(reply.status == .ok, "\(field)=\(payload): \(reply.text)")
                #expect(reply.json["total"] == 0, "\(field)=\(payload) matched: \(reply.text)")
            }
            let active = try await api.send(.get, "/api/v1/products?active=\(Self.encoded(payload))")
            #expect(active.status == .unprocessableContent || active.status == .badRequest, "active=\(payload)")
            #expect(active.json["error"]?["message"] != nil)
            for field in ["name", "queue", "worker"] {
                let reply = try await api.send(.get, "/api/v1/tasks?\(field)=\(Self.encoded(payload))")
                #expect(reply.status == .ok, "\(field)=\(payload): \(reply.text)")
                #expect(reply.json["total"] == 0)
            }
            // q matches the text literally ("_" is in task names): as the filter's own reading says
            let all = try await api.context.store.jobs(JobFilter(limit: 1000))
            let literal = all.filter(JobFilter(search: payload).matches).count
            let search = try await api.send(.get, "/api/v1/tasks?q=\(Self.encoded(payload))")
            #expect(search.status == .ok, "q=\(payload): \(search.text)")
            #expect(search.json["total"] == .int(Int64(literal)), "q=\(payload)")
            #expect(try await api.send(.get, "/api/v1/tasks/counts?q=\(Self.encoded(payload))").json["total"] == .int(Int64(literal)))
            for field in ["since", "until"] {
                let reply = try await api.send(.get, "/api/v1/tasks?\(field)=\(Self.encoded(payload))")
                #expect(reply.status == .unprocessableContent, "\(field)=\(payload)")
            }
            let state = try await api.send(.get, "/api/v1/tasks?state=\(Self.encoded(payload))")
            #expect(state.status == .unprocessableContent || state.status == .badRequest, "state=\(payload)")
            for path in ["/api/v1/products?limit=", "/api/v1/tasks?offset=", "/api/v1/imports?limit=", "/api/v1/schedules?limit="] {
                let reply = try await api.send(.get, path + Self.encoded(payload))
                #expect(reply.status == .unprocessableContent || reply.status == .badRequest, "\(path)\(payload)")
            }
            for path in ["/api/v1/tasks/\(Self.encoded(payload))", "/api/v1/products/\(Self.encoded(payload))",
                         "/api/v1/imports/\(Self.encoded(payload))"] {
                let reply = try await api.send(.get, path)
                #expect(reply.status == .notFound, "\(path): \(reply.status)")
            }
        }
        // Nothing changed.
        #expect(try await api.send(.get, "/api/v1/products").json["total"] == 2)
        #expect(try await api.send(.get, "/api/v1/products?sku=a-").json["total"] == 1)
        #expect(try await api.context.store.countJobs(JobFilter()) == jobsBefore)
    }
}
