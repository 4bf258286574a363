// SPDX-License-Identifier: Apache-2.0

extension SortedIndex {
    /// Inserts `element`. Returns `false` when it was already there. Copies the nodes on one
    /// root-to-leaf path (O(log n)); other copies of the index are unaffected.
    @discardableResult
    public mutating func insert(_ element: Element) -> Bool {
        guard let root else {
            self.root = Node(leaf: [element])
            return true
        }
        guard let parts = Self.inserting(element, into: root) else { return false }
        self.root = parts.count == 1 ? parts[0] : Node(children: parts)
        return true
    }

    /// Removes `element`. Returns `false` when it was not there. O(log n), as ``insert(_:)``.
    @discardableResult
    public mutating func remove(_ element: Element) -> Bool {
        guard let root, let replaced = Self.removing(element, from: root) else { return false }
        var top = replaced
        // A root with one child gives way to it, so the tree shrinks as it grew: at the top.
        while let node = top, !node.isLeaf, node.children.count == 1 { top = node.children[0] }
        self.root = top
        return true
    }

    /// The node (or the two halves it split into) with `element` added; `nil` when present.
    private static func inserting(_ element: Element, into node: Node) -> [Node]? {
        let index = lowerBound(node.elements) { $0 < element }
        if node.isLeaf {
            if index < node.elements.count, node.elements[index] == element { return nil }
            var elements = node.elements
            elements.insert(element, at: index)
            return halves(elements).map(Node.init(leaf:))
        }
        // Past every child's largest element: it goes at the end of the last child.
        let child = min(index, node.children.count - 1)
        guard let parts = inserting(element, into: node.children[child]) else { return nil }
        var children = node.children
        children.replaceSubrange(child...child, with: parts)
        return halves(children).map(Node.init(children:))
    }

    /// `nil` when `element` is not in `node`; `.some(nil)` when removing it empties `node`.
    private static func removing(_ element: Element, from node: Node) -> Node?? {
        let index = lowerBound(node.elements) { $0 < element }
        guard index < node.elements.count else { return nil }
        if node.isLeaf {
            guard node.elements[index] == element else { return nil }
            var elements = node.elements
            elements.remove(at: index)
            return .some(elements.isEmpty ? nil : Node(leaf: elements))
        }
        guard let replaced = removing(element, from: node.children[index]) else { return nil }
        var children = node.children
        if let child = replaced {
            children[index] = child
            // A node under a quarter full joins a neighbour, which keeps the height at
            // O(log n) however the index shrinks.
            if child.width < capacity / 4, children.count > 1 {
                let low = index > 0 ? index - 1 : index
                children.replaceSubrange(low...low + 1, with: merged(children[low], children[low + 1]))
            }
        } else {
            children.remove(at: index)
        }
        return .some(children.isEmpty ? nil : Node(children: children))
    }

    /// Two neighbouring nodes of the same height as one node, or two when too wide for one.
    private static func merged(_ a: Node, _ b: Node) -> [Node] {
        if a.isLeaf { return halves(a.elements + b.elements).map(Node.init(leaf:)) }
        return halves(a.children + b.children).map(Node.init(children:))
    }

    /// `items` as one node's worth, or two halves when over capacity.
    private static func halves<T>(_ items: [T]) -> [[T]] {
        guard items.count > capacity else { return [items] }
        let half = items.count / 2
        return [Array(items[..<half]), Array(items[half...])]
    }
}
