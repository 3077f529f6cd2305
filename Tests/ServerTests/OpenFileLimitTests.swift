import Common
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `importer` raises its soft open-file limit to the hard one at start (issue 20): a server
/// holding thousands of connections must not stop at Linux's default 1,024.
@Suite struct OpenFileLimitTests {
    @Test func theSoftLimitIsRaisedToTheHardLimit() throws {
        var original = rlimit()
        try #require(getrlimit(Int32(RLIMIT_NOFILE.rawValue), &original) == 0)
        defer { _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &original) }
        var lowered = original
        lowered.rlim_cur = min(original.rlim_max, 512)
        try #require(setrlimit(Int32(RLIMIT_NOFILE.rawValue), &lowered) == 0)

        let inForce = OpenFileLimit.raiseToHardLimit()

        var now = rlimit()
        try #require(getrlimit(Int32(RLIMIT_NOFILE.rawValue), &now) == 0)
        #expect(now.rlim_cur == original.rlim_max)
        #expect(inForce == (now.rlim_cur >= rlim_t(Int.max) ? Int.max : Int(now.rlim_cur)))
    }
}
