import Foundation
import HTTPTypes
import Testing

@testable import Server
@testable import TaskQueue

@Suite struct AuthTests {
    static let token = "test-token-0123456789abcdef"

    @Test func mutatingRoutesNeedTheBearerToken() async throws {
        let api = try APIHarness { $0.authToken = Self.token }
        let mutating = api.service.routes.filter(\.mutating)
        #expect(mutating.count >= 5)
        for route in mutating {
            let path = route.pattern.replacingOccurrences(of: "{task_id}", with: JobID.make())
                .replacingOccurrences(of: "{name}", with: "q")
            for headers: HTTPFields in [[:], [.authorization: "Bearer wrong-token-0123456789abcd"], [.authorization: Self.token]] {
                let reply = try await api.send(route.method, path, headers: headers)
                #expect(reply.status == .unauthorized, "\(route.method) \(path) \(headers)")
                #expect(reply.json["error"]?["code"] == "unauthorized")
            }
            let allowed = try await api.send(route.method, path, headers: [.authorization: "Bearer \(Self.token)"])
            #expect(allowed.status != .unauthorized, "\(route.method) \(path)")
        }
        // Reads stay open without auth_read
        #expect(try await api.send(.get, "/api/v1/tasks").status == .ok)
    }

    @Test func authReadProtectsReadsButNotHealth() async throws {
        let api = try APIHarness {
            $0.authToken = Self.token
            $0.authRead = true
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
        config.host = "0.0.0.0"
        let context = try AppContext.open(config: config)
        #expect(throws: APIServer.Refusal.self) {
            _ = try APIServer.make(APIService(context: context), logger: .init(label: "test"))
        }
    }
}
