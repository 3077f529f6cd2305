import Foundation
import HTTPTypes
import Testing

@testable import Server
@testable import TaskQueue

@Suite struct AuthTests {
    static let token = "test-token-0123456789abcdef"

    @Test func mutatingRoutesNeedTheBearerToken() async throws {
        let api = try APIHarness { $0.http.authToken = Self.token }
        let mutating = api.service.routes.filter(\.mutating)
        #expect(mutating.count >= 5)
        let paths = mutating.map { route in
            (route.method, route.pattern.replacingOccurrences(of: "{task_id}", with: JobID.make()).replacingOccurrences(of: "{name}", with: "q"))
        }
        let submission = #"{"name": "importer.testing.noop"}"#
        for (method, path) in paths {
            for headers: HTTPFields in [[:], [.authorization: "Bearer wrong-token-0123456789abcd"], [.authorization: Self.token]] {
                var fields = headers
                fields[.contentType] = path.hasSuffix("upload") ? "text/csv" : "application/json"
                let reply = try await api.send(method, path, headers: fields, body: path.hasSuffix("upload") ? "sku,name\nA,1\n" : submission)
                #expect(reply.status == .unauthorized, "\(method) \(path) \(headers)")
                #expect(reply.json["error"]?["code"] == "unauthorized")
            }
        }
        // Nothing changed: no job, no upload, no paused queue.
        #expect(try await api.context.store.countJobs(JobFilter()) == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: api.context.catalog.uploadsDirectory).isEmpty)
        #expect(try await api.context.store.pausedQueues().isEmpty)
        for (method, path) in paths {
            let allowed = try await api.send(method, path, headers: [.authorization: "Bearer \(Self.token)"])
            #expect(allowed.status != .unauthorized, "\(method) \(path)")
        }
        // Reads stay open without auth_read
        #expect(try await api.send(.get, "/api/v1/tasks").status == .ok)
    }

    @Test func authReadProtectsReadsButNotHealth() async throws {
        let api = try APIHarness {
            $0.http.authToken = Self.token
            $0.http.authRead = true
        }
        #expect(try await api.send(.get, "/api/v1/tasks").status == .unauthorized)
        #expect(try await api.send(.get, "/metrics").status == .unauthorized)
        #expect(try await api.send(.get, "/api/v1/tasks", headers: [.authorization: "Bearer \(Self.token)"]).status == .ok)
        #expect(try await api.send(.get, "/healthz").status == .ok)
        #expect(try await api.send(.get, "/health").status == .ok)
    }

    @Test func constantTimeComparison() {
        #expect(AuthPolicy.constantTimeEqual(Array("abc".utf8), Array("abc".utf8)))
        #expect(!AuthPolicy.constantTimeEqual(Array("abc".utf8), Array("abd".utf8)))
        #expect(!AuthPolicy.constantTimeEqual(Array("abc".utf8), Array("abcd".utf8)))
        #expect(!AuthPolicy.constantTimeEqual([], Array("a".utf8)))
    }

    @Test func nonLoopbackHostNeedsAToken() throws {
        var config = AppConfig()
        config.dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("auth-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: config.dataDir) }
        config.http.host = "0.0.0.0"
        #expect(throws: APIServer.Refusal.self) {
            _ = try Appliance.build(config: config, roles: .serve, logger: .init(label: "test"))
        }
    }
}
