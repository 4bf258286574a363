// SPDX-License-Identifier: Apache-2.0
import Fluent
@testable import TaskManager
import Testing
import Vapor
import VaporTesting

/// A viewer: their own tasks and the tasks assigned to them, nothing else (IDOR attempts
/// included).
@Suite("Tasks as a viewer")
struct ViewerTaskTests {
    @Test("a viewer lists, creates, views, edits and deletes their own tasks")
    func ownTasks() async throws {
        try await withTaskManager { app, _ in
            try await app.makeUser("Vera")
            let browser = Browser(app)
            try await browser.logIn("vera@example.com", "password-123")
            let form = try await browser.get("/tasks/new")
            #expect(form.status == .ok)
            #expect(!form.body.string.contains(#"name="assignee""#))
            #expect(!form.body.string.contains(#"name="owner""#))

            let created = try await browser.post(
                "/tasks", [("title", "Write report"), ("description", "Q3"), ("due_date", "2030-01-31"), ("priority", "high")])
            #expect(created.status == .seeOther)
            let task = try #require(try await TaskItem.query(on: app.db).first())
            #expect(task.title == "Write report")
            #expect(task.priority == .high)
            #expect(task.status == .pending)
            #expect(created.headers.first(name: .location) == task.path)

            let detail = try await browser.get(task.path)
            #expect(detail.status == .ok)
            #expect(detail.body.string.contains("Task created."))
            #expect(detail.body.string.contains("2030-01-31"))

            let list = try await browser.get("/tasks")
            #expect(list.status == .ok)
            #expect(list.body.string.contains("Write report"))
            #expect(list.body.string.contains(task.path + "/edit"))

            try await browser.get(task.path + "/edit")
            let edited = try await browser.post(
                task.path + "/edit",
                [("title", "Write the report"), ("description", ""), ("due_date", ""), ("priority", "low"),
                 ("status", "in_progress")])
            #expect(edited.status == .seeOther)
            try await task.$owner.load(on: app.db)
            let saved = try #require(try await TaskItem.find(task.id, on: app.db))
            #expect(saved.title == "Write the report")
            #expect(saved.status == .inProgress)
            #expect(saved.dueDate == nil)

            #expect(try await browser.get(task.path + "/delete").status == .ok)
            #expect(try await browser.post(task.path + "/delete").status == .seeOther)
            #expect(try await TaskItem.find(task.id, on: app.db) == nil)
        }
    }

    @Test("a viewer sees and edits the tasks assigned to them, but cannot reassign them")
    func assignedTasks() async throws {
        try await withTaskManager { app, _ in
            let boss = try await app.makeUser("Boss", role: "admin")
            let vera = try await app.makeUser("Vera")
            let other = try await app.makeUser("Otto")
            let assigned = try await app.makeTask("Assigned to Vera", owner: boss, assignee: vera)
            try await app.makeTask("Not Vera's", owner: boss, assignee: other)
            let browser = Browser(app)
            try await browser.logIn("vera@example.com", "password-123")
            let list = try await browser.get("/tasks")
            #expect(list.body.string.contains("Assigned to Vera"))
            #expect(!list.body.string.contains("Not Vera&#39;s"))
            #expect(try await browser.get(assigned.path).status == .ok)
            try await browser.get(assigned.path + "/edit")
            let done = try await browser.post(
                assigned.path + "/edit", [("title", "Assigned to Vera"), ("priority", "medium"), ("status", "completed")])
            #expect(done.status == .seeOther)
            #expect(try await TaskItem.find(assigned.id, on: app.db)?.status == .completed)

            let reassign = try await browser.post(
                assigned.path + "/edit",
                [("title", "Assigned to Vera"), ("priority", "medium"), ("assignee", try other.requireID().uuidString)])
            #expect(reassign.status == .forbidden)
            #expect(try await TaskItem.find(assigned.id, on: app.db)?.$assignee.id == vera.id)
        }
    }

