// SPDX-License-Identifier: Apache-2.0
import Fluent
import LivePDP
import PDPClient
@testable import TaskManager
import Testing
import Vapor
import VaporTesting

@Suite("Registration, login and logout")
struct AuthRouteTests {
    @Test("registration creates the user here and in the PDP, as a viewer, and the user can log in")
    func registerThenLogIn() async throws {
        try await withTaskManager { app, pdp in
            let browser = Browser(app)
            let registered = try await browser.register(name: "Alice", email: "Alice@Example.com", password: "correct-horse")
            #expect(registered.status == .seeOther)
            #expect(registered.headers.first(name: .location) == "/login?registered=1")

            let user = try #require(try await User.query(on: app.db).filter(\.$email == "alice@example.com").first())
            let roles = try await app.taskManager.pdp.roleAssignments(users: [user.pdpKey])
            #expect(roles.map(\.role) == ["viewer"])

            let login = try await browser.logIn("alice@example.com", "correct-horse")
            #expect(login.status == .seeOther)
            #expect(login.headers.first(name: .location) == "/tasks")
            let tasks = try await browser.get("/tasks")
            #expect(tasks.status == .ok)
            #expect(tasks.body.string.contains("My tasks"))
            #expect(tasks.body.string.contains("Alice"))
        }
    }

    @Test("registering a taken address answers exactly as a new one and creates nothing")
    func noEnumerationOnRegistration() async throws {
        try await withTaskManager { app, _ in
            let first = try await Browser(app).register(name: "Bob", email: "bob@example.com", password: "password-1")
            let second = try await Browser(app).register(name: "Mallory", email: "bob@example.com", password: "password-2")
            #expect(first.status == second.status)
            #expect(first.headers.first(name: .location) == second.headers.first(name: .location))
            #expect(try await User.query(on: app.db).filter(\.$email == "bob@example.com").count() == 1)
            let bob = try #require(try await User.query(on: app.db).filter(\.$email == "bob@example.com").first())
            #expect(bob.name == "Bob")
        }
    }

    @Test("invalid registrations are refused with every reason, and nothing is stored")
    func registrationValidation() async throws {
        try await withTaskManager { app, _ in
            let browser = Browser(app)
            try await browser.get("/register")
            let response = try await browser.post(
                "/register", [("name", ""), ("email", "not-an-email"), ("password", "short"), ("confirm", "other")])
            #expect(response.status == .unprocessableEntity)
            let body = response.body.string
            #expect(body.contains("Enter a name"))
            #expect(body.contains("valid e-mail"))
            #expect(body.contains("Choose a password"))
            #expect(body.contains("passwords differ"))
            #expect(try await User.query(on: app.db).count() == 1)  // the admin only
        }
    }

    @Test("registration while the PDP is down is a 503 and leaves no account behind")
    func registrationFailsClosed() async throws {
        try await withTaskManager { app, pdp in
            let browser = Browser(app)
            try await browser.get("/register")
            await pdp.stop()
            let response = try await browser.post(
                "/register", [("name", "Carol"), ("email", "carol@example.com"), ("password", "password-1"),
                              ("confirm", "password-1")])
            #expect(response.status == .serviceUnavailable)
            #expect(response.body.string.contains("Authorization service unavailable"))
            #expect(try await User.query(on: app.db).filter(\.$email == "carol@example.com").count() == 0)
        }
    }

    @Test("a wrong password and an unknown address get the same answer")
    func noEnumerationOnLogin() async throws {
        try await withTaskManager { app, _ in
            try await app.makeUser("Dave")
            let wrong = try await Browser(app).logIn("dave@example.com", "wrong-password")
            let unknown = try await Browser(app).logIn("nobody@example.com", "wrong-password")
            #expect(wrong.status == .unauthorized)
            #expect(unknown.status == .unauthorized)
            #expect(wrong.body.string.contains("Wrong e-mail or password."))
            #expect(unknown.body.string.contains("Wrong e-mail or password."))
        }
    }

