// SPDX-License-Identifier: Apache-2.0
import Fluent
import Vapor

/// The task pages. Each asks the PDP once (``Request/permissions()``) before it reads or
/// writes anything, so a PDP that cannot decide means a 503 and nothing written.
struct TaskController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let tasks = routes.grouped("tasks")
        tasks.get(use: list)
        tasks.get("new", use: newForm)
        tasks.post(use: create)
        tasks.get(":taskID", use: show)
        tasks.get(":taskID", "edit", use: editForm)
        tasks.post(":taskID", "edit", use: update)
        tasks.get(":taskID", "delete", use: confirmDelete)
        tasks.post(":taskID", "delete", use: delete)
    }

    /// Everyone's tasks with `readall`; else the user's own and assigned ones (`read`).
    func list(_ request: Request) async throws -> Response {
        let (_, userID) = try request.requireUser()
        let permissions = try await request.require { $0.canListTasks }
        let query = TaskItem.query(on: request.db).with(\.$owner).with(\.$assignee)
        if !permissions.canReadAllTasks {
            query.group(.or) { $0.filter(\.$owner.$id == userID).filter(\.$assignee.$id == userID) }
        }
        let statusFilter = (try? request.query.get(String.self, at: "status")).flatMap(TaskStatus.init(rawValue:))
        if let statusFilter { query.filter(\.$status == statusFilter) }
        let today = FormInput.today()
        let rows = Self.inListOrder(try await query.all())
            .map { TaskRow($0, permissions: permissions, userID: userID, today: today) }
        let context = TaskListContext(
            layout: LayoutContext(request, title: "Tasks"),
            heading: permissions.canReadAllTasks ? "All tasks" : "My tasks", tasks: rows,
            showAll: permissions.canReadAllTasks, canCreate: permissions.canCreateTasks,
            statuses: TaskStatus.allCases.map { Option(value: $0.rawValue, label: $0.label, selected: $0 == statusFilter) },
            filtered: statusFilter != nil, isEmpty: rows.isEmpty)
        return try await request.page("tasks/list", context)
    }

    /// Open tasks first, then by due date (undated last), then by title. Each task's key is
    /// read once: a Fluent field read is a dictionary lookup, and a sort reads keys n log n times.
    static func inListOrder(_ tasks: [TaskItem]) -> [TaskItem] {
        tasks.map { task in ((task.status == .completed ? 1 : 0, task.dueDate ?? "9999-99-99", task.title), task) }
            .sorted { $0.0 < $1.0 }
            .map(\.1)
    }

    func show(_ request: Request) async throws -> Response {
        let (_, userID) = try request.requireUser()
        let permissions = try await request.permissions()
        let task = try await Self.load(request)
        guard permissions.canView(task, by: userID) else { throw PageError.forbidden }
        let row = TaskRow(task, permissions: permissions, userID: userID, today: FormInput.today())
        return try await request.page("tasks/show", TaskDetailContext(layout: LayoutContext(request, title: task.title), task: row))
    }

    func newForm(_ request: Request) async throws -> Response {
        let (_, userID) = try request.requireUser()
        let permissions = try await request.require { $0.canCreateTasks }
        let context = try await formContext(
            request, permissions: permissions, heading: "New task", action: "/tasks", submit: "Create task",
            cancel: "/tasks", values: TaskForm(), owner: userID, assignee: nil, showStatus: false, errors: [])
        return try await request.page("tasks/form", context)
    }

    func create(_ request: Request) async throws -> Response {
        let (_, userID) = try request.requireUser()
        let permissions = try await request.require { $0.canCreateTasks }
        let form = try request.content.decode(TaskForm.self)
        let checked = try await form.check(on: request.db, defaultStatus: .pending)
        // Choosing another owner or any assignee is assignment: `assign`, or a 403.
        let owner = checked.ownerID ?? userID
        let assignee = checked.assigneeID ?? nil
        if !permissions.canAssign && (owner != userID || assignee != nil) { throw PageError.forbidden }
        guard checked.errors.isEmpty else {
            let context = try await formContext(
                request, permissions: permissions, heading: "New task", action: "/tasks", submit: "Create task",
                cancel: "/tasks", values: form, owner: owner, assignee: assignee, showStatus: false, errors: checked.errors)
            return try await request.page("tasks/form", context, status: .unprocessableEntity)
        }
        let task = TaskItem(
            title: checked.title, details: checked.details, dueDate: checked.dueDate, priority: checked.priority,
            status: checked.status, ownerID: owner, assigneeID: assignee)
        try await task.create(on: request.db)
        FlashMessage.set("Task created.", on: request)
        return request.seeOther("/tasks/\(task.id?.uuidString.lowercased() ?? "")")
    }

    func editForm(_ request: Request) async throws -> Response {
        let (_, userID) = try request.requireUser()
        let permissions = try await request.permissions()
        let task = try await Self.load(request)
        guard permissions.canUpdate(task, by: userID) else { throw PageError.forbidden }
        let id = task.id?.uuidString.lowercased() ?? ""
        let values = TaskForm(
            title: task.title, description: task.details, due_date: task.dueDate, priority: task.priority.rawValue,
            status: task.status.rawValue)
        let context = try await formContext(
            request, permissions: permissions, heading: "Edit task", action: "/tasks/\(id)/edit", submit: "Save",
            cancel: "/tasks/\(id)", values: values, owner: task.$owner.id, assignee: task.$assignee.id,
            showStatus: true, errors: [])
        return try await request.page("tasks/form", context)
    }

    func update(_ request: Request) async throws -> Response {
        let (_, userID) = try request.requireUser()
        let permissions = try await request.permissions()
        let task = try await Self.load(request)
        guard permissions.canUpdate(task, by: userID) else { throw PageError.forbidden }
        let form = try request.content.decode(TaskForm.self)
        let checked = try await form.check(on: request.db, defaultStatus: task.status, defaultPriority: task.priority)
        let owner = checked.ownerID ?? task.$owner.id
        let assignee = checked.assigneeID ?? task.$assignee.id
        // Reassigning (owner or assignee) needs `assign`: a viewer's forged field is a 403.
        if !permissions.canAssign && (owner != task.$owner.id || assignee != task.$assignee.id) {
            throw PageError.forbidden
        }
        let id = task.id?.uuidString.lowercased() ?? ""
        guard checked.errors.isEmpty else {
            let context = try await formContext(
                request, permissions: permissions, heading: "Edit task", action: "/tasks/\(id)/edit", submit: "Save",
                cancel: "/tasks/\(id)", values: form, owner: owner, assignee: assignee, showStatus: true,
                errors: checked.errors)
            return try await request.page("tasks/form", context, status: .unprocessableEntity)
        }
        task.title = checked.title
        task.details = checked.details
        task.dueDate = checked.dueDate
        task.priority = checked.priority
        task.status = checked.status
        task.$owner.id = owner
        task.$assignee.id = assignee
        try await task.update(on: request.db)
        FlashMessage.set("Task saved.", on: request)
        return request.seeOther("/tasks/\(id)")
    }

    func confirmDelete(_ request: Request) async throws -> Response {
        let (_, userID) = try request.requireUser()
        let permissions = try await request.permissions()
        let task = try await Self.load(request)
        guard permissions.canDelete(task, by: userID) else { throw PageError.forbidden }
        let row = TaskRow(task, permissions: permissions, userID: userID, today: FormInput.today())
        return try await request.page("tasks/delete", TaskDeleteContext(layout: LayoutContext(request, title: "Delete task"), task: row))
    }

    func delete(_ request: Request) async throws -> Response {
        let (_, userID) = try request.requireUser()
        let permissions = try await request.permissions()
        let task = try await Self.load(request)
        guard permissions.canDelete(task, by: userID) else { throw PageError.forbidden }
        try await task.delete(on: request.db)
        FlashMessage.set("Task “\(task.title)” deleted.", on: request)
        return request.seeOther("/tasks")
    }

    /// The task named in the path, with its owner and assignee.
    ///
    /// - Throws: ``PageError/notFound`` for a malformed id or a missing task.
    static func load(_ request: Request) async throws -> TaskItem {
        guard let text = request.parameters.get("taskID"), let id = UUID(uuidString: text),
            let task = try await TaskItem.query(on: request.db).filter(\.$id == id).with(\.$owner).with(\.$assignee).first()
        else { throw PageError.notFound }
        return task
    }
}
