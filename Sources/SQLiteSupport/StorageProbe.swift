import Foundation

/// Whether the data directory can take writes. SQLite reports a write refused by a read-only
/// filesystem or an immutable file as a generic I/O error, so a store asks the filesystem why
/// before it reports the failure (`SQLiteFault`), and `/healthz` reports the same condition.
public struct StorageProbe: Sendable {
    public enum Condition: Sendable, Equatable {
        case writable
        /// Writes are refused: a read-only mount, or a file that cannot be written.
        case readOnly(String)
        /// No space left for an unprivileged writer.
        case full
    }

    let directory: String
    let files: [String]

    /// Probes `directory` and the `files` in it (those that do not exist yet are skipped).
    public init(directory: String, files: [String]) {
        self.directory = directory
        self.files = files
    }

    /// The directory of `databases`, those databases and their WAL files, and `others` (an
    /// uploads directory).
    public init(databases: [String], others: [String] = []) {
        let directory = (databases.first.map { ($0 as NSString).deletingLastPathComponent }).flatMap { $0.isEmpty ? nil : $0 }
        self.init(directory: directory ?? ".", files: databases + databases.map { $0 + "-wal" } + others)
    }

    /// A few system calls: the mount flags, creating and removing an empty file (a disk that
    /// failed into read-only mode, like ext4's `errors=remount-ro`, still reports itself
    /// writable in its mount flags), and `access` on each file (an immutable file).
    public func condition() -> Condition {
        var stats = statvfs()
        let counted = statvfs(directory, &stats) == 0
        if counted, stats.f_flag & UInt(ST_RDONLY) != 0 {
            return .readOnly("the data directory's filesystem is mounted read-only")
        }
        let probe = directory + "/.write-probe"
        let descriptor = open(probe, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            if errno == ENOSPC || errno == EDQUOT { return .full }
            return .readOnly("the data directory cannot be written (\(String(cString: strerror(errno))))")
        }
        close(descriptor)
        unlink(probe)
        for path in files where access(path, W_OK) != 0 && errno != ENOENT {
            return .readOnly("\((path as NSString).lastPathComponent) cannot be written (\(String(cString: strerror(errno))))")
        }
        if counted, stats.f_bavail == 0 { return .full }
        return .writable
    }
}
