// SPDX-License-Identifier: Apache-2.0

/// A parsed URL query (`a=1&b=x%20y`), keeping repeated keys in order.
///
/// Names and values are percent-decoded with `+` as space. A malformed escape (`%4`, `%ZZ`)
/// or bytes that are not UTF-8 once decoded (`%FF`) make the pair unreadable: it is left
/// out and ``problem`` says why, so callers that act on parameters can refuse the request
/// instead of acting on a guess (several spellings would otherwise decode to one U+FFFD).
struct QueryParameters {
    private(set) var pairs: [(name: String, value: String)] = []
    /// Why a pair could not be decoded (the first such pair), or `nil`.
    private(set) var problem: String?

    init(_ query: Substring) {
        for part in query.split(separator: "&", omittingEmptySubsequences: true) {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = PercentDecoding.decode(pieces[0], plusAsSpace: true),
                let value = pieces.count > 1 ? PercentDecoding.decode(pieces[1], plusAsSpace: true) : ""
            else {
                if problem == nil { problem = "query parameter '\(pieces[0].prefix(64))' is not valid percent-encoded UTF-8" }
                continue
            }
            pairs.append((name, value))
        }
    }

    /// The last value of `name` (the usual rule for repeated scalars).
    subscript(name: String) -> String? { pairs.last { $0.name == name }?.value }

    /// Every value of `name`, in order (Permit sends lists as repeated keys).
    func all(_ name: String) -> [String] { pairs.filter { $0.name == name }.map(\.value) }
}
