import Foundation
import HummingbirdCore
import HummingbirdTLS

/// The server's own certificate and key (`tls_cert_file`, `tls_key_file`: PEM), checked before
/// the server starts, so a missing, unreadable or mismatched file is one clear line at start-up.
enum TLSFiles {
    struct Invalid: Error, CustomStringConvertible {
        let description: String
    }

    /// The TLS configuration of an HTTP/1.1 server with the chain in `certificateFile` (leaf
    /// first) and the key in `keyFile`.
    static func serverConfiguration(certificateFile: String, keyFile: String) throws(Invalid) -> TLSConfiguration {
        try readable(certificateFile, "tls_cert_file")
        try readable(keyFile, "tls_key_file")
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificateFile)
        } catch {
            throw Invalid(description: "tls_cert_file \(certificateFile) holds no PEM certificate (\(error))")
        }
        guard !chain.isEmpty else { throw Invalid(description: "tls_cert_file \(certificateFile) holds no PEM certificate") }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: keyFile, format: .pem)
        } catch {
            throw Invalid(description: "tls_key_file \(keyFile) holds no PEM private key (\(error))")
        }
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        // BoringSSL refuses a key that is not the certificate's when the context is made.
        do {
            _ = try TLSChannel(HTTP1Channel(responder: { _, _, _ in }), tlsConfiguration: configuration)
        } catch {
            throw Invalid(description: "tls_key_file \(keyFile) is not the key of the certificate in \(certificateFile) (\(error))")
        }
        return configuration
    }

    private static func readable(_ path: String, _ key: String) throws(Invalid) {
        guard FileManager.default.fileExists(atPath: path) else { throw Invalid(description: "\(key) \(path): no such file") }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw Invalid(description: "\(key) \(path): not readable by this user")
        }
    }
}
