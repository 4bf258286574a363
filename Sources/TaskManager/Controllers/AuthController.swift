// SPDX-License-Identifier: Apache-2.0
import Fluent
import PDPClient
import Vapor

/// Registration, login and logout. Every form posts with a CSRF token; answers never tell
/// whether an e-mail address has an account.
struct AuthController: RouteCollection {
    struct LoginContext: Encodable {
        var layout: LayoutContext
        var email: String
        var next: String
        var error: String?
        var notice: String?
    }

    struct RegisterContext: Encodable {
        var layout: LayoutContext
        var name: String
        var email: String
        var errors: [String]
        var hasErrors: Bool { !errors.isEmpty }

        enum CodingKeys: String, CodingKey { case layout, name, email, errors, hasErrors }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(layout, forKey: .layout)
            try container.encode(name, forKey: .name)
            try container.encode(email, forKey: .email)
            try container.encode(errors, forKey: .errors)
            try container.encode(hasErrors, forKey: .hasErrors)
        }
    }

    struct LoginForm: Content {
        var email: String?
        var password: String?
        var next: String?
    }

    struct RegisterForm: Content {
        var name: String?
        var email: String?
        var password: String?
        var confirm: String?
    }

    static let registeredNotice =
        "If that e-mail address was not registered yet, the account is ready: log in with it."
    static let loginFailed = "Wrong e-mail or password."

    func boot(routes: any RoutesBuilder) throws {
        routes.get("login", use: loginForm)
        routes.post("login", use: login)
        routes.get("register", use: registerForm)
        routes.post("register", use: register)
        routes.post("logout", use: logout)
    }

    func loginForm(_ request: Request) async throws -> Response {
        if request.currentUser != nil { return request.redirect(to: "/tasks") }
        let next = SafeRedirect.target(try? request.query.get(String.self, at: "next"))
        let registered = (try? request.query.get(String.self, at: "registered")) == "1"
        return try await request.page(
            "login",
            LoginContext(
                layout: LayoutContext(request, title: "Log in"), email: "", next: next, error: nil,
                notice: registered ? Self.registeredNotice : nil))
    }

    func login(_ request: Request) async throws -> Response {
        let form = try request.content.decode(LoginForm.self)
        let email = FormInput.trimmed(form.email)?.lowercased() ?? ""
        let password = form.password ?? ""
        let next = SafeRedirect.target(form.next)
        let client = request.remoteAddress?.ipAddress ?? "unknown"
        let limiter = request.application.taskManager.loginLimiter
        if let wait = limiter.retryAfter(account: email, client: client) { throw PageError.tooManyAttempts(retryAfter: wait) }

        let user = email.isEmpty ? nil : try await User.query(on: request.db).filter(\.$email == email).first()
        // Verify against a fixed hash when there is no such user, so the answer takes as long.
        let hash = user?.passwordHash ?? request.application.taskManager.decoyHash
        let matches = try await request.password.async.verify(password, created: hash)
        guard let user, matches, !user.isDisabled, !password.isEmpty else {
            limiter.recordFailure(account: email, client: client)
            let context = LoginContext(
                layout: LayoutContext(request, title: "Log in"), email: email, next: next, error: Self.loginFailed,
                notice: nil)
            return try await request.page("login", context, status: .unauthorized)
        }
        limiter.recordSuccess(account: email)
        // A new session id at login (no fixation): drop the old record, start a fresh one.
        if request.hasSession, let old = request.session.id {
            try await request.application.sessions.driver.deleteSession(old, for: request).get()
        }
        request.session.id = nil
        request.session.data = SessionData()
        request.session.data[CurrentUserMiddleware.userKey] = user.id?.uuidString
        request.session.data[CurrentUserMiddleware.issuedKey] = String(Int(Date().timeIntervalSince1970))
        return request.seeOther(next)
    }

    func logout(_ request: Request) async throws -> Response {
        if request.hasSession { request.session.destroy() }
        return request.seeOther("/")
    }

    func registerForm(_ request: Request) async throws -> Response {
        if request.currentUser != nil { return request.redirect(to: "/tasks") }
        return try await request.page(
            "register", RegisterContext(layout: LayoutContext(request, title: "Register"), name: "", email: "", errors: []))
    }

    func register(_ request: Request) async throws -> Response {
        let form = try request.content.decode(RegisterForm.self)
        let name = FormInput.trimmed(form.name) ?? ""
        let email = FormInput.trimmed(form.email)?.lowercased() ?? ""
        let password = form.password ?? ""
        var errors: [String] = []
        if name.isEmpty || name.count > FormInput.maximumNameLength {
            errors.append("Enter a name of at most \(FormInput.maximumNameLength) characters.")
        }
        if !FormInput.isPlausibleEmail(email) { errors.append("Enter a valid e-mail address.") }
        if password.count < FormInput.minimumPasswordLength || password.count > FormInput.maximumPasswordLength {
            errors.append(
                "Choose a password of \(FormInput.minimumPasswordLength) to \(FormInput.maximumPasswordLength) characters.")
        }
        if password != (form.confirm ?? "") { errors.append("The two passwords differ.") }
        guard errors.isEmpty else {
            let context = RegisterContext(
                layout: LayoutContext(request, title: "Register"), name: name, email: email, errors: errors)
            return try await request.page("register", context, status: .unprocessableEntity)
        }

        // Hash first in every case, so a taken address answers as slowly as a new one.
        let hash = try await request.password.async.hash(password)
        if try await User.query(on: request.db).filter(\.$email == email).first() == nil {
            let services = request.application.taskManager
            let user = User(id: UUID(), email: email, name: name, passwordHash: hash)
            do {
                try await Registration.create(user, role: services.configuration.defaultRole, pdp: services.pdp, on: request.db)
            } catch let error as any DatabaseError where error.isConstraintFailure {
                // Registered by someone else a moment ago: the same answer as any taken address.
            }
        }
        return request.seeOther("/login?registered=1")
    }
}
