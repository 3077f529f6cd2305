import Foundation

/// Beat's storage (DESIGN.md §4): schedules with their next due time, each due run enqueued
/// exactly once however many processes run a beat.
public protocol ScheduleStore: Sendable {
    /// Stores the configured schedules: new or changed ones are timed from now (and lose any
    /// API override), unchanged ones keep their next run, missing ones are disabled.
    func syncSchedules(_ definitions: [ScheduleDefinition]) async throws
    func schedules() async throws -> [ScheduleRecord]
    /// The earliest next run of an enabled schedule.
    func nextScheduleDue() async throws -> Date?
    /// Enqueues every due run exactly once across processes (a unique (schedule, due) row in
    /// the enqueue's transaction); missed runs coalesce into one. Returns the runs this call
    /// enqueued.
    func fireDueSchedules() async throws -> [ScheduleRun]
    /// Enqueues a schedule's task now (its timing unchanged); nil for an unknown name.
    func runScheduleNow(name: String) async throws -> ScheduleRun?
    /// Enables or disables a schedule until its configuration changes; nil for an unknown name.
    func setScheduleEnabled(name: String, enabled: Bool) async throws -> ScheduleRecord?
}
