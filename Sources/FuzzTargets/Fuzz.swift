import Catalog
import Foundation
import TaskQueue

/// The fuzzed entry points (issue 10), shared by the libFuzzer executables (`fuzz-csv`,
/// `fuzz-json`) and the corpus replay in `swift test`. Each checks properties that must hold
/// for any input; a violation stops the process (a finding), as a crash or sanitizer report does.
public enum Fuzz {
    /// The CSV parser and row validation: any bytes parse, the records do not depend on where
    /// the reads split the file, and every record either validates or names its error.
    public static func csv(_ data: Data) {
        let path = scratchPath
        FileManager.default.createFile(atPath: path, contents: data)
        let small = records(path, chunkSize: 7)
        let large = records(path, chunkSize: 1 << 16)
        precondition(small.map(\.fields) == large.map(\.fields), "records depend on the read chunk size")
        precondition(small.map(\.line) == large.map(\.line), "line numbers depend on the read chunk size")
        guard let first = small.first, let header = try? CSVHeader(first.record) else { return }
        let validator = RowValidator(header: header)
        for entry in small.dropFirst() {
            switch validator.validate(entry.record) {
            case .success(let row):
                precondition(!row.sku.isEmpty && !row.name.isEmpty, "a valid row has a SKU and a name")
                precondition(row.skuKey == row.sku.lowercased(), "the key is the SKU's lowercase form")
            case .failure(let error):
                precondition(error.line == entry.line && !error.reason.isEmpty, "an error names its line and reason")
            }
        }
    }

    /// JSON request bodies: what our parser accepts, `JSONDecoder` reads as the same value (the
    /// decoder may accept a little more, see `JSONParser`); a value encodes and parses back to
    /// itself; the import options decode or fail with a message.
    public static func json(_ data: Data) {
        guard let value = try? JSONValue(parsing: data) else { return }
        precondition(value == (try? JSONDecoder().decode(JSONValue.self, from: data)), "the parser and JSONDecoder disagree")
        let again = try? JSONValue(parsing: value.jsonText)
        precondition(again == value, "JSON does not survive an encode and parse")
        do {
            _ = try ImportOptions(json: value, defaults: ImportOptions())
        } catch let failure as ImportFailure {
            precondition(!failure.message.isEmpty, "an options error says why")
        } catch {
            preconditionFailure("unexpected error \(error)")
        }
    }

    private struct Entry {
        var record: CSVRecord
        var fields: [[UInt8]]
        var line: Int
    }

    private static func records(_ path: String, chunkSize: Int) -> [Entry] {
        guard let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        guard let parser = try? CSVParser(handle: handle, maxFieldBytes: 4096, chunkSize: chunkSize) else { return [] }
        var entries: [Entry] = []
        while let record = try? parser.next() {
            entries.append(Entry(record: record, fields: (0..<record.count).map { Array(record.field($0)) }, line: record.line))
        }
        return entries
    }

    private static let scratchPath: String = {
        let directory = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        return (directory as NSString).appendingPathComponent("importer-fuzz-\(getpid()).csv")
    }()
}
