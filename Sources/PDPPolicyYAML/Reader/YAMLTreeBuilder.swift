// SPDX-License-Identifier: Apache-2.0
import PDPCore

/// Turns libyaml's events into one ``YAMLNode`` tree, enforcing ``YAMLLimits`` and the
/// policy dialect of YAML: no anchors or aliases, no custom tags, one document per file,
/// no duplicate keys in a mapping (the second occurrence is reported and dropped).
///
/// Syntax errors and exceeded limits stop the build; every other problem is collected
/// and the build goes on, so one pass reports as much as possible, up to
/// ``YAMLLimits/maxDiagnostics`` problems: the next one stops the build with a
/// `limit-exceeded` at its position.
struct YAMLTreeBuilder {
    /// A collection under construction. A class, so appending never copies its arrays.
    private final class Frame {
        let location: SourceLocation
        let isMapping: Bool
        var items: [YAMLNode] = []
        var pairs: [YAMLPair] = []
        var pendingKey: YAMLNode?
        /// Scalar keys seen so far, with the line of their first use; built only once the
        /// mapping outgrows a linear scan, so small mappings stay cheap and big ones linear.
        var seen: [String: Int]?

        init(location: SourceLocation, isMapping: Bool) {
            self.location = location
            self.isMapping = isMapping
        }
    }

    private struct Stop: Error {}

    let file: String
    let limits: YAMLLimits
    private(set) var diagnostics: [Diagnostic] = []
    private var stack: [Frame] = []
    private var nodeCount = 0
    private var root: YAMLNode?
    private var documentCount = 0

    init(file: String, limits: YAMLLimits = .standard) {
        self.file = file
        self.limits = limits
    }

    /// Parses `bytes`. Returns the root node (`nil` for an empty file or after a fatal
    /// problem) and every diagnostic found.
    static func build(bytes: some Collection<UInt8>, file: String, limits: YAMLLimits = .standard)
        -> (root: YAMLNode?, diagnostics: [Diagnostic])
    {
        var builder = YAMLTreeBuilder(file: file, limits: limits)
        guard bytes.count <= limits.maxBytes else {
            let message = limits.tooLargeMessage(size: "\(bytes.count) bytes")
            return (nil, [Diagnostic(.limitExceeded, message, at: builder.location(.start))])
        }
        let parser = LibYAMLParser(bytes: bytes)
        do {
            try builder.run(parser)
            return (builder.root, builder.diagnostics)
        } catch {
            return (nil, builder.diagnostics)
        }
    }

    private func location(_ position: TextPosition) -> SourceLocation {
        SourceLocation(file: file, line: position.line, column: position.column)
    }

    private mutating func fail(_ code: DiagnosticCode, _ message: String, at position: TextPosition) -> Stop {
        diagnostics.append(Diagnostic(code, message, at: location(position)))
        return Stop()
    }

    /// Records a problem the build survives; stops the build instead once the file has
    /// ``YAMLLimits/maxDiagnostics`` of them.
    private mutating func report(_ diagnostic: Diagnostic) throws(Stop) {
        guard diagnostics.count < limits.maxDiagnostics else {
            let message = "more than \(limits.maxDiagnostics) problems in this file; stopped reading it here (fix the ones above first)"
            diagnostics.append(Diagnostic(.limitExceeded, message, at: diagnostic.location))
            throw Stop()
        }
        diagnostics.append(diagnostic)
    }

    private mutating func run(_ parser: LibYAMLParser) throws(Stop) {
        while true {
            switch parser.nextEvent() {
            case .failure(let error):
                let code: DiagnosticCode = error.kind == .memory ? .limitExceeded : .yamlSyntax
                throw fail(code, error.message, at: error.position)
            case .success(.streamEnd):
                return
            case .success(let event):
                try handle(event)
            }
        }
    }

