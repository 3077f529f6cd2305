/// The HTTP listener's settings (DESIGN.md §8), each default declared here once.
public struct HTTPConfiguration: Sendable, Equatable {
    public var host = "127.0.0.1"
    /// 0 picks a free port.
    public var port = 8000
    /// Bearer token for mutating routes (and all routes with `authRead`).
    public var authToken: String?
    public var authRead = false
    /// Largest request body a route collects (uploads stream instead).
    public var maxBodyBytes = 1 << 20
    public var maxUploadBytes = 1 << 30
    /// Whether the web UI is served at `/ui/` (`/` redirects there).
    public var ui = true

    public init() {}

    /// Whether `host` only listens on this machine.
    public var isLoopbackHost: Bool {
        ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host) || host.hasPrefix("127.")
    }
}
