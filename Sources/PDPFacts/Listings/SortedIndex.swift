// SPDX-License-Identifier: Apache-2.0

/// A sorted set with positions: a persistent B-tree whose inner nodes count their elements.
///
/// What the list endpoints page through. Finding the element at a position, the position of
/// an element, or the first element a predicate does not hold for costs O(log n); reading a
/// page of k elements from there costs O(k). Nodes are immutable and shared between copies:
/// an insert or a remove copies only the nodes on one root-to-leaf path (about three at a
/// million elements), so a snapshot published with an index keeps it unchanged while the
/// writer's next copy moves on, for O(log n) per change.
///
/// Not a `Collection` on purpose: it is read by position ranges (``elements(in:)``,
/// ``partitionPoint(_:)``), never by iteration over everything on a request path.
public struct SortedIndex<Element: Comparable & Sendable>: Sendable {
    /// Node sizes: leaves hold up to `capacity` elements, inner nodes up to `capacity`
    /// children. A node under `capacity / 4` is merged with a neighbour.
    static var capacity: Int { 64 }

    /// An immutable B-tree node. Leaves keep their elements; inner nodes keep, per child, its
    /// largest element (to find the way down) and its element count (to find positions).
    final class Node: Sendable {
        let elements: [Element]
        let children: [Node]
        let counts: [Int]
        let count: Int

        init(leaf elements: [Element]) {
            self.elements = elements
            children = []
            counts = []
            count = elements.count
        }

        init(children: [Node]) {
            self.children = children
            elements = children.map { $0.last }
            counts = children.map(\.count)
            count = counts.reduce(0, +)
        }

        var isLeaf: Bool { children.isEmpty }
        /// Leaves and inner nodes are never empty.
        var last: Element { elements[elements.count - 1] }
        var width: Int { isLeaf ? elements.count : children.count }
    }

    var root: Node?

    public init() {}

    /// An index of `sorted`, which must be strictly increasing. O(n).
    public init(sorted: some Sequence<Element>) {
        let fill = Self.capacity * 3 / 4
        var level: [Node] = []
        var chunk: [Element] = []
        chunk.reserveCapacity(fill)
        for element in sorted {
            chunk.append(element)
            if chunk.count == fill {
                level.append(Node(leaf: chunk))
                chunk.removeAll(keepingCapacity: true)
            }
        }
        if !chunk.isEmpty { level.append(Node(leaf: chunk)) }
        while level.count > 1 {
            var next: [Node] = []
            var start = 0
            while start < level.count {
                let end = min(start + fill, level.count)
                next.append(Node(children: Array(level[start..<end])))
                start = end
            }
            level = next
        }
        root = level.first
    }

    /// An index of `elements` in any order, duplicates dropped. O(n log n).
    public init(unsorted elements: some Sequence<Element>) {
        var all = Array(elements)
        all.sort()
        var unique: [Element] = []
        unique.reserveCapacity(all.count)
        for element in all where unique.last.map({ $0 < element }) ?? true { unique.append(element) }
        self.init(sorted: unique)
    }

    public var count: Int { root?.count ?? 0 }
    public var isEmpty: Bool { root == nil }

    // MARK: Reading

    /// Whether `element` is in the index. O(log n).
    public func contains(_ element: Element) -> Bool {
        var node = root
        while let current = node {
            let index = Self.lowerBound(current.elements) { $0 < element }
            guard index < current.elements.count else { return false }
            if current.isLeaf { return current.elements[index] == element }
            node = current.children[index]
        }
        return false
    }

    /// The number of elements for which `isBefore` holds, given that it holds for a prefix
    /// of the index (all elements it holds for come first): the position of the first one
    /// it does not hold for. O(log n).
    public func partitionPoint(_ isBefore: (Element) -> Bool) -> Int {
        var position = 0
        var node = root
        while let current = node {
            let index = Self.lowerBound(current.elements, isBefore)
            if current.isLeaf { return position + index }
            guard index < current.children.count else { return position + current.count }
            for child in 0..<index { position += current.counts[child] }
            node = current.children[index]
        }
        return position
    }

    /// The position `element` has or would have: the number of smaller elements. O(log n).
    public func position(of element: Element) -> Int { partitionPoint { $0 < element } }

    /// The element at `position` (0-based), or `nil` past the end. O(log n).
    public func element(at position: Int) -> Element? {
        guard position >= 0, position < count, var node = root else { return nil }
        var offset = position
        while !node.isLeaf {
            var child = 0
            while offset >= node.counts[child] {
                offset -= node.counts[child]
                child += 1
            }
            node = node.children[child]
        }
        return node.elements[offset]
    }

    /// The elements at `positions` (clamped to the index), in order. O(log n + k).
    public func elements(in positions: Range<Int>) -> [Element] {
        let start = max(0, positions.lowerBound), end = min(count, positions.upperBound)
        guard start < end, let root else { return [] }
        var result: [Element] = []
        result.reserveCapacity(end - start)
        Self.collect(root, skip: start, limit: end - start, into: &result)
        return result
    }

    /// Calls `body` with the elements from `position` on, in order, until it returns `false`.
    /// O(log n) to start, then O(1) amortized per element.
    public func forEach(from position: Int = 0, while body: (Element) -> Bool) {
        guard let root, position < count else { return }
        _ = Self.visit(root, skip: max(0, position), body)
    }

    private static func collect(_ node: Node, skip: Int, limit: Int, into result: inout [Element]) {
        // `limit` is the size `result` stops at (it only grows).
        if node.isLeaf {
            let end = min(node.elements.count, skip + limit - result.count)
            result.append(contentsOf: node.elements[skip..<end])
            return
        }
        var skip = skip
        for (index, child) in node.children.enumerated() where result.count < limit {
            let size = node.counts[index]
            if skip >= size {
                skip -= size
                continue
            }
            collect(child, skip: skip, limit: limit, into: &result)
            skip = 0
        }
    }

    private static func visit(_ node: Node, skip: Int, _ body: (Element) -> Bool) -> Bool {
        if node.isLeaf {
            for element in node.elements[skip...] where !body(element) { return false }
            return true
        }
        var skip = skip
        for (index, child) in node.children.enumerated() {
            let size = node.counts[index]
            if skip >= size {
                skip -= size
                continue
            }
            if !visit(child, skip: skip, body) { return false }
            skip = 0
        }
        return true
    }

    /// The first index in `elements` for which `isBefore` is false (binary search).
    @inline(__always)
    static func lowerBound(_ elements: [Element], _ isBefore: (Element) -> Bool) -> Int {
        var low = 0, high = elements.count
        while low < high {
            let middle = (low + high) >> 1
            if isBefore(elements[middle]) { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
