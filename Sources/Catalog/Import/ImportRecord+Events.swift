import Foundation
import TaskQueue

/// The webhook events of an import (DESIGN.md §11), built from its record the same way by
/// every store.
extension ImportRecord {
    /// What every import event carries.
    var eventData: JSONValue {
        ["import_id": .string(id), "task_id": taskID.map { .string($0) } ?? .null, "filename": filename.map { .string($0) } ?? .null]
    }

    /// `import.failed` with `message`.
    func failedEvent(_ message: String) -> JSONValue {
        guard case .object(var data) = eventData else { return eventData }
        data["error"] = .string(message)
        return .object(data)
    }

    /// The event of the end this record (as stored after `outcome`) shows: `import.completed`
    /// with its counts, `import.failed` with its error, none for a revocation.
    func finishEvent(_ outcome: ImportOutcome, now: Date = Date()) -> (WebhookEventType, JSONValue)? {
        guard case .object(var data) = eventData else { return nil }
        switch outcome.state {
        case .success:
            let duration = startedAt.map { now.timeIntervalSince($0) } ?? 0
            data["created"] = .int(Int64(created))
            data["updated"] = .int(Int64(updated))
            data["skipped"] = .int(Int64(skipped))
            data["rows_processed"] = .int(Int64(rowsProcessed))
            data["duration_seconds"] = .double((duration * 1000).rounded() / 1000)
            data["dry_run"] = .bool(options["dry_run"]?.boolValue ?? false)
            return (.importCompleted, .object(data))
        case .failure:
            return (.importFailed, failedEvent(outcome.error ?? outcome.message))
        default:
            return nil
        }
    }
}
