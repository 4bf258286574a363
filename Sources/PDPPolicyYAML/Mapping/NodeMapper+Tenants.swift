// SPDX-License-Identifier: Apache-2.0
import PDPCore

extension NodeMapper {
    static let tenantFields = ["name", "description", "attributes"]

    /// One entry of `tenants`: `key: {name?, description?, attributes?}`.
    mutating func tenant(_ pair: YAMLPair) -> TenantDefinition? {
        guard let key = declaredName(pair.key, what: "a tenant key") else { return nil }
        let owner = "tenant `\(key.value)`"
        guard let fields = fields(of: pair.value, owner: owner, allowed: Self.tenantFields) else { return nil }
        return TenantDefinition(
            key: key,
            name: text(fields["name"], field: "name"),
            description: text(fields["description"], field: "description"),
            attributes: attributes(fields["attributes"], owner: owner)
        )
    }
}
