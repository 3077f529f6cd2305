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
        ]
    }

    /// 200 when the queue database answers; 503 with the reason otherwise.
    private func health() async throws -> Response {
        do {
            try await store.healthCheck()
            let workers = try await inspector.liveWorkers()
            return JSONResponse.make(
                .ok,
                body: [
                    "status": "healthy", "database": "ok", "workers": .int(Int64(workers.count)),
                    "uptime": .int(Int64(now().timeIntervalSince(startedAt))),
                ])
        } catch {
            return JSONResponse.make(
                .serviceUnavailable, body: ["status": "unhealthy", "reason": .string("the queue database cannot be read: \(error)")])
        }
    }
}
