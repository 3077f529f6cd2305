import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import ServiceLifecycle

/// The HTTP server as a service of the process's service group (Hummingbird 2).
public enum APIServer {
    /// Why the server may not start.
    public struct Refusal: Error, CustomStringConvertible {
        public let description: String
    }

    /// Builds the server for `service` on `config.host:config.port` (port 0: a free one). It logs
    /// `http_ready` with the port (and the web UI's address) once listening.
    public static func make(_ service: APIService, logger: Logger) throws -> some Service {
        let config = service.context.config.http
        if !config.isLoopbackHost && config.authToken == nil {
            throw Refusal(
                description: "refusing to listen on \(config.host) without auth_token: set a token (IMPORTER_AUTH_TOKEN) "
                    + "or listen on 127.0.0.1")
        }
        let host = config.host
        let ui = config.ui
        // The idle timeout also closes a connection whose request head never completes: only
        // whole parsed parts count as activity (Hummingbird's HTTPConnectionStateHandler).
        let http1 = HTTPServerBuilder.http1(
            configuration: HTTP1Channel.Configuration(idleTimeout: .nanoseconds(Int64(config.idleTimeout * 1e9))))
        let server: HTTPServerBuilder
        switch (config.tlsCertFile, config.tlsKeyFile) {
        case (nil, nil):
            server = http1
        case (let certificate?, let key?):
            let tls: TLSConfiguration
            do {
                tls = try TLSFiles.serverConfiguration(certificateFile: certificate, keyFile: key)
            } catch {
                throw Refusal(description: error.description)
            }
            server = try .tls(http1, tlsConfiguration: tls)
        default:
            throw Refusal(description: "tls_cert_file and tls_key_file go together: set both for HTTPS, or neither")
        }
        let scheme = config.tlsCertFile == nil ? "http" : "https"
        return Application(
            responder: service.responder(logger: logger),
            server: server,
            configuration: ApplicationConfiguration(
                address: .hostname(host, port: config.port), serverName: "importer",
                availableConnectionsDelegate: MaximumAvailableConnections(config.maxConnections, logger: logger)),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? config.port
                var metadata: Logger.Metadata = ["host": "\(host)", "port": "\(port)"]
                // The address to open in a browser (the web UI).
                if ui { metadata["ui"] = "\(scheme)://\(host.contains(":") ? "[\(host)]" : host):\(port)/" }
                logger.info("http_ready", metadata: metadata)
            },
            logger: logger)
    }
}
