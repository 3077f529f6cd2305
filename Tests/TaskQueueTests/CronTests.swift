import Foundation
import Testing

@testable import TaskQueue

/// Cron parsing and next-time tables (DESIGN.md §4), including the DST days of 2026 in
/// Europe/Berlin and America/New_York. Pure functions of an instant: no sleeping.
@Suite struct CronTests {
    static func date(_ text: String) -> Date { ISO8601.date(text)! }
    static func string(_ date: Date?) -> String? { date.map(ISO8601.string) }

    /// The next `count` fire times after `start`.
    static func fires(_ expression: String, zone: String = "UTC", after start: String, count: Int) throws -> [String] {
        let spec = ScheduleSpec.cron(try CronExpression(expression), try ScheduleSpec.zone(zone))
        var times: [String] = []
        var instant = date(start)
        for _ in 0..<count {
            guard let next = spec.next(after: instant) else { break }
            times.append(ISO8601.string(next))
            instant = next
        }
        return times
    }

    @Test(arguments: [
        // Fields, lists, ranges, steps
        ("*/15 * * * *", "2026-11-25T10:07:00.000Z", ["2026-11-25T10:15:00.000Z", "2026-11-25T10:30:00.000Z"]),
        ("0 9-17/4 * * *", "2026-11-25T10:00:00.000Z", ["2026-11-25T13:00:00.000Z", "2026-11-25T17:00:00.000Z", "2026-11-26T09:00:00.000Z"]),
        ("5,10 0 * * *", "2026-11-25T00:05:00.000Z", ["2026-11-25T00:10:00.000Z", "2026-11-26T00:05:00.000Z"]),
        ("30/10 * * * *", "2026-11-25T10:45:00.000Z", ["2026-11-25T10:50:00.000Z", "2026-11-25T11:30:00.000Z"]),
        // Names, 7 = Sunday, month ranges
        ("0 9 * jan-mar mon-fri", "2026-11-25T10:00:00.000Z", ["2027-01-01T09:00:00.000Z", "2027-01-04T09:00:00.000Z"]),
        ("0 0 * * 7", "2026-11-25T00:00:00.000Z", ["2026-11-29T00:00:00.000Z"]),
        ("0 0 * * SUN", "2026-11-25T00:00:00.000Z", ["2026-11-29T00:00:00.000Z"]),
        // Vixie: both day fields restricted → either matches (the 12th, or a Friday)
        ("0 0 12 * 5", "2026-11-06T00:00:00.000Z", ["2026-11-12T00:00:00.000Z", "2026-11-13T00:00:00.000Z", "2026-11-20T00:00:00.000Z"]),
        // One day field starting with * → both must match (odd days that are Mondays)
        ("0 0 */2 * 1", "2026-11-25T00:00:00.000Z", ["2026-12-07T00:00:00.000Z", "2026-12-21T00:00:00.000Z"]),
        // Aliases
        ("@hourly", "2026-11-25T10:00:00.000Z", ["2026-11-25T11:00:00.000Z"]),
        ("@daily", "2026-11-25T10:00:00.000Z", ["2026-11-26T00:00:00.000Z"]),
        ("@weekly", "2026-11-25T10:00:00.000Z", ["2026-11-29T00:00:00.000Z"]),
        ("@monthly", "2026-11-25T10:00:00.000Z", ["2026-12-01T00:00:00.000Z"]),
        ("@yearly", "2026-11-25T10:00:00.000Z", ["2027-01-01T00:00:00.000Z"]),
        // Leap day
        ("0 0 29 2 *", "2026-11-25T10:00:00.000Z", ["2028-02-29T00:00:00.000Z"]),
    ])
    func nextTimesInUTC(expression: String, after: String, expected: [String]) throws {
        #expect(try Self.fires(expression, after: after, count: expected.count) == expected)
    }

