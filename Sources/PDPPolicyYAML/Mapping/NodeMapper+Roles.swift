// SPDX-License-Identifier: Apache-2.0
import PDPCore

extension NodeMapper {
    static let roleFields = ["name", "description", "permissions", "extends"]

    /// One entry of `roles`: `key: {name?, description?, permissions?, extends?}`.
    /// Permissions and extended roles are only checked to be non-empty strings here;
    /// whether they name anything is the compiler's job.
    mutating func role(_ pair: YAMLPair) -> RoleDefinition? {
        guard let key = declaredName(pair.key, what: "a role key") else { return nil }
        guard let fields = fields(of: pair.value, owner: "role `\(key.value)`", allowed: Self.roleFields) else { return nil }
        return RoleDefinition(
            key: key,
            name: text(fields["name"], field: "name"),
            description: text(fields["description"], field: "description"),
            permissions: names(fields["permissions"], field: "permissions", what: "a permission"),
            extends: names(fields["extends"], field: "extends", what: "a role in `extends`")
        )
    }
}