    @Test("a viewer cannot view, edit, delete or reassign another user's task by its id")
    func idor() async throws {
        try await withTaskManager { app, _ in
            let owner = try await app.makeUser("Owen")
            let mallory = try await app.makeUser("Mallory")
            let task = try await app.makeTask("Owen's secret", owner: owner)
            let browser = Browser(app)
            try await browser.logIn("mallory@example.com", "password-123")
            try await browser.get("/tasks")

            #expect(try await browser.get(task.path).status == .forbidden)
            #expect(try await browser.get(task.path + "/edit").status == .forbidden)
            #expect(try await browser.get(task.path + "/delete").status == .forbidden)
            let edit = try await browser.post(task.path + "/edit", [("title", "pwned"), ("priority", "low")])
            #expect(edit.status == .forbidden)
            #expect(edit.body.string.contains("You do not have permission"))
            let reassign = try await browser.post(
                task.path + "/edit", [("title", "Owen's secret"), ("assignee", try mallory.requireID().uuidString)])
            #expect(reassign.status == .forbidden)
            #expect(try await browser.post(task.path + "/delete").status == .forbidden)

            let stored = try #require(try await TaskItem.find(task.id, on: app.db))
            #expect(stored.title == "Owen's secret")
            #expect(stored.$assignee.id == nil)

            // Creating a task for someone else, or assigned to someone, needs `assign`.
            let forOwen = try await browser.post("/tasks", [("title", "Spam"), ("owner", try owner.requireID().uuidString)])
            #expect(forOwen.status == .forbidden)
            let assigned = try await browser.post("/tasks", [("title", "Spam"), ("assignee", try owner.requireID().uuidString)])
            #expect(assigned.status == .forbidden)
            #expect(try await TaskItem.query(on: app.db).count() == 1)

            #expect(!(try await browser.get("/tasks")).body.string.contains("Owen&#39;s secret"))
        }
    }

    @Test("a viewer gets 403 pages for user management and analytics, and no links to them")
    func adminPagesForbidden() async throws {
        try await withTaskManager { app, _ in
            let target = try await app.makeUser("Tara")
            try await app.makeUser("Vic")
            let browser = Browser(app)
            try await browser.logIn("vic@example.com", "password-123")
            let list = try await browser.get("/tasks")
            #expect(!list.body.string.contains(#"href="/admin/users""#))
            #expect(!list.body.string.contains(#"href="/analytics""#))
            #expect(list.body.string.contains(#"href="/tasks/new""#))
            #expect(try await browser.get("/admin/users").status == .forbidden)
            #expect(try await browser.get("/analytics").status == .forbidden)
            #expect(try await browser.post(target.path + "/role", [("role", "admin")]).status == .forbidden)
            #expect(try await browser.post(target.path + "/disable").status == .forbidden)
            #expect(try await User.find(target.id, on: app.db)?.isDisabled == false)
            let roles = try await app.taskManager.pdp.roleAssignments(users: [target.pdpKey])
            #expect(roles.map(\.role) == ["viewer"])
        }
    }

    @Test("invalid task forms are refused with clear messages and nothing is written")
    func validation() async throws {
        try await withTaskManager { app, _ in
            try await app.makeUser("Val")
            let browser = Browser(app)
            try await browser.logIn("val@example.com", "password-123")
            try await browser.get("/tasks/new")
            let cases: [([(String, String)], String)] = [
                ([("title", "   ")], "Enter a title"),
                ([("title", String(repeating: "x", count: 101))], "Enter a title"),
                ([("title", "Ok"), ("due_date", "2024-02-30")], "real date"),
                ([("title", "Ok"), ("due_date", "tomorrow")], "real date"),
                ([("title", "Ok"), ("priority", "urgent!!")], "Choose a priority"),
                ([("title", "Ok"), ("status", "<b>whatever</b>")], "Choose a status"),
            ]
            for (fields, message) in cases {
                let response = try await browser.post("/tasks", fields)
                #expect(response.status == .unprocessableEntity, "\(fields)")
                #expect(response.body.string.contains(message), "\(fields)")
            }
            #expect(try await TaskItem.query(on: app.db).count() == 0)
        }
    }

    @Test("an edit that leaves out priority and status keeps the task's own")
    func partialEditKeepsFields() async throws {
        try await withTaskManager { app, _ in
            let vera = try await app.makeUser("Vera")
            let task = try await app.makeTask("Urgent", owner: vera, status: .inProgress, priority: .high)
            let browser = Browser(app)
            try await browser.logIn("vera@example.com", "password-123")
            try await browser.get(task.path + "/edit")
            #expect(try await browser.post(task.path + "/edit", [("title", "Still urgent")]).status == .seeOther)
            let saved = try #require(try await TaskItem.find(task.id, on: app.db))
            #expect(saved.title == "Still urgent")
            #expect(saved.priority == .high)
            #expect(saved.status == .inProgress)
        }
    }

    @Test("titles are escaped, never markup")
    func escaping() async throws {
        try await withTaskManager { app, _ in
            let vera = try await app.makeUser("Vera")
            try await app.makeTask("<script>alert(1)</script>", owner: vera)
            let browser = Browser(app)
            try await browser.logIn("vera@example.com", "password-123")
            let body = try await browser.get("/tasks").body.string
            #expect(!body.contains("<script>alert(1)</script>"))
            #expect(body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        }
    }
}
