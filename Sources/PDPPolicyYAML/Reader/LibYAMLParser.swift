// SPDX-License-Identifier: Apache-2.0
internal import CLibYAML

/// Owns one libyaml `yaml_parser_t` and the input bytes it reads; frees both in `deinit`.
///
/// Each call to ``nextEvent()`` copies the C event into a ``YAMLEvent`` and deletes the
/// C event before returning, so no libyaml memory outlives the call.
final class LibYAMLParser {
    private let parser: UnsafeMutablePointer<yaml_parser_t>
    private let input: UnsafeMutableBufferPointer<UInt8>
    private let isInitialized: Bool

    /// Copies `bytes`; libyaml reads the copy, which lives as long as this object.
    init(bytes: some Collection<UInt8>) {
        parser = .allocate(capacity: 1)
        input = .allocate(capacity: max(bytes.count, 1))
        _ = input.initialize(from: bytes)
        isInitialized = yaml_parser_initialize(parser) == 1
        if isInitialized {
            yaml_parser_set_input_string(parser, input.baseAddress, bytes.count)
        }
    }

    deinit {
        if isInitialized { yaml_parser_delete(parser) }
        parser.deallocate()
        input.deallocate()
    }

    /// The next event, or libyaml's error. After an error, libyaml returns no further events.
    func nextEvent() -> Result<YAMLEvent, YAMLSyntaxError> {
        guard isInitialized else {
            return .failure(YAMLSyntaxError(kind: .memory, message: "could not initialize the YAML parser", position: .start))
        }
        var event = yaml_event_t()
        guard yaml_parser_parse(parser, &event) == 1 else {
            return .failure(currentError())
        }
        defer { yaml_event_delete(&event) }
        return .success(Self.convert(event))
    }

    private static func convert(_ event: yaml_event_t) -> YAMLEvent {
        let position = TextPosition(line: event.start_mark.line + 1, column: event.start_mark.column + 1)
        switch event.type {
        case YAML_STREAM_START_EVENT:
            return .streamStart
        case YAML_DOCUMENT_START_EVENT:
            return .documentStart(position)
        case YAML_DOCUMENT_END_EVENT:
            return .documentEnd
        case YAML_ALIAS_EVENT:
            return .alias(position)
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            let value = scalar.value.map {
                String(decoding: UnsafeBufferPointer(start: $0, count: scalar.length), as: UTF8.self)
            } ?? ""
            let properties = NodeProperties(tag: string(scalar.tag), hasAnchor: scalar.anchor != nil)
            let isPlain = scalar.style == YAML_PLAIN_SCALAR_STYLE
            return .scalar(value: value, isPlain: isPlain, properties: properties, at: position)
        case YAML_SEQUENCE_START_EVENT:
            let start = event.data.sequence_start
            return .sequenceStart(NodeProperties(tag: string(start.tag), hasAnchor: start.anchor != nil), at: position)
        case YAML_SEQUENCE_END_EVENT:
            return .sequenceEnd
        case YAML_MAPPING_START_EVENT:
            let start = event.data.mapping_start
            return .mappingStart(NodeProperties(tag: string(start.tag), hasAnchor: start.anchor != nil), at: position)
        case YAML_MAPPING_END_EVENT:
            return .mappingEnd
        default:
            // YAML_STREAM_END_EVENT, and YAML_NO_EVENT which libyaml never returns on success.
            return .streamEnd
        }
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard let pointer else { return nil }
        return String(decoding: UnsafeBufferPointer(start: pointer, count: strlen(pointer)), as: UTF8.self)
    }

    private static func strlen(_ pointer: UnsafeMutablePointer<yaml_char_t>) -> Int {
        var count = 0
        while pointer[count] != 0 { count += 1 }
        return count
    }

    private func currentError() -> YAMLSyntaxError {
        let state = parser.pointee
        if state.error == YAML_MEMORY_ERROR {
            return YAMLSyntaxError(kind: .memory, message: "the YAML parser ran out of memory", position: .start)
        }
        var message = state.problem.map { String(cString: $0) } ?? "invalid YAML"
        let position: TextPosition
        if state.error == YAML_READER_ERROR {
            if state.problem_value >= 0 {
                message += " (byte 0x" + String(state.problem_value, radix: 16, uppercase: true) + ")"
            }
            position = Self.position(ofOffset: state.problem_offset, in: input)
        } else {
            position = TextPosition(line: state.problem_mark.line + 1, column: state.problem_mark.column + 1)
            if let context = state.context {
                let mark = state.context_mark
                message += " (\(String(cString: context)) at line \(mark.line + 1), column \(mark.column + 1))"
            }
        }
        return YAMLSyntaxError(kind: .syntax, message: message, position: position)
    }

    /// The line and column of a byte offset: reader errors carry an offset, not a mark.
    /// Columns count UTF-8 lead bytes, i.e. Unicode scalars in valid text.
    static func position(ofOffset offset: Int, in bytes: UnsafeMutableBufferPointer<UInt8>) -> TextPosition {
        var line = 1
        var column = 1
        for byte in bytes.prefix(max(0, offset)) {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return TextPosition(line: line, column: column)
    }
}
