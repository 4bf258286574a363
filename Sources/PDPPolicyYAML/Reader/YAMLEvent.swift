// SPDX-License-Identifier: Apache-2.0

/// A 1-based line and column in the text being parsed (libyaml's 0-based mark, shifted).
struct TextPosition: Hashable, Sendable {
    var line: Int
    var column: Int

    static let start = TextPosition(line: 1, column: 1)
}

/// The properties shared by every node event: its tag and anchor, if written.
struct NodeProperties: Sendable {
    var tag: String?
    var hasAnchor: Bool
}

/// One libyaml parse event, copied into Swift values (the C event is freed at once).
enum YAMLEvent: Sendable {
    case streamStart
    case streamEnd
    case documentStart(TextPosition)
    case documentEnd
    case alias(TextPosition)
    case scalar(value: String, isPlain: Bool, properties: NodeProperties, at: TextPosition)
    case sequenceStart(NodeProperties, at: TextPosition)
    case sequenceEnd
    case mappingStart(NodeProperties, at: TextPosition)
    case mappingEnd
}

/// Why libyaml stopped: its problem text and where it happened.
struct YAMLSyntaxError: Error, Sendable {
    enum Kind: Sendable {
        /// The text is not well-formed YAML or not valid UTF-8/UTF-16.
        case syntax
        /// libyaml could not allocate memory.
        case memory
    }

    var kind: Kind
    var message: String
    var position: TextPosition
}
