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
                    chunk = try timed(\.wait) { try pipeline.next() }
                    position = 0
                }
                guard let current = chunk else { break }
                let end = min(current.count, position + options.batchRows - written)
                products.removeAll(keepingCapacity: true)
                try timed(\.write) {
                    for index in position..<end {
                        occurrences += current.occurrences(at: index)
                        if options.dryRun {
                            try transaction.probe(key: current.record(at: index).key)
                        } else {
                            products.append(current.product(at: index))
                        }
                    }
                    if !products.isEmpty { try transaction.write(products) }
                }
                written += end - position
                position = end
                lastKey.removeAll(keepingCapacity: true)
                lastKey.append(contentsOf: current.record(at: end - 1).key)
            }
            // Each key of the batch is one product: created if it was new, else updated once per row.
            let created = try timed(\.write) { try transaction.endBatch() }
            counts.created += created
            counts.updated += occurrences - created
            counts.rowsMerged += occurrences
            try timed(\.checkpoint) {
                try transaction.checkpoint(
                    ImportCheckpoint(
                        created: counts.created, updated: counts.updated, rowsMerged: counts.rowsMerged,
                        lastKey: written > 0 ? lastKey : nil))
            }
            return written == options.batchRows
        }
        /// A `writeImport` transaction; its own cost (what its body does not spend) is the commit's.
        func transaction<T>(_ body: (any ImportTransaction) throws -> T) throws -> T {
            let start = ContinuousClock.now
            var inside = Duration.zero
            defer { stages.commit += ContinuousClock.now - start - inside }
            return try store.writeImport(fence) { transaction in
                let bodyStart = ContinuousClock.now
                defer { inside += ContinuousClock.now - bodyStart }
                return try body(transaction)
            }
        }
        if options.atomic {
            try transaction { transaction in
                while try batch(transaction) {
                    report(stage: "importing", message: "Importing")
                    try monitor.checkCancellation()
                }
            }
            return
        }
        while true {
            let more = try transaction { transaction in try batch(transaction) }
            report(stage: "importing", message: "Importing", force: !more)
            guard more else { return }
            try monitor.checkCancellation()
        }
    }

    /// Runs `body`, adding its time to the stage at `stage`.
    private func timed<T>(_ stage: WritableKeyPath<ImportStages, Duration>, _ body: () throws -> T) rethrows -> T {
        let start = ContinuousClock.now
        defer { stages[keyPath: stage] += ContinuousClock.now - start }
        return try body()
    }
}
