import Foundation

/// When a schedule fires: every N seconds, or by a cron expression in a time zone
/// (DESIGN.md §4). Cron times are wall-clock times of the zone: a time skipped by a
/// spring-forward change fires at the first valid instant after it (the change itself), and a
/// time repeated on fall-back fires once, at its first occurrence.
public enum ScheduleSpec: Sendable, Equatable, CustomStringConvertible {
    case every(TimeInterval)
    case cron(CronExpression, TimeZone)

    public var description: String {
        switch self {
        case .every(let seconds): return "every \(Self.format(seconds))s"
        case .cron(let expression, _): return expression.source
        }
    }

    public var timeZone: TimeZone {
        if case .cron(_, let zone) = self { return zone }
        return TimeZone(identifier: "UTC")!
    }

    /// The first fire time strictly after `instant` (nil: a cron expression that never matches
    /// within eight years, such as 30 February).
    public func next(after instant: Date) -> Date? {
        switch self {
        case .every(let seconds):
            return instant.addingTimeInterval(seconds)
        case .cron(let expression, let zone):
            return Self.nextCron(expression, zone, after: instant)
        }
    }

    /// The first grid time after `now` for a run that was due at `due` (coalescing missed runs:
    /// however many were missed, the next is in the future).
    public func next(afterDue due: Date, now: Date) -> Date? {
        switch self {
        case .every(let seconds):
            guard now >= due else { return due.addingTimeInterval(seconds) }
            let periods = (now.timeIntervalSince(due) / seconds).rounded(.down) + 1
            return due.addingTimeInterval(periods * seconds)
        case .cron:
            return next(after: max(due, now))
        }
    }

    private static func format(_ seconds: TimeInterval) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }

    // MARK: Cron in a time zone

    private static func nextCron(_ cron: CronExpression, _ zone: TimeZone, after instant: Date) -> Date? {
        let afterSeconds = Int(instant.timeIntervalSince1970.rounded(.down))
        // Local wall-clock seconds of the instant.
        let local = afterSeconds + zone.secondsFromGMT(for: instant)
        let startDay = floorDiv(local, 86_400)
        // A repeated (fall-back) hour can put the answer up to a few hours of wall-clock time
        // earlier than `local`: start the scan a day early and rely on the instant comparison.
        for day in (startDay - 1)...(startDay + 366 * 8) {
            let (_, month, dayOfMonth) = civil(fromDays: day)
            guard cron.matches(month: month, day: dayOfMonth, weekday: weekday(ofDays: day)) else { continue }
            for hour in 0..<24 where cron.hasHour(hour) {
                for minute in 0..<60 where cron.hasMinute(minute) {
                    let wallClock = day * 86_400 + hour * 3600 + minute * 60
                    // No clock change moves wall time by more than a few hours.
                    if wallClock < local - 4 * 3600 { continue }
                    let fire = resolve(wallClock, zone)
                    if fire > afterSeconds { return Date(timeIntervalSince1970: TimeInterval(fire)) }
                }
            }
        }
        return nil
    }

    /// The instant of a wall-clock time: its first occurrence, or for a skipped time the
    /// instant the clocks changed.
    static func resolve(_ wallClock: Int, _ zone: TimeZone) -> Int {
        func offset(_ instant: Int) -> Int { zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant))) }
        let candidates = Set([offset(wallClock - 86_400), offset(wallClock + 86_400), offset(wallClock)])
        let valid = candidates.map { wallClock - $0 }.filter { offset($0) == wallClock - $0 }
        if let first = valid.min() { return first }
        // Skipped: between `wallClock - larger` (old offset still applies) and
        // `wallClock - smaller` (new offset applies) the offset changed; find that second.
        var low = wallClock - (candidates.max() ?? 0)
        var high = wallClock - (candidates.min() ?? 0)
        let before = offset(low)
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if offset(middle) == before { low = middle } else { high = middle }
        }
        return high
    }

    // Civil calendar arithmetic (proleptic Gregorian), from Howard Hinnant's algorithms.

    static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = floorDiv(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// 0 = Sunday (1970-01-01 was a Thursday).
    static func weekday(ofDays days: Int) -> Int {
        ((days % 7) + 7 + 4) % 7
    }

    private static func floorDiv(_ value: Int, _ divisor: Int) -> Int {
        value >= 0 ? value / divisor : -((-value + divisor - 1) / divisor)
    }
}