    private mutating func handle(_ event: YAMLEvent) throws(Stop) {
        switch event {
        case .streamStart, .streamEnd, .documentEnd:
            break
        case .documentStart(let position):
            documentCount += 1
            if documentCount > 1 {
                throw fail(.unsupportedYAML, "a file may hold only one YAML document; split the others into their own files", at: position)
            }
        case .alias(let position):
            try countNode(at: position)
            try report(Diagnostic(.unsupportedYAML, "YAML aliases (`*name`) are not supported; write the value out", at: location(position)))
            try add(YAMLNode(content: .invalid, location: location(position)))
        case .scalar(let value, let isPlain, let properties, let position):
            try countNode(at: position)
            let scalar = YAMLScalar(value: value, isPlain: isPlain, tag: properties.tag)
            let valid = try checkProperties(properties, allowedTags: YAMLTag.scalarTags, at: position)
            try add(YAMLNode(content: valid ? .scalar(scalar) : .invalid, location: location(position)))
        case .sequenceStart(let properties, let position):
            try push(Frame(location: location(position), isMapping: false), properties, [YAMLTag.sequence], at: position)
        case .mappingStart(let properties, let position):
            try push(Frame(location: location(position), isMapping: true), properties, [YAMLTag.mapping], at: position)
        case .sequenceEnd, .mappingEnd:
            try pop()
        }
    }

    private mutating func countNode(at position: TextPosition) throws(Stop) {
        nodeCount += 1
        if nodeCount > limits.maxNodes {
            throw fail(.limitExceeded, "the file has more than \(limits.maxNodes) YAML nodes", at: position)
        }
    }

    /// Reports anchors and tags outside `allowedTags`; false when the node must be dropped.
    private mutating func checkProperties(
        _ properties: NodeProperties, allowedTags: Set<String>, at position: TextPosition
    ) throws(Stop) -> Bool {
        if properties.hasAnchor {
            try report(Diagnostic(.unsupportedYAML, "YAML anchors (`&name`) are not supported; write the value out", at: location(position)))
        }
        if let tag = properties.tag, !allowedTags.contains(tag) {
            try report(Diagnostic(.unsupportedYAML, "the YAML tag `\(tag)` is not supported here", at: location(position)))
            return false
        }
        return true
    }

    private mutating func push(_ frame: Frame, _ properties: NodeProperties, _ allowedTags: Set<String>, at position: TextPosition) throws(Stop) {
        try countNode(at: position)
        if stack.count >= limits.maxDepth {
            throw fail(.limitExceeded, "the YAML nests more than \(limits.maxDepth) levels deep", at: position)
        }
        _ = try checkProperties(properties, allowedTags: allowedTags, at: position)
        stack.append(frame)
    }

    private mutating func pop() throws(Stop) {
        guard let frame = stack.popLast() else { return }
        let content: YAMLNode.Content = frame.isMapping ? .mapping(frame.pairs) : .sequence(frame.items)
        try add(YAMLNode(content: content, location: frame.location))
    }

    /// Attaches a finished node to the collection being built, or makes it the root.
    private mutating func add(_ node: YAMLNode) throws(Stop) {
        guard let top = stack.last else {
            root = node
            return
        }
        guard top.isMapping else {
            top.items.append(node)
            return
        }
        guard let key = top.pendingKey else {
            top.pendingKey = node
            return
        }
        top.pendingKey = nil
        if let text = key.scalar?.value {
            if let first = Self.firstLine(of: text, in: top) {
                let message = "duplicate key `\(text)`; it is first used on line \(first)"
                try report(Diagnostic(.duplicateKey, message, at: key.location))
                return
            }
            top.seen?[text] = key.location.line
        }
        top.pairs.append(YAMLPair(key: key, value: node))
    }

    private static let linearScanLimit = 16

    /// The line where `text` was first used as a key of the mapping `frame`, if it was.
    private static func firstLine(of text: String, in frame: Frame) -> Int? {
        if let seen = frame.seen { return seen[text] }
        if frame.pairs.count < linearScanLimit {
            return frame.pairs.first { $0.key.scalar?.value == text }?.key.location.line
        }
        var seen: [String: Int] = [:]
        for pair in frame.pairs.reversed() {
            if let key = pair.key.scalar?.value { seen[key] = pair.key.location.line }
        }
        frame.seen = seen
        return seen[text]
    }
}
