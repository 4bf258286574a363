// SPDX-License-Identifier: Apache-2.0
import PDPCore

extension NodeMapper {
    /// Tenant and user `attributes`: a mapping of names to JSON-like values. Plain scalars
    /// resolve with the YAML 1.2 core schema, quoted scalars are strings, lists and
    /// mappings nest (as deep as the reader's depth limit allows).
    mutating func attributes(_ node: YAMLNode?, owner: String) -> [String: AttributeValue] {
        guard let node, !node.isNull else { return [:] }
        guard case .object(let object) = attributeValue(node, expectObject: "the `attributes` of \(owner) must be a mapping") else {
            return [:]
        }
        return object
    }

    /// Converts any node to an ``AttributeValue``. When `expectObject` is set and the node
    /// is not a mapping, reports that text as a `type-mismatch` and returns `nil`.
    private mutating func attributeValue(_ node: YAMLNode, expectObject: String? = nil) -> AttributeValue? {
        if let expectObject {
            guard let pairs = mappingPairs(node, expected: expectObject) else { return nil }
            return .object(attributeObject(pairs))
        }
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
