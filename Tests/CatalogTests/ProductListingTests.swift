import Foundation
import Testing

@testable import Catalog

/// The listing's filters and pages against a model (every product, filtered and ordered newest
/// first in Swift), on every backend: SKU prefixes whose ids follow their keys (an import) and
/// ones whose ids do not (products created one by one in another order), with offsets, cursors
/// and pages deep enough to take the slower path.
@Suite struct ProductListingTests {
    @Test(arguments: CatalogBackend.allCases)
    func everyFilterAndPageMatchesTheModel(backend: CatalogBackend) async throws {
        let fixture = try CatalogFixture(backend, batchRows: 500)
        var csv = "sku,name,description,active\n"
        for index in 0..<2400 {
            let stem = ["pa", "pb", "Q", "pé"][index % 4]
            csv += "\(stem)-\(index),Name \(index % 7),desc \(index % 11)\(index % 3 == 0 ? " river" : ""),\(index % 5 == 0 ? "no" : "yes")\n"
        }
        _ = try await fixture.importCSV(csv).0.get()
        // Created one by one, keys descending: their ids run against their keys' order.
        for index in (0..<300).reversed() {
            _ = try await fixture.store.createProduct(
                try ProductInput.draft(["sku": .string("pc-\(index)"), "name": .string("Late \(index)"), "active": .bool(index % 2 == 0)]))
        }
        var all: [Product] = []
        var cursor: String?
        repeat {
            var filter = ProductFilter()
            (filter.limit, filter.cursor) = (1000, cursor)
            let page = try await fixture.store.products(filter).items
            all += page
            cursor = page.count == 1000 ? page.last?.id : nil
        } while cursor != nil
        #expect(all.count == 2700 && all.map(\.id) == all.map(\.id).sorted(by: >))

        func check(_ filter: ProductFilter, matches: (Product) -> Bool) async throws {
            let matching = all.filter(matches)
            let before = matching.filter { filter.cursor == nil || $0.id < filter.cursor! }
            let expected = Array(before.dropFirst(filter.offset).prefix(filter.limit)).map(\.id)
            let (items, total) = try await fixture.store.products(filter)
            #expect(total == matching.count, "\(filter)")
            #expect(items.map(\.id) == expected, "\(filter)")
        }
        let filters: [(ProductFilter, (Product) -> Bool)] = [
            (ProductFilter(skuPrefix: "p"), { $0.sku.lowercased().hasPrefix("p") }),
            (ProductFilter(skuPrefix: "PC-1"), { $0.sku.lowercased().hasPrefix("pc-1") }),
            (ProductFilter(skuPrefix: "pé"), { $0.sku.lowercased().hasPrefix("pé") }),
            (ProductFilter(skuPrefix: "p", active: true), { $0.sku.lowercased().hasPrefix("p") && $0.active }),
            (ProductFilter(skuPrefix: "zz"), { _ in false }),
            (ProductFilter(name: "name 3"), { $0.name.lowercased().contains("name 3") }),
            (ProductFilter(description: "RIVER", active: false), { $0.description.contains("river") && !$0.active }),
        ]
        for (base, matches) in filters {
            let cursorID = all.filter(matches).dropFirst(7).first?.id
            for (limit, offset, cursor) in [(20, 0, nil), (5, 13, nil), (20, 0, cursorID), (3, 4, cursorID), (1000, 1500, nil)] {
                var filter = base
                (filter.limit, filter.offset, filter.cursor) = (limit, offset, cursor)
                try await check(filter, matches: matches)
            }
        }
    }
}

extension ProductFilter {
    init(skuPrefix: String? = nil, name: String? = nil, description: String? = nil, active: Bool? = nil) {
        self.init()
        (self.skuPrefix, self.name, self.description, self.active) = (skuPrefix, name, description, active)
    }
}
