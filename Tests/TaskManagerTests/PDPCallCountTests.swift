// SPDX-License-Identifier: Apache-2.0
import Fluent
@testable import TaskManager
import Testing
import Vapor
import VaporTesting

/// Each page asks the PDP exactly once (one `/allowed/bulk`), whatever it renders.
@Suite("One PDP call per page")
struct PDPCallCountTests {
    @Test("every page and form post of an admin with 50 tasks makes exactly one PDP request")
    func onePerPage() async throws {
        try await withTaskManager { app, _ in
            let admin = try #require(try await User.query(on: app.db).filter(\.$email == TestAdmin.email).first())
            let vera = try await app.makeUser("Vera")
            var tasks: [TaskItem] = []
            for index in 0..<50 {
                tasks.append(try await app.makeTask("Task \(index)", owner: index.isMultiple(of: 2) ? admin : vera, assignee: vera))
            }
            let browser = Browser(app)
            try await browser.logIn(TestAdmin.email, TestAdmin.password)
            let pages = [
                "/tasks", "/tasks?status=pending", tasks[0].path, tasks[1].path + "/edit", tasks[2].path + "/delete",
                "/tasks/new", "/analytics",
            ]
            for path in pages {
                let before = app.pdpRequests
                let response = try await browser.get(path)
                #expect(response.status == .ok, "\(path)")
                #expect(app.pdpRequests - before == 1, "\(path) made \(app.pdpRequests - before) PDP requests")
            }
            let before = app.pdpRequests
            #expect(try await browser.post("/tasks", [("title", "One more")]).status == .seeOther)
            #expect(app.pdpRequests - before == 1)
            let editBefore = app.pdpRequests
            #expect(try await browser.post(tasks[3].path + "/edit", [("title", "Edited")]).status == .seeOther)
            #expect(app.pdpRequests - editBefore == 1)
            // Pages without a user ask nothing.
            let anonymousBefore = app.pdpRequests
            try await Browser(app).get("/login")
            try await Browser(app).get("/")
            #expect(app.pdpRequests == anonymousBefore)
        }
    }

    @Test("the user management page asks for the decision once and reads the roles once")
    func usersPage() async throws {
        try await withTaskManager { app, _ in
            for index in 0..<5 { try await app.makeUser("User\(index)") }
            let browser = Browser(app)
            try await browser.logIn(TestAdmin.email, TestAdmin.password)
            let before = app.pdpRequests
            #expect(try await browser.get("/admin/users").status == .ok)
            #expect(app.pdpRequests - before == 2)
        }
    }
}
