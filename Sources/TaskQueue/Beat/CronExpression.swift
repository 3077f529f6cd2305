import Foundation

/// A five-field cron expression with Vixie cron's semantics (DESIGN.md §4): minute, hour, day of
/// month, month, day of week; lists, ranges, steps, month and weekday names, `7` for Sunday,
/// and the `@hourly`-style aliases. When both day fields are restricted (do not start with `*`),
/// a day matches if either does.
public struct CronExpression: Sendable, Equatable, CustomStringConvertible {
    public let source: String
    let minutes: UInt64
    let hours: UInt64
    let daysOfMonth: UInt64
    let months: UInt64
    let daysOfWeek: UInt64
    let dayOfMonthRestricted: Bool
    let dayOfWeekRestricted: Bool

    public var description: String { source }

    static let aliases = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]
    static let monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    static let dayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

    public init(_ text: String) throws(ScheduleError) {
        source = text.trimmingCharacters(in: .whitespaces)
        let expanded: String
        if source.hasPrefix("@") {
            guard let alias = Self.aliases[source.lowercased()] else {
                throw ScheduleError("unknown cron alias '\(source)' (known: \(Self.aliases.keys.sorted().joined(separator: ", ")))")
            }
            expanded = alias
        } else {
            expanded = source
        }
        let fields = expanded.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else {
            throw ScheduleError("a cron expression has five fields (minute hour day-of-month month day-of-week), '\(source)' has \(fields.count)")
        }
        minutes = try Self.field(fields[0], "minute", 0...59)
        hours = try Self.field(fields[1], "hour", 0...23)
        daysOfMonth = try Self.field(fields[2], "day of month", 1...31)
        months = try Self.field(fields[3], "month", 1...12, names: Self.monthNames, firstName: 1)
        var weekdays = try Self.field(fields[4], "day of week", 0...7, names: Self.dayNames, firstName: 0)
        if weekdays & (1 << 7) != 0 { weekdays = (weekdays | 1) & ~(1 << 7) }  // 7 is Sunday too
        daysOfWeek = weekdays
        dayOfMonthRestricted = !fields[2].hasPrefix("*")
        dayOfWeekRestricted = !fields[4].hasPrefix("*")
    }

    /// Whether a civil day matches (weekday 0 = Sunday).
    func matches(month: Int, day: Int, weekday: Int) -> Bool {
        guard months & (1 << UInt64(month)) != 0 else { return false }
        let dayOfMonth = daysOfMonth & (1 << UInt64(day)) != 0
        let dayOfWeek = daysOfWeek & (1 << UInt64(weekday)) != 0
        if dayOfMonthRestricted && dayOfWeekRestricted { return dayOfMonth || dayOfWeek }
        return dayOfMonth && dayOfWeek
    }

    func hasHour(_ hour: Int) -> Bool { hours & (1 << UInt64(hour)) != 0 }
    func hasMinute(_ minute: Int) -> Bool { minutes & (1 << UInt64(minute)) != 0 }

    /// One field as a bit set: `*`, `*/s`, `a`, `a-b`, `a-b/s`, `a/s` (from a to the end), lists.
    private static func field(
        _ text: String, _ label: String, _ bounds: ClosedRange<Int>, names: [String] = [], firstName: Int = 0
    ) throws(ScheduleError) -> UInt64 {
        func value(_ token: Substring) throws(ScheduleError) -> Int {
            if let number = Int(token), bounds.contains(number) { return number }
            if let index = names.firstIndex(of: token.lowercased()) { return index + firstName }
            throw ScheduleError("'\(token)' is not a valid \(label) (\(bounds.lowerBound)–\(bounds.upperBound)\(names.isEmpty ? "" : " or a name"))")
        }
        var bits: UInt64 = 0
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = item.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count <= 2, !parts[0].isEmpty else { throw ScheduleError("'\(item)' is not a valid \(label) item") }
            var step = 1
            if parts.count == 2 {
                guard let number = Int(parts[1]), number > 0 else { throw ScheduleError("'\(item)' has an invalid step") }
                step = number
            }
            var range: ClosedRange<Int>
            if parts[0] == "*" {
                range = bounds
            } else if let dash = parts[0].firstIndex(of: "-") {
                let low = try value(parts[0][..<dash])
                let high = try value(parts[0][parts[0].index(after: dash)...])
                guard low <= high else { throw ScheduleError("'\(item)' is a backwards \(label) range") }
                range = low...high
            } else {
                let single = try value(parts[0])
                range = single...(parts.count == 2 ? bounds.upperBound : single)
            }
            for number in stride(from: range.lowerBound, through: range.upperBound, by: step) {
                bits |= 1 << UInt64(number)
            }
        }
        return bits
    }
}

/// A schedule that cannot be used, with a message saying why.
public struct ScheduleError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
