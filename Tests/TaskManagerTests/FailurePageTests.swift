// SPDX-License-Identifier: Apache-2.0
import Fluent
import LivePDP
import PDPClient
@testable import TaskManager
import Testing
import Vapor
import VaporTesting

/// What each failure shows, and that a PDP that cannot decide fails closed.
@Suite("Failure pages")
struct FailurePageTests {
    @Test("a missing task or malformed id is a 404 page, an unknown path too; none is a 500")
    func notFound() async throws {
        try await withTaskManager { app, _ in
            let browser = Browser(app)
            try await browser.logIn(TestAdmin.email, TestAdmin.password)
            for path in ["/tasks/\(UUID().uuidString)", "/tasks/42", "/tasks/\(UUID().uuidString)/edit", "/nope"] {
                let response = try await browser.get(path)
                #expect(response.status == .notFound, "\(path)")
                #expect(response.body.string.contains("Not found"), "\(path)")
                #expect(response.headers.contentType == .html, "\(path)")
            }
            let missingDelete = try await browser.post("/tasks/\(UUID().uuidString)/delete")
            #expect(missingDelete.status == .notFound)
        }
    }

    @Test("with the PDP stopped, pages are 503, and neither a create, an edit nor a delete is written")
    func pdpDownFailsClosed() async throws {
        try await withTaskManager { app, pdp in
            let admin = try #require(try await User.query(on: app.db).filter(\.$email == TestAdmin.email).first())
            let task = try await app.makeTask("Keep me", owner: admin)
            let browser = Browser(app)
            try await browser.logIn(TestAdmin.email, TestAdmin.password)
            try await browser.get("/tasks/new")
            await pdp.stop()

            for path in ["/tasks", task.path, task.path + "/edit", "/tasks/new", "/admin/users", "/analytics"] {
                let response = try await browser.get(path)
                #expect(response.status == .serviceUnavailable, "\(path)")
                #expect(response.body.string.contains("Authorization service unavailable"), "\(path)")
                #expect(!response.body.string.contains("Keep me"), "\(path)")
            }
            #expect(try await browser.post("/tasks", [("title", "New one")]).status == .serviceUnavailable)
            #expect(try await browser.post(task.path + "/edit", [("title", "Changed")]).status == .serviceUnavailable)
            #expect(try await browser.post(task.path + "/delete").status == .serviceUnavailable)
            let tasks = try await TaskItem.query(on: app.db).all()
            #expect(tasks.map(\.title) == ["Keep me"])
        }
    }

    @Test("a PDP that hangs is a 503 after the configured timeout, not a hung page")
    func pdpTimeout() async throws {
        let hung = try CannedHTTPServerFixture()
        try await withTaskManager(pdpTimeoutMilliseconds: 300) { app, _ in
            let browser = Browser(app)
            #expect(try await browser.logIn(TestAdmin.email, TestAdmin.password).status == .seeOther)
            // Point a second app at the hung server: same database, same session.
            let services = app.taskManager
            var configuration = services.configuration.pdp
            configuration.pdpURL = hung.server.url
            let hungClient = PDPClient(configuration: configuration)
            app.taskManager = TaskManagerServices(
                configuration: services.configuration, pdp: hungClient, loginLimiter: services.loginLimiter,
                decoyHash: services.decoyHash)
            let started = ContinuousClock.now
            let response = try await browser.get("/tasks")
            #expect(response.status == .serviceUnavailable)
            // Without the timeout the page would never come (the server never answers).
            #expect(ContinuousClock.now - started < .seconds(20))
            await hungClient.shutdown()
        }
        hung.server.stop()
    }

    @Test("the PDP's deny is a 403 page that says so")
    func forbiddenPage() async throws {
        try await withTaskManager { app, _ in
            try await app.makeUser("Vic")
            let browser = Browser(app)
            try await browser.logIn("vic@example.com", "password-123")
            let response = try await browser.get("/analytics")
            #expect(response.status == .forbidden)
            #expect(response.body.string.contains("Not allowed"))
            #expect(response.body.string.contains("You do not have permission to do that."))
        }
    }
}

/// A server that never answers, for timeouts.
struct CannedHTTPServerFixture {
    let server: CannedHTTPServer
    init() throws { server = try CannedHTTPServer(silent: true) }
}
