// SPDX-License-Identifier: Apache-2.0
import Fluent
import Vapor

/// A person who can log in. Roles are not stored here: the PDP holds them (facts API), and
/// every decision asks it. The user's PDP key is ``pdpKey`` (the id as a string): ids are
/// random UUIDs, so a key is never reused by a later registrant.
public final class User: Model, @unchecked Sendable {
    public static let schema = "users"

    @ID(key: .id) public var id: UUID?
    /// Lower-cased, unique.
    @Field(key: "email") public var email: String
    @Field(key: "name") public var name: String
    /// Bcrypt hash.
    @Field(key: "password_hash") var passwordHash: String
    /// A disabled user cannot log in, and their open sessions end at the next request.
    @Field(key: "is_disabled") public var isDisabled: Bool
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?

    @Children(for: \.$owner) var ownedTasks: [TaskItem]

    public init() {}

    init(id: UUID? = nil, email: String, name: String, passwordHash: String, isDisabled: Bool = false) {
        self.id = id
        self.email = email
        self.name = name
        self.passwordHash = passwordHash
        self.isDisabled = isDisabled
    }

    /// The user's key in the PDP.
    public var pdpKey: String { id?.uuidString.lowercased() ?? "" }
}
