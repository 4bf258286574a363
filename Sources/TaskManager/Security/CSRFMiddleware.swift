// SPDX-License-Identifier: Apache-2.0
import Crypto
import Vapor

/// CSRF protection by signed double submit: a random `tm_csrf` cookie (HttpOnly,
/// SameSite=Lax), and a form token that is HMAC-SHA256(session secret, cookie). Every
/// POST must carry the token in its `_csrf` field; a missing or wrong token, or an `Origin`
/// header naming another host, is a 403 and nothing runs. Works the same for anonymous
/// forms (login, registration) and logged-in ones, without server-side state.
struct CSRFMiddleware: AsyncMiddleware {
    static let cookieName = "tm_csrf"
    static let fieldName = "_csrf"
    let key: SymmetricKey
    let secureCookies: Bool

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        var cookie = request.cookies[Self.cookieName]?.string
        var issued: String?
        if cookie.map(Self.isWellFormed) != true {
            let fresh = Self.randomToken()
            issued = fresh
            cookie = fresh
        }
        let token = Self.token(for: cookie ?? "", key: key)
        request.storage[CSRFTokenKey.self] = token

        if request.method != .GET && request.method != .HEAD {
            guard issued == nil, Self.sameOrigin(request) else { throw PageError.forgedForm }
            _ = try await request.body.collect(max: 64 * 1024).get()
            let submitted = try? request.content.get(String.self, at: Self.fieldName)
            guard let submitted, Self.constantTimeEqual(submitted, token) else { throw PageError.forgedForm }
        }
        let response = try await next.respond(to: request)
        if let issued {
            response.cookies[Self.cookieName] = HTTPCookies.Value(
                string: issued, path: "/", isSecure: secureCookies, isHTTPOnly: true, sameSite: .lax)
        }
        return response
    }

    /// HMAC-SHA256(key, cookie) as lower-case hex.
    static func token(for cookie: String, key: SymmetricKey) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(cookie.utf8), using: key)
        return mac.map { String(format: "%02x", $0) }.joined()
    }

    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    static func isWellFormed(_ cookie: String) -> Bool {
        cookie.utf8.count == 64 && cookie.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }

    static func constantTimeEqual(_ lhs: String, _ rhs: String) -> Bool {
        let left = Array(lhs.utf8)
        let right = Array(rhs.utf8)
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }

    /// A browser's `Origin` (when sent) must name this host; forms from other sites are
    /// refused even if a token leaked. Requests without `Origin` (older clients) rely on the token.
    static func sameOrigin(_ request: Request) -> Bool {
        guard let origin = request.headers.first(name: .origin) else { return true }
        guard let host = request.headers.first(name: .host), let url = URL(string: origin), let originHost = url.host
        else { return false }
        let originAuthority = url.port.map { "\(originHost):\($0)" } ?? originHost
        return originAuthority.lowercased() == host.lowercased()
    }
}

/// The CSRF token of the current request, for forms.
struct CSRFTokenKey: StorageKey {
    typealias Value = String
}

extension Request {
    /// The token every form of this page must post as `_csrf`.
    var csrfToken: String { storage[CSRFTokenKey.self] ?? "" }
}
