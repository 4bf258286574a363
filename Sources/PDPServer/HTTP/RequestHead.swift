// SPDX-License-Identifier: Apache-2.0
import NIOHTTP1

/// How a request's body is delimited.
enum BodyFraming: Equatable {
    case none
    case length(Int)
    case chunked
}

/// The parts of an HTTP/1.x request head this server acts on.
struct RequestHead {
    var method: HTTPMethod = .GET
    var uri: String = ""
    /// Where the request target (`uri`) is, as byte offsets into the parsed head.
    var target: Range<Int> = 0..<0
    var version: HTTPVersion = .http1_1
    var keepAlive: Bool = true
    var framing: BodyFraming = .none
    var expectContinue: Bool = false
    /// Where the `Authorization` value is, as byte offsets into the parsed head.
    var authorization: Range<Int>? = nil
    /// Why `X-Wait-Timeout` or `X-Timeout-Policy` is invalid (400 on the facts API).
    var syncHeaderProblem: String? = nil
    /// The request carried the right API key (or the server has none); set by the handler.
    var authenticated: Bool = false
}
