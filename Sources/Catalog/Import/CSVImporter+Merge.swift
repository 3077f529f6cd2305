import Foundation

/// The second stage: the sorted runs, merged in key order, are written into the catalogue in
/// batches of `batchRows` keys, each committed with its checkpoint; an atomic import is one
/// transaction.
extension CSVImporter {
    func merge(_ merger: RunMerger, after resumeKey: [UInt8]?) throws {
        try store.beginBulkWrites()
        var skipping = resumeKey != nil
        // The last key written, copied into storage kept across rows (one allocation, not one per row).
        var lastKey: [UInt8] = []
        /// Writes the next batch; returns whether the merge has more.
        func batch(_ transaction: any ImportTransaction) throws -> Bool {
            var written = 0
            var occurrences = 0
            while written < options.batchRows, let merged = try merger.next() {
                let record = merged.record
                if skipping, let resumeKey {
                    if resumeKey.withUnsafeBytes({ RunRecord.compareKeys(record.key, $0) }) <= 0 { continue }
                    skipping = false
                }
                if options.dryRun {
                    try transaction.probe(key: record.key)
                } else {
                    try transaction.write(
                        ImportedProduct(
                            key: record.key, sku: record.sku, name: record.name, description: record.description,
                            active: record.active))
                }
                occurrences += merged.occurrences
                written += 1
                lastKey.removeAll(keepingCapacity: true)
                lastKey.append(contentsOf: record.key)
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
