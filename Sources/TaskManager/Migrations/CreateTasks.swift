// SPDX-License-Identifier: Apache-2.0
import Fluent

/// `tasks`; status and priority as plain strings (validated by the app), so adding a value
/// needs no database enum change.
struct CreateTasks: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(TaskItem.schema)
            .id()
            .field("title", .string, .required)
            .field("description", .string, .required)
            .field("due_date", .string)
            .field("priority", .string, .required)
            .field("status", .string, .required)
            .field("owner_id", .uuid, .required, .references(User.schema, "id", onDelete: .cascade))
            .field("assignee_id", .uuid, .references(User.schema, "id", onDelete: .setNull))
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(TaskItem.schema).delete()
    }
}

/// `app_settings` (name -> value).
struct CreateAppSettings: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(AppSetting.schema)
            .field("name", .string, .identifier(auto: false))
            .field("value", .string, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(AppSetting.schema).delete()
    }
}
