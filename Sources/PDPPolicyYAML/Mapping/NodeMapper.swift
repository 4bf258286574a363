// SPDX-License-Identifier: Apache-2.0
import PDPCore

/// Reads ``YAMLNode`` trees into the PDPCore model, collecting every problem it finds.
///
/// The shared helpers live here; each part of the format has its own extension
/// (`NodeMapper+Policy.swift`, `NodeMapper+Resources.swift`, ...). Helpers return `nil`
/// (or an empty value) after reporting a problem, so callers carry on with the rest.
/// Nodes already reported by the tree builder (``YAMLNode/Content/invalid``) are
/// skipped without a second report. It lists at most `maxDiagnostics` problems, then only
/// counts them: a file of a million bad entries must not make a million diagnostics.
struct NodeMapper {
    private var reported: [Diagnostic] = []
    private var unlisted = 0
    private var firstUnlisted: SourceLocation?
    let maxDiagnostics: Int

    init(maxDiagnostics: Int = YAMLLimits.standard.maxDiagnostics) {
        self.maxDiagnostics = maxDiagnostics
    }

    /// The problems found, the first `maxDiagnostics` of them, then (when there were more)
    /// one `limit-exceeded` at the first left out, saying how many were.
    var diagnostics: [Diagnostic] {
        guard let firstUnlisted else { return reported }
        let message = "\(unlisted) more problem\(unlisted == 1 ? "" : "s") in this file not listed; fix the \(maxDiagnostics) above first"
        return reported + [Diagnostic(.limitExceeded, message, at: firstUnlisted)]
    }

    mutating func report(_ code: DiagnosticCode, _ message: @autoclosure () -> String, at location: SourceLocation) {
        guard reported.count < maxDiagnostics else {
            unlisted += 1
            firstUnlisted = firstUnlisted ?? location
            return
        }
        reported.append(Diagnostic(code, message(), at: location))
    }

    /// The known fields of a mapping, by name (a handful, so a list beats a dictionary).
    struct Fields {
        struct Field {
            var name: String
            var value: YAMLNode
        }

        private var fields: [Field]

        init(_ fields: [Field]) { self.fields = fields }

        subscript(_ name: String) -> YAMLNode? {
            for field in fields where field.name == name { return field.value }
            return nil
        }

        func has(_ name: String) -> Bool { self[name] != nil }
    }

    /// The fields of the mapping `node`, which describes `owner` (e.g. "role `admin`").
    /// Reports `type-mismatch` when `node` is not a mapping (null reads as an empty one),
    /// and `unknown-field` for every key not in `allowed`.
    mutating func fields(of node: YAMLNode, owner: @autoclosure () -> String, allowed: [String]) -> Fields? {
        if node.isNull { return Fields([]) }
        guard let pairs = mappingPairs(node, expected: "\(owner()) must be a mapping") else { return nil }
        var known: [Fields.Field] = []
        for pair in pairs {
            guard let key = keyText(pair.key, owner: owner()) else { continue }
            if allowed.contains(key) {
                known.append(Fields.Field(name: key, value: pair.value))
            } else {
                let expected = allowed.sorted().map { "`\($0)`" }.joined(separator: ", ")
                report(.unknownField, "unknown field `\(key)` in \(owner()); expected one of \(expected)", at: pair.key.location)
            }
        }
        return Fields(known)
    }

    /// The pairs of a mapping node; `nil` (after a `type-mismatch` "<expected>, found ...")
    /// for anything else.
    mutating func mappingPairs(_ node: YAMLNode, expected: @autoclosure () -> String) -> [YAMLPair]? {
        switch node.content {
        case .mapping(let pairs): return pairs
        case .invalid: return nil
        default:
            report(.typeMismatch, "\(expected()), found \(node.kindDescription)", at: node.location)
            return nil
        }
    }

