// SPDX-License-Identifier: Apache-2.0
import Fluent
import Vapor

/// Loads the logged-in user from the session. A session whose user is gone, disabled, or
/// that is older than ``maxAge`` is ended; an empty session (an unknown cookie) is dropped
/// rather than stored.
struct CurrentUserMiddleware: AsyncMiddleware {
    static let userKey = "user_id"
    static let issuedKey = "issued"
    /// Sessions last at most a week from login.
    static let maxAge: TimeInterval = 7 * 24 * 3600

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if request.hasSession {
            let data = request.session.data
            if let text = data[Self.userKey], let id = UUID(uuidString: text),
                let issued = data[Self.issuedKey].flatMap(TimeInterval.init),
                Date().timeIntervalSince1970 - issued < Self.maxAge,
                let user = try await User.find(id, on: request.db), !user.isDisabled
            {
                request.currentUser = user
            } else if data[Self.userKey] != nil || request.session.id == nil {
                request.session.destroy()
            }
        }
        return try await next.respond(to: request)
    }
}
