// SPDX-License-Identifier: Apache-2.0
import PDPClient
import Vapor

/// Turns every failure into a page: 403 (deny, forged form), 404, 429, 503 when the PDP
/// cannot decide (fail closed), and 500 for anything else, without details (no debug
/// pages; the error goes to the log). Replaces Vapor's `ErrorMiddleware`.
struct ErrorPageMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let response: Response
        do {
            response = try await next.respond(to: request)
        } catch {
            response = await page(for: error, request: request)
        }
        SecurityHeadersMiddleware.apply(to: response)
        return response
    }

    private func page(for error: any Error, request: Request) async -> Response {
        let (status, heading, message): (HTTPResponseStatus, String, String)
        var headers = HTTPHeaders()
        switch error {
        case PageError.loginRequired:
            let next = request.url.path + (request.url.query.map { "?" + $0 } ?? "")
            let target = "/login?next=" + (next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
            let response = request.redirect(to: request.method == .GET ? target : "/login", redirectType: .normal)
            return response
        case PageError.forbidden:
            (status, heading, message) = (.forbidden, "Not allowed", "You do not have permission to do that.")
        case PageError.notFound:
            (status, heading, message) = (.notFound, "Not found", "There is no such page or task.")
        case PageError.forgedForm:
            (status, heading, message) = (
                .forbidden, "Form expired",
                "This form could not be verified (it may have expired, or come from another site). Go back, reload the page and try again."
            )
        case PageError.tooManyAttempts(let seconds):
            headers.replaceOrAdd(name: .retryAfter, value: String(seconds))
            (status, heading, message) = (
                .tooManyRequests, "Too many attempts",
                "Too many failed logins. Try again in \(max(1, seconds / 60)) minute(s).")
        case let error as PDPClientError where error.isUnavailable:
            request.logger.error("PDP unavailable: page refused", metadata: ["error": "\(error)"])
            (status, heading, message) = (
                .serviceUnavailable, "Authorization service unavailable",
                "The permission service could not be reached, so nothing was done. Try again in a moment.")
        case let error as PDPClientError:
            if case .denied = error {
                (status, heading, message) = (.forbidden, "Not allowed", "You do not have permission to do that.")
            } else {
                request.logger.error("facts API refused a request", metadata: ["error": "\(error)"])
                (status, heading, message) = (
                    .serviceUnavailable, "Authorization service error",
                    "The permission service refused the change, so nothing was done. Try again in a moment.")
            }
        case let abort as any AbortError where abort.status.code < 500:
            let code = abort.status
            (status, heading, message) = (
                code, code == .notFound ? "Not found" : code.reasonPhrase,
                code == .notFound ? "There is no such page or task." : "The request could not be handled.")
        default:
            request.logger.error("unexpected error", metadata: ["error": "\(String(reflecting: error))"])
            (status, heading, message) = (.internalServerError, "Something went wrong", "The error was logged.")
        }
        return await ErrorPage.render(
            request, status: status, heading: heading, message: message, headers: headers)
    }
}
