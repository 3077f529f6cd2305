import Foundation
import Testing

@testable import Server
@testable import TaskQueue

@Suite struct OpenAPITests {
    static let document = try! JSONValue(parsing: OpenAPIDocument.json)

    @Test func everyServedRouteIsDocumentedAndEveryDocumentedRouteServed() throws {
        let api = try APIHarness()
        let served = Set(api.service.routes.map { "\($0.method.rawValue.lowercased()) \($0.pattern)" })
        var documented: Set<String> = []
        for (path, operations) in try #require(Self.document["paths"]?.objectValue) {
            for method in try #require(operations.objectValue).keys { documented.insert("\(method) \(path)") }
        }
        #expect(served == documented)
    }

    @Test func theServedDocumentIsTheOneInTheRepository() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let file = try JSONValue(parsing: Data(contentsOf: root.appendingPathComponent("docs/openapi.json")))
        let api = try APIHarness()
        let served = try await api.send(.get, "/openapi.json")
        #expect(served.status == .ok)
        #expect(served.json == file)
        #expect(file["openapi"] == "3.1.0")
    }

    @Test func mutatingOperationsDeclareTheBearerScheme() throws {
        for (_, operations) in try #require(Self.document["paths"]?.objectValue) {
            for (method, operation) in try #require(operations.objectValue) where method != "get" {
                #expect(operation["security"] == [["bearer": []]])
            }
        }
    }
}
