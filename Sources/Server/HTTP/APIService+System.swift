import Common
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TaskQueue

/// Health, metrics and the API description.
extension APIService {
    var systemRoutes: [Route] {
        [
            Route(.get, "/health", isPublic: true) { _ in try await health() },
            Route(.get, "/healthz", isPublic: true) { _ in try await health() },
            Route(.get, "/metrics") { _ in
                let text = try await metrics.scrape(store)
                return Response(
                    status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                    body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
            },
            Route(.get, "/openapi.json") { _ in JSONResponse.make(.ok, bytes: Data(OpenAPIDocument.json.utf8)) },
            Route(.get, "/api/v1/session", isPublic: true) { request in session(request) },
        ]
    }

    /// What a client (the web UI) needs before it asks for a token: which routes need one, and
    /// whether the bearer token it sent (if any) is the right one. Never 401, and it tells no more
    /// than a 401 would.
    private func session(_ request: APIRequest) -> Response {
        let auth = authPolicy
        return JSONResponse.make(
            .ok,
            body: [
                "auth_required": .string(auth.requirement), "authenticated": .bool(auth.presentsToken(request.request)),
                "version": .string(AppVersion.current),
            ])
    }

    /// 200 when the queue database answers and the data directory takes writes. 503 with the
    /// reason when the queue database cannot be read, or when the data directory cannot take
    /// writes (read-only or full: reads still work, submissions do not).
    private func health() async throws -> Response {
        do {
            try await store.healthCheck()
            let workers = try await inspector.liveWorkers()
            switch context.storageProbe.condition() {
            case .writable:
                let uptime = Int64(now().timeIntervalSince(startedAt))
                return JSONResponse.make(
                    .ok,
                    body: [
                        "status": "healthy", "database": "ok", "workers": .int(Int64(workers.count)), "uptime": .int(uptime),
                        "version": .string(AppVersion.current), "commit": .string(AppVersion.commit),
                    ])
            case .readOnly(let reason):
                return unhealthy(database: "read_only", reason: reason)
            case .full:
                return unhealthy(database: "full", reason: "the data directory's disk is full")
            }
        } catch {
            return unhealthy(database: "unreadable", reason: "the queue database cannot be read: \(error)")
        }
    }

    private func unhealthy(database: String, reason: String) -> Response {
        JSONResponse.make(
            .serviceUnavailable,
            body: [
                "status": "unhealthy", "database": .string(database), "reason": .string(reason),
                "version": .string(AppVersion.current), "commit": .string(AppVersion.commit),
            ])
    }
}
