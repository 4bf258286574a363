// SPDX-License-Identifier: Apache-2.0
import Vapor

/// A `<select>` option with its selection worked out (Leaf compares poorly inside loops).
struct Option: Encodable {
    var value: String
    var label: String
    var selected: Bool
}

/// One task as a row or a detail page shows it, with the buttons this user may use.
struct TaskRow: Encodable {
    var id: String
    var title: String
    var description: String
    var status: String
    var statusLabel: String
    var priority: String
    var priorityLabel: String
    var dueDate: String?
    var overdue: Bool
    var owner: String
    var assignee: String?
    var createdAt: String
    var updatedAt: String
    var canEdit: Bool
    var canDelete: Bool

    init(_ task: TaskItem, permissions: Permissions, userID: UUID, today: String) {
        id = task.id?.uuidString.lowercased() ?? ""
        title = task.title
        description = task.details
        status = task.status.rawValue
        statusLabel = task.status.label
        priority = task.priority.rawValue
        priorityLabel = task.priority.label
        dueDate = task.dueDate
        overdue = task.isOverdue(today: today)
        owner = task.$owner.value?.name ?? "?"
        assignee = task.$assignee.value??.name
        createdAt = Self.format(task.createdAt)
        updatedAt = Self.format(task.updatedAt)
        canEdit = permissions.canUpdate(task, by: userID)
        canDelete = permissions.canDelete(task, by: userID)
    }

    static func format(_ date: Date?) -> String { UTCDate.minutes(date) }
}

struct TaskListContext: Encodable {
    var layout: LayoutContext
    var heading: String
    var tasks: [TaskRow]
    var showAll: Bool
    var canCreate: Bool
    var statuses: [Option]
    var filtered: Bool
    var isEmpty: Bool
}

struct TaskDetailContext: Encodable {
    var layout: LayoutContext
    var task: TaskRow
}

struct TaskDeleteContext: Encodable {
    var layout: LayoutContext
    var task: TaskRow
}

/// The create and edit form, refilled with what was posted when it has errors.
struct TaskFormContext: Encodable {
    var layout: LayoutContext
    var heading: String
    var action: String
    var submitLabel: String
    var cancel: String
    var title: String
    var description: String
    var dueDate: String
    var priorities: [Option]
    var statuses: [Option]
    var showStatus: Bool
    var showAssignment: Bool
    var owners: [Option]
    var assignees: [Option]
    var errors: [String]
    var hasErrors: Bool
}
