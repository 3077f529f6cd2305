import Common
import Foundation
import Testing

@testable import TaskQueue

@Suite struct JobIDTests {
    @Test func idsAreVersion7AndIncreasing() {
        let ids = (0..<5000).map { _ in JobID.make() }
        #expect(ids == ids.sorted())
        #expect(Set(ids).count == ids.count)
        for id in ids.prefix(20) {
            let chars = Array(id)
            #expect(chars[14] == "7")
            #expect("89ab".contains(chars[19]))
            #expect(JobID.isValid(id))
        }
    }

    @Test func anIdWrittenIntoABufferIsTheSameFormAndKeepsTheOrder() {
        // The import writes its products' ids into its own buffers (no String per id).
        var ids: [String] = []
        var buffer = [UInt8](repeating: 0, count: UUIDv7.textLength)
        for index in 0..<2000 {
            if index.isMultiple(of: 2) {
                ids.append(UUIDv7.make())
            } else {
                buffer.withUnsafeMutableBytes { UUIDv7.make(into: $0.baseAddress!) }
                ids.append(String(decoding: buffer, as: UTF8.self))
            }
        }
        #expect(ids == ids.sorted() && Set(ids).count == ids.count)
        for id in ids.prefix(4) {
            #expect(JobID.isValid(id) && id == id.lowercased() && Array(id)[14] == "7" && "89ab".contains(Array(id)[19]))
        }
        // 10^12 ms is 0xe8d4a51000: the first 48 bits, in the text's first 12 digits.
        #expect(UUIDv7.lowerBound(at: Date(timeIntervalSince1970: 1_000_000_000)) == "00e8d4a5-1000-0000-0000-000000000000")
    }

    @Test func timestampPrefixFollowsTheClock() {
        let early = JobID.make(at: Date(timeIntervalSince1970: 1_000_000_000))
        let late = JobID.make(at: Date(timeIntervalSince1970: 2_000_000_000))
        #expect(early.prefix(13) < late.prefix(13))
    }

    @Test func theLowerBoundOfAMillisecondSortsBelowItsIdsAndAboveEarlierOnes() {
        // The listing's `since` bounds its key range with it.
        // (Ids made in the future would stamp every later id of this process with that future, as
        // `make` never goes back: only the lower side is checked on a made id.)
        let moment = Date()
        let id = JobID.make(at: moment)
        let bound = UUIDv7.lowerBound(at: moment)
        #expect(bound.count == 36)
        #expect(bound.hasSuffix("-0000-0000-000000000000"))
        #expect(id >= bound)
        #expect(id > UUIDv7.lowerBound(at: moment.addingTimeInterval(-0.001)))
        let second = Date(timeIntervalSince1970: 1_000_000_000)
        #expect(UUIDv7.lowerBound(at: second) < UUIDv7.lowerBound(at: second.addingTimeInterval(0.001)))
    }
}

@Suite struct ISO8601Tests {
    @Test func formatsUTCWithMilliseconds() {
        #expect(ISO8601.string(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(ISO8601.string(Date(timeIntervalSince1970: 1_795_608_000.123)) == "2026-11-25T12:00:00.123Z")
        #expect(ISO8601.string(Date(timeIntervalSince1970: 951_782_400.5)) == "2000-02-29T00:00:00.500Z")
    }

    @Test func parsesWhatItWritesAndOffsets() {
        let date = Date(timeIntervalSince1970: 1_795_608_000.123)
        #expect(abs(ISO8601.date(ISO8601.string(date))!.timeIntervalSince(date)) < 0.0005)
        #expect(ISO8601.date("2026-11-25T13:00:00+01:00") == Date(timeIntervalSince1970: 1_795_608_000))
        #expect(ISO8601.date("2026-11-25T12:00:00Z") == Date(timeIntervalSince1970: 1_795_608_000))
        for bad in ["", "2026-11-25", "2026-13-01T00:00:00Z", "2026-11-25T12:00:00", "2026-11-25T12:00:00.Z", "x026-11-25T12:00:00Z"] {
            #expect(ISO8601.date(bad) == nil, "\(bad)")
        }
    }
}
