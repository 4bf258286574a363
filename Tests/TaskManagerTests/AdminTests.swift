// SPDX-License-Identifier: Apache-2.0
import Fluent
import PDPClient
@testable import TaskManager
import Testing
import Vapor
import VaporTesting

/// An admin: every task, assignment, user management, analytics.
@Suite("Admin pages")
struct AdminTests {
    @Test("an admin sees every task, edits and deletes any, and creates tasks for others")
    func allTasks() async throws {
        try await withTaskManager { app, _ in
            let vera = try await app.makeUser("Vera")
            let otto = try await app.makeUser("Otto")
            let veras = try await app.makeTask("Vera's task", owner: vera)
            let ottos = try await app.makeTask("Otto's task", owner: otto)
            let browser = Browser(app)
            try await browser.logIn(TestAdmin.email, TestAdmin.password)
            let list = try await browser.get("/tasks")
            #expect(list.body.string.contains("All tasks"))
            #expect(list.body.string.contains("Vera&#39;s task"))
            #expect(list.body.string.contains("Otto&#39;s task"))
            #expect(list.body.string.contains(veras.path + "/edit"))
            #expect(list.body.string.contains(ottos.path + "/delete"))

            let form = try await browser.get("/tasks/new")
            #expect(form.body.string.contains(#"name="assignee""#))
            #expect(form.body.string.contains(#"name="owner""#))
            let created = try await browser.post(
                "/tasks",
                [("title", "For Vera"), ("priority", "high"), ("owner", try vera.requireID().uuidString),
                 ("assignee", try otto.requireID().uuidString)])
            #expect(created.status == .seeOther)
            let task = try #require(try await TaskItem.query(on: app.db).filter(\.$title == "For Vera").first())
            #expect(task.$owner.id == vera.id)
            #expect(task.$assignee.id == otto.id)

            try await browser.get(veras.path + "/edit")
            let reassigned = try await browser.post(
                veras.path + "/edit",
                [("title", "Vera's task"), ("priority", "medium"), ("status", "pending"),
                 ("owner", try vera.requireID().uuidString), ("assignee", try otto.requireID().uuidString)])
            #expect(reassigned.status == .seeOther)
            #expect(try await TaskItem.find(veras.id, on: app.db)?.$assignee.id == otto.id)

            let bogus = try await browser.post(
                veras.path + "/edit", [("title", "Vera's task"), ("assignee", UUID().uuidString)])
            #expect(bogus.status == .unprocessableEntity)
            #expect(bogus.body.string.contains("Choose the assignee from the list"))

            #expect(try await browser.post(ottos.path + "/delete").status == .seeOther)
            #expect(try await TaskItem.find(ottos.id, on: app.db) == nil)
        }
    }

    @Test("the users page shows the PDP's roles; promoting a viewer makes the PDP allow them everything")
    func promote() async throws {
        try await withTaskManager { app, _ in
            let vera = try await app.makeUser("Vera")
            let pdp = app.taskManager.pdp
            let admin = Browser(app)
            try await admin.logIn(TestAdmin.email, TestAdmin.password)
            let page = try await admin.get("/admin/users")
            #expect(page.status == .ok)
            #expect(page.body.string.contains("vera@example.com"))
            #expect(page.body.string.contains(#"<span class="badge role">viewer</span>"#))
            #expect(page.body.string.contains(#"<span class="badge role">admin</span>"#))
            #expect(try await pdp.check(PDPCheck(vera.pdpKey, "readall", "task")) == false)

            let promoted = try await admin.post(vera.path + "/role", [("role", "admin")])
            #expect(promoted.status == .seeOther)
            #expect(try await pdp.check(PDPCheck(vera.pdpKey, "readall", "task")))
            #expect(try await pdp.roleAssignments(users: [vera.pdpKey]).map(\.role) == ["admin"])
            #expect(try await admin.get("/admin/users").body.string.contains("Vera is now admin."))

            #expect(try await admin.post(vera.path + "/role", [("role", "viewer")]).status == .seeOther)
            #expect(try await pdp.roleAssignments(users: [vera.pdpKey]).map(\.role) == ["viewer"])
            #expect(try await admin.post(vera.path + "/role", [("role", "root")]).status == .badRequest)
        }
    }

