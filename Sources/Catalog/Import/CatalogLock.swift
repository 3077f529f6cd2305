import Foundation
import GRDB
import TaskQueue

/// The catalogue lock (one row in `catalog.sqlite`): one import at a time, and only its current
/// delivery — identified by the queue lease's fencing token — may write. A redelivered import
/// takes the lock over with its new token, so a stale delivery's next batch is refused.
struct CatalogLock {
    let database: CatalogDatabase
    let importID: String
    let token: Int64

    /// A holder silent for this long (no batch, no progress) is presumed dead.
    static let staleAfter: TimeInterval = 60

    /// Waits (checking cancellation) until the lock is free, held by this import, or stale.
    func acquire(monitor: any ImportMonitor) throws {
        while true {
            try monitor.checkCancellation()
            let acquired = try database.pool.write { db -> Bool in
                let now = Date().timeIntervalSince1970
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT l.import_id, l.heartbeat_at, i.state, l.token FROM catalog_lock l
                        LEFT JOIN imports i ON i.id = l.import_id WHERE l.id = 1
                        """)
                let holder: String? = row?[0]
                let heartbeat: Double = row?[1] ?? 0
                let holderState: String? = row?[2]
                let holderToken: Int64 = row?[3] ?? 0
                if holder == importID && holderToken > token {
                    throw ImportFailure("a newer delivery of this import holds the catalogue lock: this one stops")
                }
                let free =
                    holder == nil || holder == importID || now - heartbeat > Self.staleAfter
                    || ["SUCCESS", "FAILURE", "REVOKED"].contains(holderState ?? "SUCCESS")
                guard free else { return false }
                try db.execute(
                    sql: "UPDATE catalog_lock SET import_id = ?, token = ?, heartbeat_at = ? WHERE id = 1",
                    arguments: [importID, token, now])
                return true
            }
            if acquired { return }
            Thread.sleep(forTimeInterval: 0.25)
        }
    }

    /// Inside a write: refuses the write unless this delivery still holds the lock.
    func fence(_ db: Database) throws {
        try db.execute(
            sql: "UPDATE catalog_lock SET heartbeat_at = ? WHERE id = 1 AND import_id = ? AND token = ?",
            arguments: [Date().timeIntervalSince1970, importID, token])
        guard db.changesCount == 1 else {
            throw ImportFailure("another delivery of this import holds the catalogue lock: this one stops")
        }
    }

    func release() {
        _ = try? database.pool.write { db in
            try db.execute(
                sql: "UPDATE catalog_lock SET import_id = NULL WHERE id = 1 AND import_id = ? AND token = ?",
                arguments: [importID, token])
        }
    }
}
