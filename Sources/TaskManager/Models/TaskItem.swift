// SPDX-License-Identifier: Apache-2.0
import Fluent
import Vapor

/// A task (named `TaskItem` because Swift's `Task` is taken). Due dates are kept as
/// `YYYY-MM-DD` text, which sorts and compares as dates do and means the same on SQLite
/// and PostgreSQL.
public final class TaskItem: Model, @unchecked Sendable {
    public static let schema = "tasks"

    @ID(key: .id) public var id: UUID?
    @Field(key: "title") public var title: String
    @Field(key: "description") public var details: String
    @OptionalField(key: "due_date") public var dueDate: String?
    @Field(key: "priority") public var priority: TaskPriority
    @Field(key: "status") public var status: TaskStatus
    @Parent(key: "owner_id") public var owner: User
    @OptionalParent(key: "assignee_id") public var assignee: User?
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) public var updatedAt: Date?

    public init() {}

    init(
        title: String, details: String, dueDate: String?, priority: TaskPriority, status: TaskStatus,
        ownerID: UUID, assigneeID: UUID?
    ) {
        self.title = title
        self.details = details
        self.dueDate = dueDate
        self.priority = priority
        self.status = status
        self.$owner.id = ownerID
        self.$assignee.id = assigneeID
    }

    /// True when `userID` owns the task or it is assigned to them: "their" task, on which the
    /// policy's `update` / `delete` apply (`updateany` / `deleteany` otherwise).
    func belongs(to userID: UUID) -> Bool {
        $owner.id == userID || $assignee.id == userID
    }

    /// Past its due date (before `today`, `YYYY-MM-DD`) and not completed.
    func isOverdue(today: String) -> Bool {
        guard let dueDate, status != .completed else { return false }
        return dueDate < today
    }
}
