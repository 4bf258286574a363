// SPDX-License-Identifier: Apache-2.0
import Vapor

/// `/` (the landing page) and `/health` (for scripts and load balancers; no PDP call).
struct HomeController: RouteCollection {
    struct Context: Encodable {
        var layout: LayoutContext
    }

    func boot(routes: any RoutesBuilder) throws {
        routes.get(use: home)
        routes.get("health") { _ in "ok" }
    }

    /// Logged in: straight to the task list. Otherwise: what the app is, log in, register.
    func home(_ request: Request) async throws -> Response {
        if request.currentUser != nil { return request.redirect(to: "/tasks") }
        return try await request.page("home", Context(layout: LayoutContext(request, title: "Task Manager")))
    }
}
