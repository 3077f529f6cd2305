import Common
import Foundation

/// Task ids: UUIDv7 strings (DESIGN.md §3), so ids sort by enqueue time and the jobs table's
/// primary key stays index-friendly. Within one process, enqueue order is id order.
public enum JobID {
    public static func make(at date: Date = Date()) -> String {
        UUIDv7.make(at: date)
    }

    /// Whether `text` is a canonical lowercase or uppercase UUID string.
    public static func isValid(_ text: String) -> Bool {
        UUIDv7.isValid(text)
    }
}
