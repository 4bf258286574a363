// SPDX-License-Identifier: Apache-2.0

/// A JSON-like value: tenant and user attributes, as written in YAML or sent over the API.
public enum AttributeValue: Hashable, Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([AttributeValue])
    case object([String: AttributeValue])
}
