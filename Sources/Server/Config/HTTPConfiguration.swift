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
    /// Seconds a connection may go without a complete request head or body part (a client that
    /// sends half a header), or idle between requests, before it is closed. A response being
    /// written (an event stream) is not idle.
    public var idleTimeout = 30.0
    /// Connections open at once; past it, new ones wait in the listen backlog.
    public var maxConnections = 16_384
    /// PEM files of the server's certificate chain and private key: HTTPS instead of HTTP (both
    /// or neither).
    public var tlsCertFile: String?
    public var tlsKeyFile: String?

    public init() {}

    /// Whether `host` only listens on this machine.
    public var isLoopbackHost: Bool {
        ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host) || host.hasPrefix("127.")
    }
}
