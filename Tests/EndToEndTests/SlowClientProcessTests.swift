import Foundation
import Testing

/// Clients that never finish a request (issue 20): each is closed after `http_idle_timeout`, and
/// 5,000 of them at once leave `/healthz` answering fast and the server up.
@Suite(.serialized) struct SlowClientProcessTests {
    /// Opens 5,000 connections that each send half a request head, times 20 `/healthz` requests
    /// on new connections while they are held, then waits past the timeout and counts the half-open
    /// connections the server closed. Prints `opened slowest_ms closed`.
    static let script = #"""
        import resource, socket, sys, time
        port = int(sys.argv[1])
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        held = []
        for _ in range(5000):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            held.append(s)
        opened = time.monotonic()
        # Held, not arriving: the server has accepted them all before /healthz is timed.
        time.sleep(0.5)
        slowest = 0.0
        for _ in range(20):
            start = time.monotonic()
            c = socket.create_connection(("127.0.0.1", port))
            c.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            answer = b""
            while chunk := c.recv(65536):
                answer += chunk
            c.close()
            assert answer.startswith(b"HTTP/1.1 200"), answer[:80]
            slowest = max(slowest, (time.monotonic() - start) * 1000)
        time.sleep(max(0.0, opened + 3 + 3 - time.monotonic()))
        closed = 0
        for s in held:
            s.settimeout(0.01)
            try:
                closed += s.recv(1) == b""
            except (socket.timeout, BlockingIOError):
                pass
            except OSError:
                closed += 1
        print(len(held), round(slowest, 1), closed)
        """#

    @Test func halfSentRequestsAreClosedAfterTheIdleTimeoutAndDoNotStarveOthers() async throws {
        let sandbox = try Sandbox()
        let (server, client) = try await ServeTests().serve(sandbox, environment: ["IMPORTER_HTTP_IDLE_TIMEOUT": "3"])
        defer { server.signal(SIGKILL) }
        let (status, output) = try await ServeTests().python(Self.script, String(client.port))
        #expect(status == 0, "\(output)")
        let figures = output.split(whereSeparator: \.isWhitespace).compactMap { Double($0) }
        try #require(figures.count == 3, "\(output)")
        #expect(figures[0] == 5000)
        #expect(figures[1] <= 50, "the slowest /healthz took \(figures[1]) ms with 5,000 half-open connections")
        #expect(figures[2] == 5000, "\(Int(figures[2])) of 5,000 half-open connections closed after the timeout")
        #expect(server.process.isRunning)
        #expect(try client.send("GET", "/healthz").status == 200)
    }

    @Test func theConnectionLimitHoldsNewConnectionsBackUntilOneCloses() async throws {
        let sandbox = try Sandbox()
        let (server, client) = try await ServeTests().serve(sandbox, environment: ["IMPORTER_MAX_CONNECTIONS": "2"])
        defer { server.signal(SIGKILL) }
        let script = #"""
            import socket, sys, time
            port = int(sys.argv[1])
            held = [socket.create_connection(("127.0.0.1", port)) for _ in range(2)]
            time.sleep(0.3)
            def healthz(timeout):
                c = socket.create_connection(("127.0.0.1", port))
                c.settimeout(timeout)
                c.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                try:
                    return c.recv(12)
                except socket.timeout:
                    return b"waiting"
                finally:
                    c.close()
            print(healthz(1.0).decode())
            held[0].close()
            time.sleep(0.3)
            print(healthz(5.0).decode())
            """#
        let (status, output) = try await ServeTests().python(script, String(client.port))
        #expect(status == 0, "\(output)")
        #expect(output.split(separator: "\n") == ["waiting", "HTTP/1.1 200"], "\(output)")
        #expect(server.process.isRunning)
    }
}
