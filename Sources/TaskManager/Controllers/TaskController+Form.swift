// SPDX-License-Identifier: Apache-2.0
import Fluent
import Vapor

extension TaskController {
    /// The create/edit form. The owner and assignee selects appear only with `assign`.
    func formContext(
        _ request: Request, permissions: Permissions, heading: String, action: String, submit: String, cancel: String,
        values: TaskForm, owner: UUID?, assignee: UUID?, showStatus: Bool, errors: [String]
    ) async throws -> TaskFormContext {
        var owners: [Option] = []
        var assignees: [Option] = []
        if permissions.canAssign {
            let users = try await User.query(on: request.db).filter(\.$isDisabled == false).sort(\.$name).all()
            owners = users.compactMap { user in
                user.id.map { Option(value: $0.uuidString.lowercased(), label: "\(user.name) <\(user.email)>", selected: $0 == owner) }
            }
            assignees = [Option(value: "", label: "Nobody", selected: assignee == nil)] + users.compactMap { user in
                user.id.map { Option(value: $0.uuidString.lowercased(), label: "\(user.name) <\(user.email)>", selected: $0 == assignee) }
            }
        }
        let priority = values.priority ?? TaskPriority.medium.rawValue
        let status = values.status ?? TaskStatus.pending.rawValue
        return TaskFormContext(
            layout: LayoutContext(request, title: heading), heading: heading, action: action, submitLabel: submit,
            cancel: cancel, title: values.title ?? "", description: values.description ?? "",
            dueDate: values.due_date ?? "",
            priorities: TaskPriority.allCases.map { Option(value: $0.rawValue, label: $0.label, selected: $0.rawValue == priority) },
            statuses: TaskStatus.allCases.map { Option(value: $0.rawValue, label: $0.label, selected: $0.rawValue == status) },
            showStatus: showStatus, showAssignment: permissions.canAssign, owners: owners, assignees: assignees,
            errors: errors, hasErrors: !errors.isEmpty)
    }
}
