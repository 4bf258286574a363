// SPDX-License-Identifier: Apache-2.0
import Fluent
import Vapor

/// The posted task form, checked. Owner and assignee are `nil` when the field was not
/// posted (meaning "unchanged"), and `.some(nil)` for an empty assignee ("nobody").
struct TaskForm: Content {
    var title: String?
    var description: String?
    var due_date: String?
    var priority: String?
    var status: String?
    var owner: String?
    var assignee: String?

    struct Checked {
        var title: String
        var details: String
        var dueDate: String?
        var priority: TaskPriority
        var status: TaskStatus
        var ownerID: UUID?
        var assigneeID: UUID??
        var errors: [String]
    }

    /// Validates the fields; the users named must exist and be enabled. An absent priority or
    /// status keeps the given default (the task's own when editing).
    func check(
        on database: any Database, defaultStatus: TaskStatus, defaultPriority: TaskPriority = .medium
    ) async throws -> Checked {
        var errors: [String] = []
        let title = FormInput.trimmed(self.title) ?? ""
        if title.isEmpty || title.count > FormInput.maximumTitleLength {
            errors.append("Enter a title of at most \(FormInput.maximumTitleLength) characters.")
        }
        let details = FormInput.trimmed(description) ?? ""
        if details.count > FormInput.maximumDescriptionLength {
            errors.append("Keep the description under \(FormInput.maximumDescriptionLength) characters.")
        }
        var dueDate: String?
        if let text = FormInput.trimmed(due_date) {
            dueDate = FormInput.date(text)
            if dueDate == nil { errors.append("Enter the due date as YYYY-MM-DD (a real date).") }
        }
        let priority = self.priority.map { TaskPriority(rawValue: $0) } ?? defaultPriority
        if priority == nil { errors.append("Choose a priority: low, medium or high.") }
        let status = status.map { TaskStatus(rawValue: $0) } ?? defaultStatus
        if status == nil { errors.append("Choose a status: pending, in progress or completed.") }

        var ownerID: UUID?
        if let owner {
            ownerID = try await Self.enabledUser(owner, on: database)
            if ownerID == nil { errors.append("Choose the owner from the list.") }
        }
        var assigneeID: UUID??
        if let assignee {
            if FormInput.trimmed(assignee) == nil {
                assigneeID = .some(nil)
            } else if let id = try await Self.enabledUser(assignee, on: database) {
                assigneeID = .some(id)
            } else {
                errors.append("Choose the assignee from the list.")
            }
        }
        return Checked(
            title: title, details: details, dueDate: dueDate, priority: priority ?? .medium, status: status ?? defaultStatus,
            ownerID: ownerID, assigneeID: assigneeID, errors: errors)
    }

    private static func enabledUser(_ text: String, on database: any Database) async throws -> UUID? {
        guard let id = UUID(uuidString: text.trimmingCharacters(in: .whitespaces)),
            let user = try await User.find(id, on: database), !user.isDisabled
        else { return nil }
        return id
    }
}
