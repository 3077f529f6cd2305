import Foundation
import Hummingbird
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
    /// `http_ready` with the port once listening.
    public static func make(_ service: APIService, logger: Logger) throws -> some Service {
        let config = service.context.config.http
        if !config.isLoopbackHost && config.authToken == nil {
            throw Refusal(
                description: "refusing to listen on \(config.host) without auth_token: set a token (IMPORTER_AUTH_TOKEN) "
                    + "or listen on 127.0.0.1")
        }
        let host = config.host
        return Application(
            responder: service.responder(logger: logger),
            configuration: ApplicationConfiguration(address: .hostname(host, port: config.port), serverName: "importer"),
            onServerRunning: { channel in
                logger.info(
                    "http_ready", metadata: ["host": "\(host)", "port": "\(channel.localAddress?.port ?? config.port)"])
            },
            logger: logger)
    }
}
