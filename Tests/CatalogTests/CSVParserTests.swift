import Foundation
import Testing

@testable import Catalog

@Suite struct CSVParserTests {
    /// Parses `text` with every chunk size from 1 to 9 bytes (and the default), so chunk
    /// boundaries fall inside quoted fields, inside CRLF and everywhere else; all must agree.
    func parse(_ text: String, maxFieldBytes: Int = 1 << 20) throws -> [CSVRecord] {
        try parse(Data(text.utf8), maxFieldBytes: maxFieldBytes)
    }

    func parse(_ data: Data, maxFieldBytes: Int = 1 << 20) throws -> [CSVRecord] {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("csv-\(UUID().uuidString).csv")
        try data.write(to: path)
        defer { try? FileManager.default.removeItem(at: path) }
        var results: [[CSVRecord]] = []
        for chunkSize in Array(1...9) + [CSVParser.defaultChunkSize] {
            let handle = try FileHandle(forReadingFrom: path)
            defer { try? handle.close() }
            let parser = try CSVParser(handle: handle, maxFieldBytes: maxFieldBytes, chunkSize: chunkSize)
            var records: [CSVRecord] = []
            while let record = try parser.next() { records.append(record) }
            results.append(records)
        }
        for other in results.dropFirst() {
            #expect(other.map(fields) == results[0].map(fields))
            #expect(other.map(\.line) == results[0].map(\.line))
            #expect(other.map(\.problem) == results[0].map(\.problem))
        }
        return results[0]
    }

    func fields(_ record: CSVRecord) -> [String] {
        (0..<record.count).map { String(decoding: record.field($0), as: UTF8.self) }
    }

    @Test func plainRecordsWithLFAndCRLF() throws {
        let records = try parse("sku,name\r\nA-1,Widget\nB-2,Gadget\r\n")
        #expect(records.map(fields) == [["sku", "name"], ["A-1", "Widget"], ["B-2", "Gadget"]])
        #expect(records.map(\.line) == [1, 2, 3])
    }

    @Test func quotesDoubledQuotesAndEmbeddedLineBreaks() throws {
        let records = try parse("a,\"b, with comma\",\"say \"\"hi\"\"\"\n\"multi\r\nline\nfield\",x,\"\"\nnext,1,2\n")
        #expect(records.map(fields) == [["a", "b, with comma", "say \"hi\""], ["multi\r\nline\nfield", "x", ""], ["next", "1", "2"]])
        // The record after the multi-line one starts on physical line 5.
        #expect(records.map(\.line) == [1, 2, 5])
    }

    @Test func blankLinesAreSkippedAndEmptyFieldsKept() throws {
        let records = try parse("a,b\n\n\r\n,\n,x,\n\n")
        #expect(records.map(fields) == [["a", "b"], ["", ""], ["", "x", ""]])
        #expect(records.map(\.line) == [1, 4, 5])
    }

    @Test func lastLineWithAndWithoutNewline() throws {
        #expect(try parse("a,b\nc,d").map(fields) == [["a", "b"], ["c", "d"]])
        #expect(try parse("a,b\nc,d\n").map(fields) == [["a", "b"], ["c", "d"]])
        #expect(try parse("a,b\nc,d\r\n").map(fields) == [["a", "b"], ["c", "d"]])
    }

    @Test func raggedRowsKeepTheirFieldCounts() throws {
        #expect(try parse("a,b,c\n1\n1,2,3,4\n").map(\.count) == [3, 1, 4])
    }

    @Test func bareQuoteInAnUnquotedFieldIsKept() throws {
        #expect(try parse("5\" screen,x\nab\"c,\"q\"tail\n").map(fields) == [["5\" screen", "x"], ["ab\"c", "qtail"]])
    }

    @Test func invalidUTF8BytesPassThroughForTheValidator() throws {
        let data = Data([0x61, 0x2C, 0xFF, 0xFE, 0x0A])
        let records = try parse(data)
        #expect(Array(records[0].field(1)) == [0xFF, 0xFE])
    }

    @Test func openQuoteAtEndOfFileIsARecordProblem() throws {
        let records = try parse("a,b\nc,\"never closed\nmore")
        #expect(records.count == 2)
        #expect(records[1].problem == .unterminatedQuote)
        #expect(records[1].line == 2)
    }

    @Test func fieldOverTheLimitIsARecordProblemAndTheParserGoesOn() throws {
        let long = String(repeating: "x", count: 50)
        let records = try parse("a,\(long)\n\"\(long)\",b\nok,1\n", maxFieldBytes: 10)
        #expect(records[0].problem == .fieldTooLong(column: 2, limit: 10))
        #expect(records[1].problem == .fieldTooLong(column: 1, limit: 10))
        #expect(records[1].field(0).count <= 11)
        #expect(fields(records[2]) == ["ok", "1"])
        #expect(records[2].problem == nil)
    }

    @Test func resumesFromARecordOffset() throws {
        let text = "h1,h2\n\"a\nb\",1\nc,2\n"
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("csv-\(UUID().uuidString).csv")
        try Data(text.utf8).write(to: path)
        defer { try? FileManager.default.removeItem(at: path) }
        let handle = try FileHandle(forReadingFrom: path)
        let parser = try CSVParser(handle: handle, chunkSize: 4)
        _ = try parser.next()
        _ = try parser.next()
        let (offset, line) = (parser.offset, parser.nextLine)
        #expect(line == 4)
        let resumed = try CSVParser(handle: try FileHandle(forReadingFrom: path), offset: offset, line: line, chunkSize: 3)
        let record = try #require(try resumed.next())
        #expect(fields(record) == ["c", "2"])
        #expect(record.line == 4)
        #expect(try resumed.next() == nil)
    }

    @Test func semicolonSeparator() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("csv-\(UUID().uuidString).csv")
        try Data("a;b\n1;\"x;y\"\n".utf8).write(to: path)
        defer { try? FileManager.default.removeItem(at: path) }
        let parser = try CSVParser(handle: try FileHandle(forReadingFrom: path), separator: UInt8(ascii: ";"))
        #expect(try fields(#require(try parser.next())) == ["a", "b"])
        #expect(try fields(#require(try parser.next())) == ["1", "x;y"])
    }
}
