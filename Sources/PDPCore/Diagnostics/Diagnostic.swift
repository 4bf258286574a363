// SPDX-License-Identifier: Apache-2.0

/// One problem found in a policy or test file.
///
/// Loaders and the compiler never stop at the first problem: they collect every
/// diagnostic, and ``Diagnostics`` sorts them by location for printing.
public struct Diagnostic: Hashable, Comparable, Sendable, CustomStringConvertible {
    public enum Severity: String, Hashable, Sendable {
        case error
        case warning
    }

    public var location: SourceLocation
    public var severity: Severity
    public var code: DiagnosticCode
    /// A plain sentence, without the location or code.
    public var message: String

    public init(_ code: DiagnosticCode, _ message: String, at location: SourceLocation, severity: Severity = .error) {
        self.location = location
        self.severity = severity
        self.code = code
        self.message = message
    }

    public static func < (lhs: Diagnostic, rhs: Diagnostic) -> Bool {
        if lhs.location != rhs.location { return lhs.location < rhs.location }
        if lhs.code != rhs.code { return lhs.code.rawValue < rhs.code.rawValue }
        return lhs.message < rhs.message
    }

    /// `file:line:column: error[code]: message`, the format compilers use so editors can jump to it.
    public var description: String {
        "\(location): \(severity.rawValue)[\(code.rawValue)]: \(message)"
    }
}

/// A stable, machine-readable name for a kind of problem. The raw values are part of
/// the public contract (scripts grep for them); never rename one.
public struct DiagnosticCode: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }

    // Reading the file.
    /// The file could not be read.
    public static let unreadableFile: DiagnosticCode = "unreadable-file"
    /// The text is not well-formed YAML.
    public static let yamlSyntax: DiagnosticCode = "yaml-syntax"
    /// A size, depth or count limit was exceeded.
    public static let limitExceeded: DiagnosticCode = "limit-exceeded"
    /// YAML aliases and anchors are not accepted in policies.
    public static let unsupportedYAML: DiagnosticCode = "unsupported-yaml"
    /// The same key appears twice in one mapping.
    public static let duplicateKey: DiagnosticCode = "duplicate-key"
    /// A value has the wrong type (a list where a mapping belongs, and so on).
    public static let typeMismatch: DiagnosticCode = "type-mismatch"
    /// A key that the format does not define (usually a typo).
    public static let unknownField: DiagnosticCode = "unknown-field"
    /// A required key is missing.
    public static let missingField: DiagnosticCode = "missing-field"
    /// The `version` key names a format this build does not understand.
    public static let unsupportedVersion: DiagnosticCode = "unsupported-version"

    // Names.
    /// A name is empty.
    public static let emptyName: DiagnosticCode = "empty-name"
    /// A name contains characters that cannot appear in a key.
    public static let invalidKey: DiagnosticCode = "invalid-key"
    /// The same resource, role, tenant or user is defined twice (possibly in two files).
    public static let duplicateDefinition: DiagnosticCode = "duplicate-definition"

    // References.
    /// A permission names a resource type that is not declared.
    public static let unknownResource: DiagnosticCode = "unknown-resource"
    /// A permission names an action the resource does not declare.
    public static let unknownAction: DiagnosticCode = "unknown-action"
    /// `extends` or an assignment names a role that is not declared.
    public static let unknownRole: DiagnosticCode = "unknown-role"
    /// An assignment names a tenant that is not declared.
    public static let unknownTenant: DiagnosticCode = "unknown-tenant"
    /// A permission is not written as `resource:action` or `resource:*`.
    public static let invalidPermission: DiagnosticCode = "invalid-permission"
    /// Role inheritance loops back on itself.
    public static let inheritanceCycle: DiagnosticCode = "inheritance-cycle"
    /// A test case names something the policy does not have (still evaluated: it is a deny).
    public static let unknownReference: DiagnosticCode = "unknown-reference"
}

/// A sorted collection of diagnostics, thrown when a policy cannot be loaded or compiled.
public struct Diagnostics: Error, Sendable, CustomStringConvertible {
    public private(set) var items: [Diagnostic]

    public init(_ items: [Diagnostic] = []) {
        self.items = items.sorted()
    }

    public var errors: [Diagnostic] { items.filter { $0.severity == .error } }
    public var hasErrors: Bool { items.contains { $0.severity == .error } }
    public var isEmpty: Bool { items.isEmpty }

    /// Inserts in order. Loaders and the compiler report mostly in document order, so this is
    /// usually an append; otherwise a binary search finds the place (a linear scan made a
    /// policy with 100,000 bad assignments take seconds to report).
    public mutating func append(_ diagnostic: Diagnostic) {
        guard let last = items.last, diagnostic < last else {
            items.append(diagnostic)
            return
        }
        var low = 0
        var high = items.count
        while low < high {
            let middle = (low + high) / 2
            if diagnostic < items[middle] { high = middle } else { low = middle + 1 }
        }
        items.insert(diagnostic, at: low)
    }

    public mutating func append(contentsOf other: Diagnostics) {
        items = (items + other.items).sorted()
    }

    /// One diagnostic per line.
    public var description: String { items.map(\.description).joined(separator: "\n") }
}
