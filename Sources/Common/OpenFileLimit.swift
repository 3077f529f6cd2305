#if canImport(Glibc)
import Glibc
#endif

/// The process's limit on open file descriptors. Each HTTP connection, SQLite connection and
/// upload holds one; Linux's default soft limit (1,024) is far below the `max_connections` a
/// server is set for, while the hard limit (`LimitNOFILE` in importer.service) is not.
public enum OpenFileLimit {
    /// Raises the soft limit to the hard limit, and returns the limit in force.
    @discardableResult
    public static func raiseToHardLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return -1 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return limit.rlim_cur >= rlim_t(Int.max) ? Int.max : Int(limit.rlim_cur)
    }
}
