import Foundation

/// The first stage: the file, parsed and validated on bytes, becomes sorted runs.
extension CSVImporter {
    /// Where the CSV text starts: after a UTF-8 BOM. UTF-16 (by its BOM) fails at once.
    static func contentStart(_ handle: FileHandle) throws -> Int64 {
        try handle.seek(toOffset: 0)
        let head = [UInt8](try handle.read(upToCount: 4) ?? Data())
        if head.starts(with: [0xFF, 0xFE]) || head.starts(with: [0xFE, 0xFF]) {
            throw ImportFailure("the file is UTF-16: save it as UTF-8 CSV")
        }
        return head.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    }

    /// Parses and validates every row into sorted runs; returns the row errors to keep.
    func readFile(_ parser: CSVParser, _ validator: RowValidator, into sorter: RunSorter) throws -> [RowError] {
        var kept: [RowError] = []
        while let record = try parser.next() {
            counts.rows += 1
            switch validator.check(record) {
            case .success(let fields):
                if try sorter.add(fields) { try checkCancellation(force: true) }
            case .failure(let error):
                counts.skipped += 1
                if kept.count < 1000 { kept.append(error) }
            }
            if counts.rows & 0x3FF == 0 {
                counts.bytesRead = parser.offset
                try checkCancellation(force: false)
                if report(stage: "parsing", message: "Parsing CSV") { try store.recordReading(fence, counts.reading) }
            }
        }
        try sorter.finish()
        counts.bytesRead = counts.bytesTotal
        return kept
    }

    /// At every spill, and at least once a second while reading.
    private func checkCancellation(force: Bool) throws {
        let now = Date()
        guard force || now.timeIntervalSince(lastCancellationCheck) >= 1 else { return }
        lastCancellationCheck = now
        try monitor.checkCancellation()
    }

    /// The file has been read: its counts and the first 1,000 row errors, at once.
    func recordRead(errors: [RowError]) throws {
        try store.recordRead(fence, counts.reading, errors: errors)
        report(stage: "importing", message: "Importing", force: true)
    }
}
