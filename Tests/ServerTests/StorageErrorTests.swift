import Catalog
import Common
import Foundation
import GRDB
import SQLiteSupport
import Testing

@testable import Server
@testable import TaskQueue

/// How a storage failure reaches a client: what SQLite says, completed by what the filesystem
/// says (SQLite reports a write refused by a read-only disk as a plain I/O error), becomes a
/// backend-neutral fault in the store, which the API answers.
@Suite struct StorageErrorTests {
    static let readOnly = StorageProbe.Condition.readOnly("the data directory cannot be written (Read-only file system)")

    @Test(arguments: [
        (ResultCode.SQLITE_FULL, StorageProbe.Condition.writable, 507, "storage_full"),
        (.SQLITE_IOERR_WRITE, .full, 507, "storage_full"),
        (.SQLITE_IOERR_WRITE, readOnly, 503, "storage_read_only"),
        (.SQLITE_IOERR_FSYNC, readOnly, 503, "storage_read_only"),
        (.SQLITE_CANTOPEN, readOnly, 503, "storage_read_only"),
        (.SQLITE_READONLY, .writable, 503, "storage_read_only"),
        (.SQLITE_READONLY_DBMOVED, readOnly, 503, "storage_read_only"),
        (.SQLITE_IOERR_WRITE, .writable, 503, "storage_unavailable"),
        (.SQLITE_BUSY, readOnly, 503, "storage_busy"),
    ])
    func aDatabaseErrorBecomesAClearStorageError(code: ResultCode, storage: StorageProbe.Condition, status: Int, expected: String)
        throws
    {
        let fault = try #require(SQLiteFault.classify(DatabaseError(resultCode: code), condition: { storage }))
        let error = APIError.from(QueueError.storage(fault))
        #expect(error.status.code == status)
        #expect(error.code == expected)
        if case .readOnly(let reason) = storage, expected == "storage_read_only" {
            #expect(error.message.contains(reason))
        }
    }

    @Test func otherDatabaseErrorsAreNotStorageErrors() {
        #expect(SQLiteFault.classify(DatabaseError(resultCode: .SQLITE_CONSTRAINT), condition: { Self.readOnly }) == nil)
        #expect(SQLiteFault.classify(DatabaseError(resultCode: .SQLITE_ERROR), condition: { .writable }) == nil)
    }

    @Test func aConstraintIsAConflictAndOtherStoreErrorsAre500() {
        #expect(APIError.from(QueueError.constraint("taken")).status == .conflict)
        #expect(APIError.from(CatalogError.constraint("taken")).status == .conflict)
        #expect(APIError.from(CatalogError.constraint("taken")).code == "constraint")
        #expect(APIError.from(CatalogError.storage("corrupt")).status == .internalServerError)
        #expect(APIError.from(QueueError.storage("corrupt")).status == .internalServerError)
    }

    @Test(arguments: [
        (ENOSPC, StorageProbe.Condition.writable, 507, "storage_full"),
        (EROFS, .writable, 503, "storage_read_only"),
        (EIO, readOnly, 503, "storage_read_only"),
        (EIO, .writable, 503, "storage_unavailable"),
    ])
    func aFailedUploadWriteSaysWhy(code: Int32, storage: StorageProbe.Condition, status: Int, expected: String) {
        let error = APIError.fromWrite(errno: code, storage: storage)
        #expect(error.status.code == status)
        #expect(error.code == expected)
    }

    @Test func theProbeSeesAWritableDirectoryAndAMissingOne() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("probe-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let probe = StorageProbe(directory: directory, files: [directory + "/not-created-yet.sqlite"])
        #expect(probe.condition() == .writable)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty, "the probe left a file")
        let gone = StorageProbe(directory: directory + "/removed", files: [])
        guard case .readOnly(let reason) = gone.condition() else {
            Issue.record("a missing data directory is not writable")
            return
        }
        #expect(reason.contains("No such file"))
    }
}
