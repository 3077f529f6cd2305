import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The web UI (DESIGN.md §12): the files of `Sources/Server/UI/`, compiled in, served at `/ui/`
/// (`/` redirects there) with their content type, an `ETag` of their bytes, `Cache-Control:
/// no-cache` (the browser revalidates, so a new binary's UI shows at the next load), and headers
/// that keep the page from running anything but its own files.
struct UIAssets: Sendable {
    struct Asset: Sendable {
        let body: ByteBuffer
        let contentType: String
        let etag: String
    }

    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy: "default-src 'self'; frame-ancestors 'none'",
        .xContentTypeOptions: "nosniff",
        HTTPField.Name("Referrer-Policy")!: "no-referrer",
    ]

    /// Built once: the bytes, content type and entity tag of every file.
    static let shared = UIAssets()

    let assets: [String: Asset]

    init() {
        var assets: [String: Asset] = [:]
        for (name, text) in Self.files {
            assets[name] = Asset(
                body: ByteBuffer(string: text), contentType: Self.contentType(of: name), etag: "\"\(Self.fingerprint(text))\"")
        }
        self.assets = assets
    }

    /// The answer when `request` is for the UI (`/`, `/ui`, `/ui/…`); nil for every other path.
    func response(to request: Request) -> Response? {
        let path = request.uri.path
        guard path == "/" || path == "/ui" || path.hasPrefix("/ui/") else { return nil }
        guard request.method == .get || request.method == .head else {
            return JSONResponse.make(
                .methodNotAllowed,
                body: APIError.body(code: "method_not_allowed", message: "\(request.method.rawValue) is not allowed here; use GET, HEAD"),
                headers: [.allow: "GET, HEAD"])
        }
        if path == "/" || path == "/ui" {
            return Response(status: .found, headers: [.location: "/ui/"])
        }
        let name = path == "/ui/" ? "index.html" : String(path.dropFirst("/ui/".count))
        guard let asset = assets[name] else {
            return JSONResponse.make(.notFound, body: APIError.body(code: "not_found", message: "no UI file \(path)"))
        }
        var headers = Self.securityHeaders
        headers[.contentType] = asset.contentType
        headers[.eTag] = asset.etag
        headers[.cacheControl] = "no-cache"
        if let tags = request.headers[.ifNoneMatch],
            tags.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == asset.etag })
        {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentLength] = String(asset.body.readableBytes)
        let body = request.method == .head ? ByteBuffer() : asset.body
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: body))
    }

    static func contentType(of name: String) -> String {
        switch name.split(separator: ".").last {
        case "html": "text/html; charset=utf-8"
        case "js": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "svg": "image/svg+xml"
        default: "text/plain; charset=utf-8"
        }
    }

    /// FNV-1a (64 bits) of the text: it changes whenever the file does.
    static func fingerprint(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
