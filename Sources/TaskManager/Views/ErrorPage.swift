// SPDX-License-Identifier: Apache-2.0
import Vapor

/// The 403 / 404 / 429 / 500 / 503 page (`error.leaf`), with plain text when even the view
/// cannot be rendered.
enum ErrorPage {
    struct Context: Encodable {
        var layout: LayoutContext
        var status: UInt
        var heading: String
        var message: String
    }

    static func render(
        _ request: Request, status: HTTPResponseStatus, heading: String, message: String, headers: HTTPHeaders
    ) async -> Response {
        let context = Context(
            layout: LayoutContext(request, title: heading), status: status.code, heading: heading, message: message)
        let response: Response
        do {
            response = try await request.page("error", context, status: status)
        } catch {
            request.logger.error("error page could not be rendered", metadata: ["error": "\(error)"])
            response = Response(status: status, body: .init(string: "\(status.code) \(heading)\n\n\(message)\n"))
            response.headers.contentType = .plainText
        }
        for (name, value) in headers { response.headers.replaceOrAdd(name: name, value: value) }
        return response
    }
}
