// SPDX-License-Identifier: Apache-2.0
import PDPCore

/// A scalar as written: its text, whether it was plain (unquoted, so `true` or `12` resolve
/// to a boolean or a number) and its tag, if any.
struct YAMLScalar: Sendable {
    var value: String
    var isPlain: Bool
    var tag: String?

    /// True when the scalar must be read as a string whatever it looks like: quoted, block
    /// (`|`, `>`), or tagged `!` / `!!str`.
    var isForcedString: Bool {
        !isPlain || tag == "!" || tag == YAMLTag.string
    }
}

/// The YAML 1.2 core-schema tags the reader accepts.
enum YAMLTag {
    static let string = "tag:yaml.org,2002:str"
    static let sequence = "tag:yaml.org,2002:seq"
    static let mapping = "tag:yaml.org,2002:map"
    static let scalarTags: Set<String> = [
        "!", string, "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
        "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null",
    ]
}

/// One key/value pair of a mapping, keys kept as nodes so their locations survive.
struct YAMLPair: Sendable {
    var key: YAMLNode
    var value: YAMLNode
}

/// A node of the YAML tree the mappers read, with where it starts.
struct YAMLNode: Sendable {
    enum Content: Sendable {
        case scalar(YAMLScalar)
        case sequence([YAMLNode])
        case mapping([YAMLPair])
        /// A node already reported (an alias, an unsupported tag); mappers skip it silently.
        case invalid
    }

    var content: Content
    var location: SourceLocation

    /// The scalar, if this node is one.
    var scalar: YAMLScalar? {
        if case .scalar(let scalar) = content { return scalar }
        return nil
    }

    var isInvalid: Bool {
        if case .invalid = content { return true }
        return false
    }

    /// True for a plain `null`, `~` or empty scalar (the YAML null).
    var isNull: Bool {
        guard let scalar, !scalar.isForcedString else { return false }
        return ScalarResolver.isNull(scalar.value)
    }

    /// "a mapping", "a list", "a string", ... for messages.
    var kindDescription: String {
        switch content {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .invalid: return "an unsupported value"
        case .scalar(let scalar):
            switch ScalarResolver.resolve(scalar) {
            case .null: return "null"
            case .bool: return "a boolean"
            case .int, .double: return "a number"
            default: return "a string"
            }
        }
    }
}
