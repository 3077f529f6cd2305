import Foundation
import HTTPTypes
import Testing

@testable import Server
@testable import TaskQueue

/// The web UI's files (compiled in) and what the UI reads of the server: `/api/v1/session`.
@Suite struct UIRoutesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func theCompiledFilesAreTheOnesInTheRepository() throws {
        // Fails when Sources/Server/UI/ changed and `python3 scripts/ui_assets.py` was not run.
        let folder = Self.root.appendingPathComponent("Sources/Server/UI")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasPrefix(".") }.sorted()
        #expect(UIAssets.files.map(\.name) == names, "run python3 scripts/ui_assets.py")
        for (name, text) in UIAssets.files {
            let file = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            #expect(file == text, "\(name) changed: run python3 scripts/ui_assets.py")
        }
    }

    @Test func theUIStaysUnder200KB() {
        let total = UIAssets.files.reduce(0) { $0 + $1.text.utf8.count }
        #expect(total > 10_000)
        #expect(total <= 200_000, "the UI's files hold \(total) bytes")
    }

    @Test func rootRedirectsToTheUI() async throws {
        let api = try APIHarness()
        for path in ["/", "/ui"] {
            let reply = try await api.send(.get, path)
            #expect(reply.status == .found, "\(path)")
            #expect(reply.headers[.location] == "/ui/")
        }
    }

    @Test func filesAreServedWithTheirTypeETagAndSecurityHeaders() async throws {
        let api = try APIHarness()
        let expected: [(String, String, String)] = [
            ("/ui/", "text/html; charset=utf-8", "index.html"), ("/ui/app.js", "text/javascript; charset=utf-8", "app.js"),
            ("/ui/app.css", "text/css; charset=utf-8", "app.css"), ("/ui/icon.svg", "image/svg+xml", "icon.svg"),
        ]
        for (path, type, name) in expected {
            let reply = try await api.send(.get, path)
            #expect(reply.status == .ok, "\(path)")
            #expect(reply.headers[.contentType] == type)
            #expect(reply.headers[.cacheControl] == "no-cache")
            #expect(reply.headers[.contentSecurityPolicy] == "default-src 'self'; frame-ancestors 'none'")
            #expect(reply.headers[.xContentTypeOptions] == "nosniff")
            #expect(reply.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer")
            #expect(String(decoding: reply.body, as: UTF8.self) == UIAssets.files.first { $0.name == name }?.text)
            let etag = try #require(reply.headers[.eTag])
            // Revalidation: the same entity tag is 304 with no body.
            let again = try await api.send(.get, path, headers: [.ifNoneMatch: etag])
            #expect(again.status == .notModified)
            #expect(again.body.isEmpty)
            #expect(try await api.send(.get, path, headers: [.ifNoneMatch: "\"other\""]).status == .ok)
        }
        let head = try await api.send(.head, "/ui/app.js")
        #expect(head.status == .ok)
        #expect(head.body.isEmpty)
        // Each file has its own entity tag.
        let tags = Set(UIAssets.shared.assets.values.map(\.etag))
        #expect(tags.count == UIAssets.files.count)
    }

    @Test func unknownFilesAndOtherMethodsAreJSONErrors() async throws {
        let api = try APIHarness()
        let missing = try await api.send(.get, "/ui/nothing.js")
        #expect(missing.status == .notFound)
        #expect(missing.json["error"]?["code"] == "not_found")
        let post = try await api.send(.post, "/ui/")
        #expect(post.status == .methodNotAllowed)
        #expect(post.headers[.allow] == "GET, HEAD")
    }

    @Test func uiFalseServesTheAPIOnly() async throws {
        let api = try APIHarness { $0.http.ui = false }
        #expect(try await api.send(.get, "/").status == .notFound)
        #expect(try await api.send(.get, "/ui/").status == .notFound)
        #expect(try await api.send(.get, "/healthz").status == .ok)
    }

    @Test func theUIIsOpenEvenWhenReadsNeedTheToken() async throws {
        // The files hold no data: the UI itself asks for the token.
        let api = try APIHarness {
            $0.http.authToken = AuthTests.token
            $0.http.authRead = true
        }
        #expect(try await api.send(.get, "/ui/").status == .ok)
        #expect(try await api.send(.get, "/api/v1/products").status == .unauthorized)
    }

    @Test func sessionTellsWhatNeedsTheTokenAndWhetherItIsRight() async throws {
        let open = try APIHarness()
        let none = try await open.send(.get, "/api/v1/session")
        #expect(none.status == .ok)
        #expect(none.json["auth_required"] == "none")
        #expect(none.json["authenticated"] == false)

        let writes = try APIHarness { $0.http.authToken = AuthTests.token }
        #expect(try await writes.send(.get, "/api/v1/session").json["auth_required"] == "writes")
        #expect(try await writes.send(.get, "/api/v1/session").json["authenticated"] == false)
        let right = try await writes.send(.get, "/api/v1/session", headers: [.authorization: "Bearer \(AuthTests.token)"])
        #expect(right.json["authenticated"] == true)
        let wrong = try await writes.send(.get, "/api/v1/session", headers: [.authorization: "Bearer not-the-token-at-all"])
        #expect(wrong.status == .ok)
        #expect(wrong.json["authenticated"] == false)

        let all = try APIHarness {
            $0.http.authToken = AuthTests.token
            $0.http.authRead = true
        }
        let answer = try await all.send(.get, "/api/v1/session")
        #expect(answer.status == .ok)
        #expect(answer.json["auth_required"] == "all")
    }
}
