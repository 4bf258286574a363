// SPDX-License-Identifier: Apache-2.0
import Vapor

/// What `layout.leaf` needs on every page: the title, the CSRF token for forms (logout
/// included), the user and the navigation links they may use, and a one-time message.
struct LayoutContext: Encodable {
    struct Navigation: Encodable {
        var tasks = false
        var newTask = false
        var users = false
        var analytics = false
    }

    struct Flash: Encodable {
        /// `success` or `error` (a CSS class).
        var kind: String
        var text: String
    }

    var title: String
    var csrf: String
    var userName: String?
    var navigation: Navigation
    var flash: Flash?

    /// The layout for `request`; navigation from the permissions this request already has
    /// (no PDP call of its own).
    init(_ request: Request, title: String) {
        self.title = title
        self.csrf = request.csrfToken
        self.userName = request.currentUser?.name
        var navigation = Navigation()
        if let permissions = request.knownPermissions {
            navigation.tasks = permissions.canListTasks
            navigation.newTask = permissions.canCreateTasks
            navigation.users = permissions.canListUsers
            navigation.analytics = permissions.canReadAnalytics
        }
        self.navigation = navigation
        self.flash = FlashMessage.take(from: request)
    }
}

/// One-time messages carried in the session to the next page.
enum FlashMessage {
    static let key = "flash"

    static func set(_ text: String, kind: String = "success", on request: Request) {
        request.session.data[key] = kind + "|" + text
    }

    static func take(from request: Request) -> LayoutContext.Flash? {
        guard request.hasSession, let stored = request.session.data[key] else { return nil }
        request.session.data[key] = nil
        let parts = stored.split(separator: "|", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return nil }
        return LayoutContext.Flash(kind: parts[0], text: parts[1])
    }
}

extension Request {
    /// Renders `template` with `context` and the given status.
    func page<Context: Encodable>(
        _ template: String, _ context: Context, status: HTTPResponseStatus = .ok
    ) async throws -> Response {
        let view = try await self.view.render(template, context)
        return try await view.encodeResponse(status: status, for: self)
    }

    /// A 303 redirect (after a POST the browser follows with a GET).
    func seeOther(_ path: String) -> Response { redirect(to: path, redirectType: .normal) }
}
