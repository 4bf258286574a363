// SPDX-License-Identifier: Apache-2.0
import Foundation
import PDPClient

/// What the current user may do, as the PDP decided it for this request: the answers to one
/// fixed set of type-level checks, asked in one `/allowed/bulk` call per page (see
/// ``Request/permissions()``). The app adds only ownership: on a task the user owns or is
/// assigned, `update`/`delete` apply; on anyone else's, `updateany`/`deleteany`
/// (`policies/tasks.yaml`).
struct Permissions: Sendable, Equatable {
    /// Every `(resource type, action)` a page may need, in the order sent.
    static let questions: [(type: String, action: String)] = [
        ("task", "create"), ("task", "read"), ("task", "readall"), ("task", "update"),
        ("task", "updateany"), ("task", "delete"), ("task", "deleteany"), ("task", "assign"),
        ("user", "list"), ("user", "update"), ("user", "assign_role"), ("analytics", "read"),
    ]

    private(set) var granted: Set<String> = []

    init(granted: Set<String>) { self.granted = granted }

    init(decisions: [Bool]) {
        for (question, allowed) in zip(Self.questions, decisions) where allowed {
            granted.insert("\(question.type):\(question.action)")
        }
    }

    func can(_ action: String, _ type: String) -> Bool { granted.contains("\(type):\(action)") }

    var canCreateTasks: Bool { can("create", "task") }
    var canReadAllTasks: Bool { can("readall", "task") }
    var canAssign: Bool { can("assign", "task") }
    var canListUsers: Bool { can("list", "user") }
    var canChangeRoles: Bool { can("assign_role", "user") }
    var canDisableUsers: Bool { can("update", "user") }
    var canReadAnalytics: Bool { can("read", "analytics") }

    /// The task list: everyone's tasks (`readall`), or the user's own and assigned (`read`).
    var canListTasks: Bool { canReadAllTasks || can("read", "task") }

    func canView(_ task: TaskItem, by userID: UUID) -> Bool {
        canReadAllTasks || (task.belongs(to: userID) && can("read", "task"))
    }

    func canUpdate(_ task: TaskItem, by userID: UUID) -> Bool {
        task.belongs(to: userID) ? can("update", "task") : can("updateany", "task")
    }

    func canDelete(_ task: TaskItem, by userID: UUID) -> Bool {
        task.belongs(to: userID) ? can("delete", "task") : can("deleteany", "task")
    }

    /// The checks for `userKey`, in ``questions`` order.
    static func checks(for userKey: String) -> [PDPCheck] {
        questions.map { PDPCheck(user: PDPUser(key: userKey), action: $0.action, resource: PDPResource(type: $0.type)) }
    }
}
