// SPDX-License-Identifier: Apache-2.0
import Fluent
import Foundation
import LivePDP
import PDPClient
@testable import TaskManager
import Testing
import Vapor
import VaporTesting

/// The whole journey over real sockets: the app listening on a port, a real `pdp serve`
/// process behind it.
@Suite("End to end with pdp serve")
struct EndToEndTests {
    @Test("register, the PDP knows the user, tasks, an admin promotes them in the UI, they see all tasks; PDP stopped: 503 and nothing written")
    func journey() async throws {
        try await withTaskManager { app, pdp in
            try await Self.journey(app, pdp)
        }
    }

    /// Also run on PostgreSQL by `PostgresTests`.
    static func journey(_ app: Application, _ pdp: LivePDP) async throws {
        let port = try await app.listen()
        do {
            try await journey(app, pdp, port: port)
        } catch {
            await app.server.shutdown()
            throw error
        }
        await app.server.shutdown()
    }

    private static func journey(_ app: Application, _ pdp: LivePDP, port: Int) async throws {
        let client = PDPClient(configuration: PDPClientConfiguration(pdpURL: pdp.url, apiKey: pdp.apiKey))
        defer { Task { await client.shutdown() } }
        let admin = try #require(try await User.query(on: app.db).filter(\.$email == TestAdmin.email).first())
        try await app.makeTask("Admin's plan", owner: admin)

        let user = Browser(app, port: port)
        #expect(try await user.register(name: "Uma", email: "uma@example.com", password: "uma-password").status == .seeOther)
        let uma = try #require(try await User.query(on: app.db).filter(\.$email == "uma@example.com").first())
        // The PDP knows the new user, as a viewer.
        #expect(try await client.roleAssignments(users: [uma.pdpKey]).map(\.role) == ["viewer"])
        #expect(try await client.check(PDPCheck(uma.pdpKey, "create", "task")))
        #expect(try await client.check(PDPCheck(uma.pdpKey, "readall", "task")) == false)

        #expect(try await user.logIn("uma@example.com", "uma-password").status == .seeOther)
        try await user.get("/tasks/new")
        #expect(try await user.post("/tasks", [("title", "Uma's first"), ("priority", "low")]).status == .seeOther)
        var list = try await user.get("/tasks").body.string
        #expect(list.contains("Uma&#39;s first"))
        #expect(!list.contains("Admin&#39;s plan"))

        let adminBrowser = Browser(app, port: port)
        try await adminBrowser.logIn(TestAdmin.email, TestAdmin.password)
        #expect(try await adminBrowser.get("/admin/users").status == .ok)
        #expect(try await adminBrowser.post(uma.path + "/role", [("role", "admin")]).status == .seeOther)
        #expect(try await client.check(PDPCheck(uma.pdpKey, "readall", "task")))

        list = try await user.get("/tasks").body.string
        #expect(list.contains("All tasks"))
        #expect(list.contains("Admin&#39;s plan"))
        #expect(list.contains(#"href="/analytics""#))

        try await user.get("/tasks/new")
        await pdp.stop()
        let before = try await TaskItem.query(on: app.db).count()
        #expect(try await user.get("/tasks").status == .serviceUnavailable)
        #expect(try await user.post("/tasks", [("title", "Lost")]).status == .serviceUnavailable)
        #expect(try await TaskItem.query(on: app.db).count() == before)
        let registered = try await Browser(app, port: port).register(name: "Late", email: "late@example.com", password: "late-password")
        #expect(registered.status == .serviceUnavailable)
        #expect(try await User.query(on: app.db).filter(\.$email == "late@example.com").count() == 0)
    }

    @Test("over a socket, the session and CSRF cookies carry HttpOnly and SameSite=Lax")
    func realSocketCookies() async throws {
        try await withTaskManager { app, _ in
            let port = try await app.listen()
            let browser = Browser(app, port: port)
            let form = try await browser.get("/login")
            #expect(form.status == .ok)
            #expect(form.headers[.setCookie].joined().contains("SameSite=Lax"))
            let login = try await browser.post("/login", [("email", TestAdmin.email), ("password", TestAdmin.password)])
            #expect(login.status == .seeOther)
            #expect(login.headers[.setCookie].joined().contains("HttpOnly"))
            #expect(try await browser.get("/tasks").status == .ok)
            await app.server.shutdown()
        }
    }
}

/// The same journey on PostgreSQL, when `TASK_MANAGER_TEST_POSTGRES_URL` names a database
/// (scripts/test.sh starts a throwaway cluster and sets it).
@Suite("PostgreSQL")
struct PostgresTests {
    static let url = ProcessInfo.processInfo.environment["TASK_MANAGER_TEST_POSTGRES_URL"]

    @Test("the end-to-end journey on PostgreSQL", .enabled(if: PostgresTests.url != nil))
    func journeyOnPostgres() async throws {
        let url = try #require(Self.url)
        try await withTaskManager(database: .postgres(url)) { app, pdp in
            // A clean database for the run: drop what an earlier run left, then set up again.
            try await app.autoRevert()
            try await app.autoMigrate()
            await AdminBootstrap.run(app)
            try await EndToEndTests.journey(app, pdp)
        }
    }
}
