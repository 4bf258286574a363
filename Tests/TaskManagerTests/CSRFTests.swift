// SPDX-License-Identifier: Apache-2.0
import Fluent
@testable import TaskManager
import Testing
import Vapor
import VaporTesting

@Suite("CSRF protection")
struct CSRFTests {
    @Test("a form posted without a token, with a wrong token or from another origin is refused, and nothing is written")
    func forgedForms() async throws {
        try await withTaskManager { app, _ in
            let browser = Browser(app)
            try await browser.logIn(TestAdmin.email, TestAdmin.password)
            try await browser.get("/tasks/new")
            let fields = [("title", "Forged"), ("priority", "high")]

            let missing = try await browser.post("/tasks", fields, csrf: false)
            #expect(missing.status == .forbidden)
            #expect(missing.body.string.contains("Form expired"))

            let wrong = try await browser.post("/tasks", fields + [("_csrf", String(repeating: "a", count: 64))], csrf: false)
            #expect(wrong.status == .forbidden)

            // A token minted for another visitor's cookie does not fit this one.
            let other = Browser(app)
            try await other.get("/login")
            let foreign = try await browser.post("/tasks", fields + [("_csrf", other.csrf)], csrf: false)
            #expect(foreign.status == .forbidden)

            let crossOrigin = try await browser.post(
                "/tasks", fields, headers: ["Origin": "https://evil.example", "Host": "localhost:8080"])
            #expect(crossOrigin.status == .forbidden)

            #expect(try await TaskItem.query(on: app.db).count() == 0)

            let sameOrigin = try await browser.post(
                "/tasks", fields, headers: ["Origin": "http://localhost:8080", "Host": "localhost:8080"])
            #expect(sameOrigin.status == .seeOther)
            #expect(try await TaskItem.query(on: app.db).count() == 1)
        }
    }

    @Test("a login form posted without its token is refused (no login CSRF)")
    func loginNeedsToken() async throws {
        try await withTaskManager { app, _ in
            let browser = Browser(app)
            let response = try await browser.post(
                "/login", [("email", TestAdmin.email), ("password", TestAdmin.password)], csrf: false)
            #expect(response.status == .forbidden)
            #expect(response.headers.setCookie?["tm_session"] == nil)
        }
    }

    @Test("every page answers with the security headers and no inline script")
    func securityHeaders() async throws {
        try await withTaskManager { app, _ in
            let browser = Browser(app)
            for path in ["/", "/login", "/register", "/no-such-page"] {
                let response = try await browser.get(path)
                #expect(response.headers.first(name: "Content-Security-Policy")?.contains("default-src 'none'") == true)
                #expect(response.headers.first(name: "X-Frame-Options") == "DENY")
                #expect(response.headers.first(name: "X-Content-Type-Options") == "nosniff")
                #expect(!response.body.string.contains("<script"))
                #expect(!response.body.string.contains("http://cdn") && !response.body.string.contains("https://"))
            }
            let css = try await browser.get("/css/app.css")
            #expect(css.status == .ok)
            #expect(css.headers.contentType?.subType == "css")
        }
    }
}