    @Test("after five failed logins the account is locked for a while, even with the right password")
    func loginRateLimit() async throws {
        try await withTaskManager { app, _ in
            try await app.makeUser("Erin")
            let browser = Browser(app)
            for _ in 0..<5 {
                #expect(try await browser.logIn("erin@example.com", "guess").status == .unauthorized)
            }
            let locked = try await browser.logIn("erin@example.com", "password-123")
            #expect(locked.status == .tooManyRequests)
            #expect(locked.headers.first(name: .retryAfter) != nil)
            #expect(locked.body.string.contains("Too many failed logins"))
            // Another account from elsewhere is not affected.
            try await app.makeUser("Finn")
            #expect(try await Browser(app).logIn("finn@example.com", "password-123").status == .seeOther)
        }
    }

    @Test(
        "after login only a local path is followed",
        arguments: [
            ("https://evil.example/phish", "/tasks"), ("//evil.example", "/tasks"), ("/\\evil.example", "/tasks"),
            ("javascript:alert(1)", "/tasks"), ("tasks", "/tasks"), ("/tasks/new", "/tasks/new"),
            ("/analytics?x=1", "/analytics?x=1"),
        ])
    func noOpenRedirect(next: String, expected: String) async throws {
        try await withTaskManager { app, _ in
            let response = try await Browser(app).logIn(TestAdmin.email, TestAdmin.password, next: next)
            #expect(response.status == .seeOther)
            #expect(response.headers.first(name: .location) == expected)
        }
    }

    @Test("the login form carries a safe `next`, and a protected page sends there")
    func loginRequiredRedirect() async throws {
        try await withTaskManager { app, _ in
            let browser = Browser(app)
            let response = try await browser.get("/tasks/new")
            #expect(response.status == .seeOther)
            #expect(response.headers.first(name: .location) == "/login?next=%2Ftasks%2Fnew")
            let form = try await browser.get("/login?next=https://evil.example")
            #expect(form.body.string.contains(#"name="next" value="/tasks""#))
        }
    }

    @Test("the session cookie is HttpOnly and SameSite=Lax, and a new session starts at login")
    func sessionCookie() async throws {
        try await withTaskManager { app, _ in
            let browser = Browser(app)
            try await browser.get("/login")
            try await browser.post("/login", [("email", "nobody@example.com"), ("password", "x")])
            let response = try await browser.post("/login", [("email", TestAdmin.email), ("password", TestAdmin.password)])
            let cookie = try #require(response.headers.setCookie?["tm_session"])
            #expect(cookie.isHTTPOnly)
            #expect(cookie.sameSite == .lax)
            #expect(cookie.isSecure == false)
            let raw = response.headers[.setCookie].joined(separator: "\n")
            #expect(raw.contains("HttpOnly"))
            #expect(raw.contains("SameSite=Lax"))
            let csrfCookie = try await Browser(app).get("/login").headers[.setCookie].joined()
            #expect(csrfCookie.contains("tm_csrf="))
            #expect(csrfCookie.contains("HttpOnly"))
        }
    }

    @Test("logout is a POST with a token; a GET does nothing, and after it the pages need a login")
    func logout() async throws {
        try await withTaskManager { app, _ in
            let browser = Browser(app)
            try await browser.logIn(TestAdmin.email, TestAdmin.password)
            #expect(try await browser.get("/logout").status == .notFound)
            #expect(try await browser.get("/tasks").status == .ok)
            #expect(try await browser.post("/logout", csrf: false).status == .forbidden)
            #expect(try await browser.get("/tasks").status == .ok)
            #expect(try await browser.post("/logout").status == .seeOther)
            #expect(try await browser.get("/tasks").status == .seeOther)
        }
    }

    @Test("a disabled user cannot log in, and their open session ends")
    func disabledUser() async throws {
        try await withTaskManager { app, _ in
            let user = try await app.makeUser("Gina")
            let browser = Browser(app)
            try await browser.logIn("gina@example.com", "password-123")
            #expect(try await browser.get("/tasks").status == .ok)
            user.isDisabled = true
            try await user.update(on: app.db)
            #expect(try await browser.get("/tasks").status == .seeOther)
            #expect(try await Browser(app).logIn("gina@example.com", "password-123").status == .unauthorized)
        }
    }
}
