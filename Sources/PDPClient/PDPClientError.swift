// SPDX-License-Identifier: Apache-2.0

/// Every way a ``PDPClient`` call can fail. A deny from ``PDPClient/check(_:)`` is not an
/// error (it is `false`); only ``PDPClient/authorize(_:)`` turns a deny into ``denied(_:)``.
///
/// Applications usually want three outcomes: allowed, ``denied(_:)`` (answer 403) and
/// ``isUnavailable`` (the PDP could not decide: fail closed, answer 503).
public enum PDPClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The PDP answered, and its answer was no.
    case denied(PDPCheck)
    /// No connection could be made, or it broke before an answer (refused, reset, DNS,
    /// TLS). The string describes the cause, for logs.
    case unreachable(String)
    /// No complete answer within the configured timeout.
    case timedOut
    /// The PDP answered something that is not a valid answer to the call: a status other
    /// than the call's success status, a non-JSON body, a JSON body of the wrong shape, or
    /// a bulk answer with the wrong number of decisions.
    case badAnswer(status: Int, detail: String)
    /// The PDP or facts API refused the API key (401 or 403 on a decision call; 401 on a
    /// facts call).
    case unauthorized(status: Int)
    /// The facts API refused the request with a Permit error (`ErrorDetails` or a
    /// validation error): 404 for an unknown user, role or tenant, 409 for a duplicate,
    /// 403 for a fact the PDP's own policy files declare, 422 for invalid input.
    case rejected(status: Int, code: String, message: String)
    /// The configured URL cannot be used (no scheme or host).
    case invalidURL(String)

    /// True when the PDP could not give a decision (unreachable, timed out, a bad or
    /// server-error answer, a refused key): the caller should fail closed.
    public var isUnavailable: Bool {
        switch self {
        case .unreachable, .timedOut, .badAnswer, .unauthorized, .invalidURL: true
        case .rejected(let status, _, _): status >= 500
        case .denied: false
        }
    }

    /// True for a facts API 404 (unknown user, role or tenant).
    public var isNotFound: Bool {
        if case .rejected(404, _, _) = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .denied(let check):
            "denied: \(check.user.key) may not \(check.action) \(check.resource.type)"
        case .unreachable(let cause): "PDP unreachable: \(cause)"
        case .timedOut: "PDP timed out"
        case .badAnswer(let status, let detail): "bad answer from the PDP (HTTP \(status)): \(detail)"
        case .unauthorized(let status): "the PDP refused the API key (HTTP \(status))"
        case .rejected(let status, let code, let message): "facts API refused (HTTP \(status), \(code)): \(message)"
        case .invalidURL(let url): "invalid PDP URL: \(url)"
        }
    }
}
