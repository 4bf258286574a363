// SPDX-License-Identifier: Apache-2.0
import Fluent
import PDPClient
import Vapor

/// User management: the users with their roles as the PDP has them (`user:list`), role
/// changes through the facts API (`user:assign_role`), disabling and enabling
/// (`user:update`). An admin cannot change or disable their own account (no lock-out).
struct AdminUserController: RouteCollection {
    struct Row: Encodable {
        var id: String
        var name: String
        var email: String
        var roles: [String]
        var roleOptions: [Option]
        var disabled: Bool
        var isSelf: Bool
        var createdAt: String
    }

    struct Context: Encodable {
        var layout: LayoutContext
        var users: [Row]
        var canChangeRoles: Bool
        var canDisable: Bool
    }

    struct RoleForm: Content { var role: String? }

    func boot(routes: any RoutesBuilder) throws {
        let users = routes.grouped("admin", "users")
        users.get(use: list)
        users.post(":userID", "role", use: changeRole)
        users.post(":userID", "disable") { try await setDisabled($0, true) }
        users.post(":userID", "enable") { try await setDisabled($0, false) }
    }

    func list(_ request: Request) async throws -> Response {
        let (_, me) = try request.requireUser()
        let permissions = try await request.require { $0.canListUsers }
        let services = request.application.taskManager
        let users = try await User.query(on: request.db).sort(\.$email).all()
        let assignments = try await services.pdp.allRoleAssignments(tenant: services.configuration.pdp.defaultTenant)
        var rolesByUser: [String: [String]] = [:]
        for assignment in assignments { rolesByUser[assignment.user, default: []].append(assignment.role) }
        let rows = users.map { user in
            let roles = (rolesByUser[user.pdpKey] ?? []).sorted()
            let current = roles.last(where: services.configuration.roles.contains)
            return Row(
                id: user.id?.uuidString.lowercased() ?? "", name: user.name, email: user.email, roles: roles,
                roleOptions: services.configuration.roles.map { Option(value: $0, label: $0, selected: $0 == current) },
                disabled: user.isDisabled, isSelf: user.id == me, createdAt: TaskRow.format(user.createdAt))
        }
        let context = Context(
            layout: LayoutContext(request, title: "Users"), users: rows, canChangeRoles: permissions.canChangeRoles,
            canDisable: permissions.canDisableUsers)
        return try await request.page("admin/users", context)
    }

    /// Gives the user exactly the chosen role: the new one first, then the others removed, so
    /// the user never holds none in between.
    func changeRole(_ request: Request) async throws -> Response {
        let (_, me) = try request.requireUser()
        try await request.require { $0.canChangeRoles }
        let user = try await Self.load(request)
        let services = request.application.taskManager
        let role = try request.content.decode(RoleForm.self).role ?? ""
        guard services.configuration.roles.contains(role) else { throw Abort(.badRequest) }
        guard user.id != me else {
            FlashMessage.set("You cannot change your own role.", kind: "error", on: request)
            return request.seeOther("/admin/users")
        }
        let tenant = services.configuration.pdp.defaultTenant
        try await services.pdp.assignRole(user: user.pdpKey, role: role, tenant: tenant)
        let held = try await services.pdp.allRoleAssignments(users: [user.pdpKey], tenant: tenant)
        for other in held where other.role != role && services.configuration.roles.contains(other.role) {
            try await services.pdp.unassignRole(user: user.pdpKey, role: other.role, tenant: tenant)
        }
        request.logger.notice("role changed", metadata: ["user.id": "\(user.pdpKey)", "user.role": "\(role)"])
        FlashMessage.set("\(user.name) is now \(role).", on: request)
        return request.seeOther("/admin/users")
    }

    func setDisabled(_ request: Request, _ disabled: Bool) async throws -> Response {
        let (_, me) = try request.requireUser()
        try await request.require { $0.canDisableUsers }
        let user = try await Self.load(request)
        guard user.id != me else {
            FlashMessage.set("You cannot disable your own account.", kind: "error", on: request)
            return request.seeOther("/admin/users")
        }
        user.isDisabled = disabled
        try await user.update(on: request.db)
        FlashMessage.set("\(user.name) is \(disabled ? "disabled" : "enabled").", on: request)
        return request.seeOther("/admin/users")
    }

    /// - Throws: ``PageError/notFound`` for a malformed id or a missing user.
    static func load(_ request: Request) async throws -> User {
        guard let text = request.parameters.get("userID"), let id = UUID(uuidString: text),
            let user = try await User.find(id, on: request.db)
        else { throw PageError.notFound }
        return user
    }
}
