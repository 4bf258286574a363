// SPDX-License-Identifier: Apache-2.0
import PDPCore

extension NodeMapper {
    static let resourceFields = ["name", "description", "actions", "attributes"]

    /// One entry of `resources`: `key: {name?, description?, actions, attributes?}`.
    /// A missing `actions` is `missing-field` (an empty list is fine).
    mutating func resource(_ pair: YAMLPair) -> ResourceDefinition? {
        guard let key = declaredName(pair.key, what: "a resource key") else { return nil }
        let owner = "resource `\(key.value)`"
        guard let fields = fields(of: pair.value, owner: owner, allowed: Self.resourceFields) else { return nil }
        if !fields.has("actions") {
            report(.missingField, "\(owner) has no `actions` list", at: key.location)
        }
        let actions = names(fields["actions"], field: "actions", what: "an action key", declares: true)
        return ResourceDefinition(
            key: key,
            name: text(fields["name"], field: "name"),
            description: text(fields["description"], field: "description"),
            actions: actions,
            attributes: attributeDeclarations(fields["attributes"], owner: owner)
        )
    }

    /// `attributes: {name: type}` of a resource; each type must be one of
    /// ``AttributeDeclaration/knownTypes`` (else `type-mismatch`).
    mutating func attributeDeclarations(_ node: YAMLNode?, owner: String) -> [AttributeDeclaration] {
        var result: [AttributeDeclaration] = []
        let pairs = entries(node, expected: "the `attributes` of \(owner) must be a mapping of attribute names to types")
        for pair in pairs {
            guard let name = declaredName(pair.key, what: "an attribute name") else { continue }
            guard let type = self.name(pair.value, what: "the type of attribute `\(name.value)`") else { continue }
            guard AttributeDeclaration.knownTypes.contains(type.value) else {
                let known = AttributeDeclaration.knownTypes.sorted().joined(separator: ", ")
                report(.typeMismatch, "unknown attribute type `\(type.value)` for `\(name.value)`; expected one of \(known)", at: type.location)
                continue
            }
            result.append(AttributeDeclaration(name: name, type: type))
        }
        return result
    }
}
