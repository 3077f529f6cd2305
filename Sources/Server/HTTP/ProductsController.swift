import Catalog
import Common
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TaskQueue

/// The products resource (DESIGN.md §6, §10): the listing, one product, the manual writes with
/// `ETag`/`If-Match`, and the bulk delete with its status. Specific paths (`/products/all`,
/// `/products/upload…`, `/products/delete/…`) win over `/products/{product_id}`.
struct ProductsController: Sendable {
    let context: AppContext

    var routes: [Route] {
        [
            Route(.get, "/api/v1/products") { request in try await list(request) },
            Route(.post, "/api/v1/products") { request in try await create(request) },
            Route(.delete, "/api/v1/products/all") { request in try await deleteAll(request) },
            Route(.get, "/api/v1/products/delete/{task_id}/status") { request in
                try await bulkDeleteStatus(request.parameter("task_id"))
            },
            Route(.get, "/api/v1/products/{product_id}") { request in
                let id = try Self.productID(request)
                guard let product = try await context.catalog.store.product(id: id) else { throw Self.notFound(id) }
                return Self.response(.ok, product)
            },
            Route(.put, "/api/v1/products/{product_id}") { request in try await update(request) },
            Route(.patch, "/api/v1/products/{product_id}") { request in try await update(request) },
            Route(.delete, "/api/v1/products/{product_id}") { request in
                let id = try Self.productID(request)
                try await context.catalog.store.deleteProduct(id: id, precondition: try IfMatch.precondition(request))
                return Response(status: .noContent)
            },
        ]
    }

    // MARK: One product

    private func create(_ request: APIRequest) async throws -> Response {
        let draft = try ProductInput.draft(try request.jsonObject())
        let product = try await context.catalog.store.createProduct(draft)
        var response = Self.response(.created, product)
        response.headers[.location] = "/api/v1/products/\(product.id)"
        return response
    }

    /// PUT and PATCH alike: any non-empty subset of the fields.
    private func update(_ request: APIRequest) async throws -> Response {
        let id = try Self.productID(request)
        let precondition = try IfMatch.precondition(request)
        let changes = try ProductInput.changes(try request.jsonObject())
        return Self.response(.ok, try await context.catalog.store.updateProduct(id: id, changes, precondition: precondition))
    }

    /// Product ids are UUIDs: anything else is no product (404), not a bad request.
    private static func productID(_ request: APIRequest) throws -> String {
        let id = request.parameter("product_id")
        guard UUIDv7.isValid(id) else { throw notFound(id) }
        return id.lowercased()
    }

    private static func notFound(_ id: String) -> APIError {
        APIError.notFound("no product with id '\(id)'")
    }

    /// The product as JSON with its `ETag`.
    private static func response(_ status: HTTPResponse.Status, _ product: Product) -> Response {
        JSONResponse.make(status, body: json(product), headers: [.eTag: product.etag])
    }

    static func json(_ product: Product) -> JSONValue {
        [
            "id": .string(product.id), "sku": .string(product.sku), "name": .string(product.name),
            "description": .string(product.description), "active": .bool(product.active),
            "created_at": TaskJSON.time(product.createdAt), "updated_at": TaskJSON.time(product.updatedAt),
            "etag": .string(product.etag),
        ]
    }

    // MARK: The listing

    private func list(_ request: APIRequest) async throws -> Response {
        var filter = ProductFilter()
        filter.limit = try request.intQuery("limit", default: 20, in: 1...1000)
        filter.offset = try request.intQuery("offset", default: 0, in: 0...Int(Int32.max))
        filter.skuPrefix = request.query("sku")
        filter.name = request.query("name")
        filter.description = request.query("description")
        filter.active = try request.boolQuery("active")
        if let cursor = request.query("cursor") {
            guard UUIDv7.isValid(cursor) else {
                throw APIError.invalid("'cursor' must be a product id (the last of the previous page)")
            }
            filter.cursor = cursor.lowercased()
        }
        let page = try await context.catalog.store.products(filter)
        guard
            case .object(var body) = TaskJSON.list(
                page.items.map(Self.json), total: page.total, limit: filter.limit, offset: filter.offset)
        else { return JSONResponse.make(.ok, body: .null) }
        // With a cursor, has_more and next_cursor follow the keyset, not the offset.
        body["next_cursor"] = page.items.count == filter.limit ? page.items.last.map { .string($0.id) } ?? .null : .null
        if filter.cursor != nil { body["has_more"] = .bool(page.items.count == filter.limit) }
        return JSONResponse.make(.ok, body: .object(body))
    }

    // MARK: Bulk delete

    private func deleteAll(_ request: APIRequest) async throws -> Response {
        let expected = try request.query("expected_total").map { _ in
            try request.intQuery("expected_total", default: 0, in: 0...Int(Int64.max))
        }
        let (_, taskID) = try await BulkDeleteSubmitter(catalog: context.catalog, client: context.client)
            .submit(expectedTotal: expected)
        return JSONResponse.make(
            .accepted,
            body: [
                "task_id": .string(taskID), "status": "submitted",
                "message": "Bulk delete task submitted. Use task ID to monitor progress.",
            ])
    }

    /// The seed's status shape, answered from the bulk delete's record (it lives as long as the
    /// record, not only as long as the task's result).
    private func bulkDeleteStatus(_ taskID: String) async throws -> Response {
        guard let record = try await context.catalog.store.bulkDelete(taskID: taskID) else {
            throw APIError.notFound("no bulk delete with task id '\(taskID)': it never existed or was cleaned up")
        }
        return JSONResponse.make(.ok, body: Self.json(record))
    }

    static func json(_ record: BulkDeleteRecord) -> JSONValue {
        let status: String
        switch record.state {
        case .pending: status = "PENDING"
        case .running: status = "PROGRESS"
        case .success: status = "SUCCESS"
        case .failure: status = "FAILURE"
        case .revoked: status = "REVOKED"
        }
        let message = record.state == .running ? "Deleting \(record.total) products…" : record.message ?? ""
        return [
            "task_id": record.taskID.map { .string($0) } ?? .null, "status": .string(status), "message": .string(message),
            "percent": .double(record.percent), "deleted_count": .int(Int64(record.deletedCount)),
            "total": .int(Int64(record.total)), "kept_new": .int(Int64(record.keptNew)),
            "error": record.error.map { .string($0) } ?? .null,
        ]
    }
}
