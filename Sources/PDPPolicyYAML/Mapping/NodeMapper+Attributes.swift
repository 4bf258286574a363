// SPDX-License-Identifier: Apache-2.0
import PDPCore

extension NodeMapper {
    /// Tenant and user `attributes`: a mapping of names to JSON-like values. Plain scalars
    /// resolve with the YAML 1.2 core schema, quoted scalars are strings, lists and
    /// mappings nest (as deep as the reader's depth limit allows).
    mutating func attributes(_ node: YAMLNode?, owner: @autoclosure () -> String) -> [String: AttributeValue] {
        guard let node, !node.isNull else { return [:] }
        guard let pairs = mappingPairs(node, expected: "the `attributes` of \(owner()) must be a mapping") else {
            return [:]
        }
        return attributeObject(pairs)
    }

    /// Converts any node to an ``AttributeValue``; `nil` for a node already reported.
    private mutating func attributeValue(_ node: YAMLNode) -> AttributeValue? {
        switch node.content {
        case .scalar(let scalar):
            return ScalarResolver.resolve(scalar)
        case .sequence(let items):
            return .array(items.compactMap { attributeValue($0) })
        case .mapping(let pairs):
            return .object(attributeObject(pairs))
        case .invalid:
            return nil
        }
    }

    private mutating func attributeObject(_ pairs: [YAMLPair]) -> [String: AttributeValue] {
        var object: [String: AttributeValue] = [:]
        object.reserveCapacity(pairs.count)
        for pair in pairs {
            guard let key = keyText(pair.key, owner: "an attribute mapping"),
                  let value = attributeValue(pair.value)
            else { continue }
            object[key] = value
        }
        return object
    }
}
