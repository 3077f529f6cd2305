import Foundation
import Testing

/// HTTPS of its own (issue 20): `tls_cert_file`/`tls_key_file` with a self-signed certificate,
/// checked by curl against that certificate; a bad pair is one line at start-up, never a crash.
@Suite(.serialized) struct TLSProcessTests {
    /// A self-signed certificate for 127.0.0.1 and its key (and a second, unrelated key) in `directory`.
    static func makeCertificate(in directory: String) throws {
        for command in [
            "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=127.0.0.1 "
                + "-addext subjectAltName=IP:127.0.0.1 -keyout \(directory)/key.pem -out \(directory)/cert.pem",
            "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out \(directory)/other-key.pem",
        ] {
            #expect(Shell.run(command) == 0, "\(command)")
        }
    }

    @Test func healthzAnswersOverHTTPSToAClientThatTrustsTheCertificate() async throws {
        let sandbox = try Sandbox()
        try Self.makeCertificate(in: sandbox.root)
        let server = try ImporterProcess(
            ["serve", "--port", "0"], dataDir: sandbox.dataDir,
            environment: ["IMPORTER_TLS_CERT_FILE": sandbox.root + "/cert.pem", "IMPORTER_TLS_KEY_FILE": sandbox.root + "/key.pem"])
        defer { server.signal(SIGKILL) }
        #expect(await server.waitForLog("http_ready"), "\(server.log)")
        let line = try #require(server.log.split(separator: "\n").first { $0.contains("http_ready") })
        #expect(line.contains("ui=https://127.0.0.1:"), "\(line)")
        let port = try #require(line.split(separator: " ").first { $0.hasPrefix("port=") }.flatMap { Int($0.dropFirst(5)) })
        let output = sandbox.root + "/healthz.json"
        let verified = Shell.run(
            "curl -sS --fail --max-time 10 --cacert \(sandbox.root)/cert.pem -o \(output) https://127.0.0.1:\(port)/healthz")
        #expect(verified == 0)
        #expect(try String(contentsOfFile: output, encoding: .utf8).contains("\"healthy\""))
        // Plain HTTP on the TLS port gets no answer; a client that does not trust the certificate refuses it.
        #expect(Shell.run("curl -sS --fail --max-time 5 -o /dev/null http://127.0.0.1:\(port)/healthz") != 0)
        #expect(Shell.run("curl -sS --fail --max-time 5 -o /dev/null https://127.0.0.1:\(port)/healthz") != 0)
        #expect(server.process.isRunning)
    }

    @Test(arguments: [
        ("cert.pem", "missing.pem", "tls_key_file"),
        ("missing.pem", "key.pem", "tls_cert_file"),
        ("cert.pem", "other-key.pem", "is not the key of the certificate"),
        ("key.pem", "key.pem", "holds no PEM certificate"),
        ("cert.pem", "cert.pem", "holds no PEM private key"),
        ("cert.pem", "", "go together"),
    ])
    func aBadCertificateOrKeyIsOneLineAtStartUp(certificate: String, key: String, says: String) async throws {
        let sandbox = try Sandbox()
        try Self.makeCertificate(in: sandbox.root)
        var environment = ["IMPORTER_TLS_CERT_FILE": sandbox.root + "/" + certificate]
        if !key.isEmpty { environment["IMPORTER_TLS_KEY_FILE"] = sandbox.root + "/" + key }
        let run = try await ImporterProcess.run(["serve", "--port", "0"], dataDir: sandbox.dataDir, environment: environment)
        #expect(run.status != 0)
        let lines = run.log.split(separator: "\n").filter { $0.hasPrefix("importer: ") }
        #expect(lines.count == 1 && lines[0].contains(says), "\(run.log)")
        #expect(!run.log.contains("http_ready"))
    }
}