    /// The pairs of an optional mapping-valued field: null reads as empty.
    mutating func entries(_ node: YAMLNode?, expected: @autoclosure () -> String) -> [YAMLPair] {
        guard let node, !node.isNull else { return [] }
        return mappingPairs(node, expected: expected()) ?? []
    }

    /// The items of an optional list-valued field: null reads as empty.
    mutating func items(_ node: YAMLNode?, expected: @autoclosure () -> String) -> [YAMLNode] {
        guard let node, !node.isNull else { return [] }
        switch node.content {
        case .sequence(let items): return items
        case .invalid: return []
        default:
            report(.typeMismatch, "\(expected()), found \(node.kindDescription)", at: node.location)
            return []
        }
    }

    /// The text of a scalar key; reports `type-mismatch` for a list or mapping used as a key.
    mutating func keyText(_ key: YAMLNode, owner: @autoclosure () -> String) -> String? {
        switch key.content {
        case .scalar(let scalar): return scalar.value
        case .invalid: return nil
        default:
            report(.typeMismatch, "the keys of \(owner()) must be strings, found \(key.kindDescription)", at: key.location)
            return nil
        }
    }

    /// An optional free-text field (`name`, `description`, `email`, ...): any non-null
    /// scalar, as written. Null reads as absent; a list or mapping is a `type-mismatch`.
    mutating func text(_ node: YAMLNode?, field: String) -> String? {
        guard let node, !node.isNull else { return nil }
        switch node.content {
        case .scalar(let scalar): return scalar.value
        case .invalid: return nil
        default:
            report(.typeMismatch, "`\(field)` must be a string, found \(node.kindDescription)", at: node.location)
            return nil
        }
    }

    /// A name used as a reference or value (a role in `extends`, a permission, a test's
    /// user): a non-empty scalar. Reports `empty-name` for null or `""`, `type-mismatch`
    /// for a list or mapping.
    mutating func name(_ node: YAMLNode, what: @autoclosure () -> String) -> Located<String>? {
        switch node.content {
        case .scalar(let scalar):
            if node.isNull || scalar.value.isEmpty {
                report(.emptyName, "\(what()) must not be empty", at: node.location)
                return nil
            }
            return Located(scalar.value, at: node.location)
        case .invalid:
            return nil
        default:
            report(.typeMismatch, "\(what()) must be a string, found \(node.kindDescription)", at: node.location)
            return nil
        }
    }

    /// A name that declares something (a resource, action, role, tenant or user key):
    /// ``name(_:what:)`` plus the key rules of ``KeyRules``, reported as `invalid-key`.
    mutating func declaredName(_ node: YAMLNode, what: @autoclosure () -> String) -> Located<String>? {
        guard let name = name(node, what: what()) else { return nil }
        if let problem = KeyRules.problem(in: name.value) {
            report(.invalidKey, "\(what()) `\(name.value)` \(problem)", at: name.location)
            return nil
        }
        return name
    }

    /// A stand-in for a key that ``declaredName(_:what:)`` rejected, so the body of its
    /// definition can still be checked (and then dropped).
    func placeholderKey(_ node: YAMLNode) -> Located<String> {
        Located(node.scalar?.value ?? "", at: node.location)
    }

    /// A list of names (`actions`, `extends`, `permissions`, role lists), each checked with
    /// ``name(_:what:)`` or, when `declares` is set, ``declaredName(_:what:)``.
    mutating func names(_ node: YAMLNode?, field: String, what: @autoclosure () -> String, declares: Bool = false) -> [Located<String>] {
        var result: [Located<String>] = []
        for item in items(node, expected: "`\(field)` must be a list of strings") {
            switch item.content {
            case .sequence, .mapping:
                report(.typeMismatch, "`\(field)` must be a list of strings, found \(item.kindDescription) in it", at: item.location)
            default:
                if let name = declares ? declaredName(item, what: what()) : name(item, what: what()) {
                    result.append(name)
                }
            }
        }
        return result
    }
}
