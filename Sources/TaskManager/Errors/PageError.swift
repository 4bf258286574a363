// SPDX-License-Identifier: Apache-2.0
import PDPClient
import Vapor

/// The failures a page shows, each with its status and the words a person reads. The PDP's
/// own failures arrive as ``PDPClientError`` and are mapped by ``ErrorPageMiddleware``.
enum PageError: Error, Equatable {
    /// Not allowed (a PDP deny, or not the task's owner or assignee).
    case forbidden
    /// No such task or user.
    case notFound
    /// A form without a valid CSRF token, or from another origin.
    case forgedForm
    /// Too many failed logins; retry after this many seconds.
    case tooManyAttempts(retryAfter: Int)
    /// Not logged in: redirect to the login page.
    case loginRequired

    var status: HTTPResponseStatus {
        switch self {
        case .forbidden, .forgedForm: .forbidden
        case .notFound: .notFound
        case .tooManyAttempts: .tooManyRequests
        case .loginRequired: .seeOther
        }
    }
}