    @Test(arguments: [
        // Berlin, spring forward 2026-03-29 02:00 CET → 03:00 CEST: the skipped 02:30 fires at the change (01:00Z).
        ("30 2 * * *", "Europe/Berlin", "2026-03-28T12:00:00.000Z",
         ["2026-03-29T01:00:00.000Z", "2026-03-30T00:30:00.000Z"]),
        // Every quarter hour through the gap: 02:00–02:45 all map to the change, which fires once.
        ("*/15 * * * *", "Europe/Berlin", "2026-03-29T00:40:00.000Z",
         ["2026-03-29T00:45:00.000Z", "2026-03-29T01:00:00.000Z", "2026-03-29T01:15:00.000Z"]),
        // Berlin, fall back 2026-10-25 03:00 CEST → 02:00 CET: 02:30 happens twice and fires once (the first).
        ("30 2 * * *", "Europe/Berlin", "2026-10-24T12:00:00.000Z",
         ["2026-10-25T00:30:00.000Z", "2026-10-26T01:30:00.000Z"]),
        ("*/30 * * * *", "Europe/Berlin", "2026-10-25T00:00:00.000Z",
         ["2026-10-25T00:30:00.000Z", "2026-10-25T02:00:00.000Z", "2026-10-25T02:30:00.000Z"]),
        // New York, spring forward 2026-03-08 02:00 EST → 03:00 EDT.
        ("0 2 * * *", "America/New_York", "2026-03-07T12:00:00.000Z",
         ["2026-03-08T07:00:00.000Z", "2026-03-09T06:00:00.000Z"]),
        ("30 2 * * *", "America/New_York", "2026-03-07T12:00:00.000Z",
         ["2026-03-08T07:00:00.000Z", "2026-03-09T06:30:00.000Z"]),
        // New York, fall back 2026-11-01 02:00 EDT → 01:00 EST: 01:30 fires once, at 05:30Z (EDT).
        ("30 1 * * *", "America/New_York", "2026-10-31T12:00:00.000Z",
         ["2026-11-01T05:30:00.000Z", "2026-11-02T06:30:00.000Z"]),
        ("0 * * * *", "America/New_York", "2026-11-01T04:30:00.000Z",
         ["2026-11-01T05:00:00.000Z", "2026-11-01T07:00:00.000Z", "2026-11-01T08:00:00.000Z"]),
        // Zones on ordinary days: wall-clock 09:00.
        ("0 9 * * *", "Europe/Berlin", "2026-11-25T10:00:00.000Z", ["2026-11-26T08:00:00.000Z"]),
        ("0 9 * * *", "Europe/Berlin", "2026-07-01T10:00:00.000Z", ["2026-07-02T07:00:00.000Z"]),
    ])
    func nextTimesAcrossDaylightSavingChanges(expression: String, zone: String, after: String, expected: [String]) throws {
        #expect(try Self.fires(expression, zone: zone, after: after, count: expected.count) == expected)
    }

    @Test(arguments: [
        ("* * * *", "five fields"),
        ("60 * * * *", "not a valid minute"),
        ("* 24 * * *", "not a valid hour"),
        ("* * 0 * *", "not a valid day of month"),
        ("* * * 13 *", "not a valid month"),
        ("* * * * 8", "not a valid day of week"),
        ("* * * foo *", "not a valid month"),
        ("5-1 * * * *", "backwards"),
        ("*/0 * * * *", "invalid step"),
        ("@reboot", "unknown cron alias"),
        ("1,,2 * * * *", "not a valid minute item"),
    ])
    func invalidExpressionsSayWhy(expression: String, fragment: String) {
        #expect {
            try CronExpression(expression)
        } throws: { error in
            "\(error)".contains(fragment)
        }
    }

    @Test func aCronThatNeverMatchesHasNoNextTime() throws {
        let spec = ScheduleSpec.cron(try CronExpression("0 0 30 2 *"), try ScheduleSpec.zone("UTC"))
        #expect(spec.next(after: Self.date("2026-11-25T00:00:00.000Z")) == nil)
        #expect(throws: ScheduleError.self) { try ScheduleSpec.zone("Mars/Olympus_Mons") }
    }

    @Test func missedRunsCoalesceIntoTheNextGridTime() throws {
        let every = ScheduleSpec.every(60)
        let due = Self.date("2026-11-25T10:00:00.000Z")
        // Ten periods missed: one run now, the next on the grid after now.
        let next = every.next(afterDue: due, now: due.addingTimeInterval(600.5))
        #expect(Self.string(next) == "2026-11-25T10:11:00.000Z")
        #expect(Self.string(every.next(afterDue: due, now: due)) == "2026-11-25T10:01:00.000Z")
        let hourly = ScheduleSpec.cron(try CronExpression("@hourly"), try ScheduleSpec.zone("UTC"))
        #expect(Self.string(hourly.next(afterDue: due, now: due.addingTimeInterval(5 * 3600 + 1))) == "2026-11-25T16:00:00.000Z")
    }
}