    @Test("without ADMIN_EMAIL the first start creates an admin the PDP accepts, with a generated password")
    func generatedAdmin() async throws {
        try await withTaskManager(configuredAdmin: false) { app, _ in
            let admin = try #require(try await User.query(on: app.db).filter(\.$email == AdminBootstrap.generatedEmail).first())
            let roles = try await app.taskManager.pdp.roleAssignments(users: [admin.pdpKey])
            #expect(roles.map(\.role) == ["admin"])
            #expect(try await User.query(on: app.db).count() == 1)
        }
    }

    @Test("an admin cannot demote or disable themselves")
    func noSelfLockout() async throws {
        try await withTaskManager { app, _ in
            let me = try #require(try await User.query(on: app.db).filter(\.$email == TestAdmin.email).first())
            let browser = Browser(app)
            try await browser.logIn(TestAdmin.email, TestAdmin.password)
            try await browser.get("/admin/users")
            try await browser.post(me.path + "/role", [("role", "viewer")])
            try await browser.post(me.path + "/disable")
            #expect(try await app.taskManager.pdp.roleAssignments(users: [me.pdpKey]).map(\.role) == ["admin"])
            #expect(try await User.find(me.id, on: app.db)?.isDisabled == false)
            #expect(try await browser.get("/admin/users").status == .ok)
        }
    }

    @Test("disabling a user ends their session; enabling lets them back in")
    func disableAndEnable() async throws {
        try await withTaskManager { app, _ in
            let vera = try await app.makeUser("Vera")
            let user = Browser(app)
            try await user.logIn("vera@example.com", "password-123")
            let admin = Browser(app)
            try await admin.logIn(TestAdmin.email, TestAdmin.password)
            try await admin.get("/admin/users")
            #expect(try await admin.post(vera.path + "/disable").status == .seeOther)
            #expect(try await user.get("/tasks").status == .seeOther)
            #expect(try await Browser(app).logIn("vera@example.com", "password-123").status == .unauthorized)
            #expect(try await admin.get("/admin/users").body.string.contains("Disabled"))
            #expect(try await admin.post(vera.path + "/enable").status == .seeOther)
            #expect(try await Browser(app).logIn("vera@example.com", "password-123").status == .seeOther)
        }
    }

    @Test("analytics shows totals by status, per-user numbers, overdue tasks and an SVG chart")
    func analytics() async throws {
        try await withTaskManager { app, _ in
            let vera = try await app.makeUser("Vera")
            let otto = try await app.makeUser("Otto")
            try await app.makeTask("Late one", owner: vera, assignee: otto, due: "2001-01-01")
            try await app.makeTask("Done", owner: vera, status: .completed, due: "2001-01-01")
            try await app.makeTask("Busy", owner: otto, status: .inProgress, due: "2999-01-01", priority: .high)
            let browser = Browser(app)
            try await browser.logIn(TestAdmin.email, TestAdmin.password)
            let page = try await browser.get("/analytics")
            #expect(page.status == .ok)
            let body = page.body.string
            #expect(body.contains(#"<svg class="chart""#))
            #expect(body.contains("Pending: 1, In progress: 1, Completed: 1, Overdue: 1, Low: 0, Medium: 2, High: 1"))
            #expect(body.contains("Late one"))
            #expect(!body.contains(#"<td><a href="/tasks/"#) || body.components(separatedBy: "class=\"overdue\"").count == 2)
            // Vera owns two (one completed); Otto owns one and is assigned one, open and overdue.
            #expect(body.contains("<td>Vera <span class=\"muted\">vera@example.com</span></td><td>2</td><td>1</td><td>0</td><td>0</td><td>0</td>"))
            #expect(body.contains("<td>Otto <span class=\"muted\">otto@example.com</span></td><td>1</td><td>0</td><td>1</td><td>1</td><td>1</td>"))
        }
    }
}
