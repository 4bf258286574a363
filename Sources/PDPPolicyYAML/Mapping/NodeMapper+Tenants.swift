// SPDX-License-Identifier: Apache-2.0
import PDPCore

extension NodeMapper {
    static let tenantFields = ["name", "description", "attributes"]

    /// One entry of `tenants`: `key: {name?, description?, attributes?}`.
    mutating func tenant(_ pair: YAMLPair) -> TenantDefinition? {
        // An invalid key is reported and the definition dropped, but its body is still checked.
        let validKey = declaredName(pair.key, what: "a tenant key")
        let key = validKey ?? placeholderKey(pair.key)
        let owner = { "tenant `\(key.value)`" }
        guard let fields = fields(of: pair.value, owner: owner(), allowed: Self.tenantFields) else { return nil }
        let definition = TenantDefinition(
            key: key,
            name: text(fields["name"], field: "name"),
            description: text(fields["description"], field: "description"),
            attributes: attributes(fields["attributes"], owner: owner())
        )
        return validKey == nil ? nil : definition
    }
}
