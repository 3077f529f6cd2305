import Foundation

/// The second stage: the sorted runs, merged in key order, are written into the catalogue in
/// batches of `batchRows` keys, each committed with its checkpoint; an atomic import is one
/// transaction.
extension CSVImporter {
    func merge(_ merger: RunMerger, after resumeKey: [UInt8]?) throws {
        try store.beginBulkWrites()
        let pipeline = try MergePipeline(merger: merger, after: resumeKey, makesIDs: !options.dryRun)
        pipeline.start()
        defer { pipeline.stop() }
        /// The chunk being written, and its next key.
        var chunk: MergedChunk?
        var position = 0
        var products: [ImportedProduct] = []
        products.reserveCapacity(MergedChunk.capacity)
        // The last key written, copied into storage kept across batches.
        var lastKey: [UInt8] = []
        /// Writes the next batch; returns whether the merge has more.
        func batch(_ transaction: any ImportTransaction) throws -> Bool {
            var written = 0
            var occurrences = 0
            while written < options.batchRows {
                if chunk == nil || position == chunk!.count {
                    if let chunk { pipeline.recycle(chunk) }
                    chunk = try pipeline.next()
                    position = 0
                }
                guard let current = chunk else { break }
                let end = min(current.count, position + options.batchRows - written)
                products.removeAll(keepingCapacity: true)
                for index in position..<end {
                    occurrences += current.occurrences(at: index)
                    if options.dryRun {
                        try transaction.probe(key: current.record(at: index).key)
                    } else {
                        products.append(current.product(at: index))
                    }
                }
                if !products.isEmpty { try transaction.write(products) }
                written += end - position
                position = end
                lastKey.removeAll(keepingCapacity: true)
                lastKey.append(contentsOf: current.record(at: end - 1).key)
            }
            // Each key of the batch is one product: created if it was new, else updated once per row.
            let created = try transaction.endBatch()
            counts.created += created
            counts.updated += occurrences - created
            counts.rowsMerged += occurrences
            try transaction.checkpoint(
                ImportCheckpoint(
                    created: counts.created, updated: counts.updated, rowsMerged: counts.rowsMerged,
                    lastKey: written > 0 ? lastKey : nil))
            return written == options.batchRows
        }
        if options.atomic {
            try store.writeImport(fence) { transaction in
                while try batch(transaction) {
                    report(stage: "importing", message: "Importing")
                    try monitor.checkCancellation()
                }
            }
            return
        }
        while true {
            let more = try store.writeImport(fence) { transaction in try batch(transaction) }
            report(stage: "importing", message: "Importing", force: !more)
            guard more else { return }
            try monitor.checkCancellation()
        }
    }
}
