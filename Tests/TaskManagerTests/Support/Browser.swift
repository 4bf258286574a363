// SPDX-License-Identifier: Apache-2.0
import AsyncHTTPClient
import Foundation
import NIOCore
import Vapor
import VaporTesting

/// A browser for route tests: keeps cookies between requests, reads the CSRF token of the
/// last page, and posts forms the way a browser does (`application/x-www-form-urlencoded`).
final class Browser: @unchecked Sendable {
    let app: Application
    /// `nil`: in memory (no socket); else the app's listening port.
    let port: Int?
    private(set) var cookies: [String: String] = [:]
    private(set) var lastBody = ""

    /// `port`: `nil` for Vapor's in-memory tester (no socket), or the port the app listens on
    /// (see ``Application/listen()``), reached over loopback TCP without following redirects.
    init(_ app: Application, port: Int? = nil) {
        self.app = app
        self.port = port
    }

    /// One client for every socket browser: redirects are answers to check, not to follow.
    static let socketClient = HTTPClient(
        eventLoopGroup: HTTPClient.defaultEventLoopGroup,
        configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))

    /// The `_csrf` value of the last page that had a form.
    private(set) var csrf = ""

    @discardableResult
    func get(_ path: String, headers: HTTPHeaders = [:]) async throws -> BrowserResponse {
        try await send(.GET, path, body: nil, headers: headers)
    }

    /// Posts `fields`, adding the current CSRF token unless `csrf` is false.
    @discardableResult
    func post(
        _ path: String, _ fields: [(String, String)] = [], csrf withToken: Bool = true, headers: HTTPHeaders = [:]
    ) async throws -> BrowserResponse {
        var all = fields
        if withToken { all.append(("_csrf", csrf)) }
        let body = all.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        var headers = headers
        headers.contentType = .urlEncodedForm
        return try await send(.POST, path, body: body, headers: headers)
    }

    func send(_ method: HTTPMethod, _ path: String, body: String?, headers: HTTPHeaders) async throws -> BrowserResponse {
        var headers = headers
        if !cookies.isEmpty {
            headers.replaceOrAdd(name: .cookie, value: cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))
        }
        let buffer = body.map { ByteBuffer(string: $0) }
        let response: BrowserResponse
        if let port {
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
            request.method = method
            request.headers = headers
            if let buffer { request.body = .bytes(buffer) }
            let answer = try await Self.socketClient.execute(request, timeout: .seconds(30))
            let collected = try await answer.body.collect(upTo: 1 << 24)
            response = BrowserResponse(status: answer.status, headers: answer.headers, body: collected)
        } else {
            let answer = try await app.testing().sendRequest(method, path, headers: headers, body: buffer)
            response = BrowserResponse(status: answer.status, headers: answer.headers, body: answer.body)
        }
        for (name, value) in response.headers.setCookie?.all ?? [:] {
            if value.string.isEmpty || (value.expires.map { $0 < Date() } ?? false) || value.maxAge == 0 {
                cookies[name] = nil
            } else {
                cookies[name] = value.string
            }
        }
        lastBody = response.body.string
        if let token = Self.csrfToken(in: lastBody) { csrf = token }
        return response
    }

    /// Logs in (reading the form first for its token).
    @discardableResult
    func logIn(_ email: String, _ password: String, next: String? = nil) async throws -> BrowserResponse {
        try await get("/login")
        var fields = [("email", email), ("password", password)]
        if let next { fields.append(("next", next)) }
        return try await post("/login", fields)
    }

    /// Registers (reading the form first for its token).
    @discardableResult
    func register(name: String, email: String, password: String) async throws -> BrowserResponse {
        try await get("/register")
        return try await post(
            "/register", [("name", name), ("email", email), ("password", password), ("confirm", password)])
    }

    static func csrfToken(in html: String) -> String? {
        guard let range = html.range(of: #"name="_csrf" value="([0-9a-f]{64})""#, options: .regularExpression) else { return nil }
        return String(html[range].dropFirst(#"name="_csrf" value=""#.count).dropLast())
    }

    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

/// One answer as the browser saw it.
struct BrowserResponse {
    var status: HTTPStatus
    var headers: HTTPHeaders
    var body: ByteBuffer
}
