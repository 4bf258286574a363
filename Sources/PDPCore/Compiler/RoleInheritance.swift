// SPDX-License-Identifier: Apache-2.0

/// Flattens `extends` into effective permission bitsets and reports cycles.
enum RoleInheritance {
    /// Returns, for each role, the union of its own permissions and those of every role it
    /// extends, at any depth. Each cycle gets one `inheritance-cycle` error, at the `extends`
    /// entry that closes it, naming every member; members still get the union of what they reach.
    static func flatten(
        direct: [Bitset], extends: [[RoleID]], roles: [RoleDefinition], diagnostics: inout Diagnostics
    ) -> [Bitset] {
        enum Mark { case unvisited, inProgress, done }
        var marks = Array(repeating: Mark.unvisited, count: direct.count)
        var effective = direct
        var stack: [Int] = []
        var reported = Set<Int>()

        // Iterative DFS (a 1,000-deep chain must not overflow the stack).
        for root in direct.indices where marks[root] == .unvisited {
            var work: [(role: Int, next: Int)] = [(root, 0)]
            marks[root] = .inProgress
            stack.append(root)
            while let top = work.last {
                let parents = extends[top.role]
                if top.next < parents.count {
                    work[work.count - 1].next += 1
                    let parent = parents[top.next].index
                    switch marks[parent] {
                    case .unvisited:
                        marks[parent] = .inProgress
                        stack.append(parent)
                        work.append((parent, 0))
                    case .inProgress:
                        reportCycle(
                            from: top.role, to: parent, stack: stack, roles: roles,
                            reported: &reported, diagnostics: &diagnostics)
                    case .done:
                        break
                    }
                } else {
                    work.removeLast()
                    stack.removeLast()
                    marks[top.role] = .done
                    for parent in parents where parent.index != top.role {
                        effective[top.role].formUnion(effective[parent.index])
                    }
                }
            }
        }
        // Members of a cycle see each other's permissions: iterate to a fixed point for them.
        if !reported.isEmpty {
            var changed = true
            while changed {
                changed = false
                for role in direct.indices {
                    for parent in extends[role] {
                        let merged = effective[role].union(effective[parent.index])
                        if merged != effective[role] {
                            effective[role] = merged
                            changed = true
                        }
                    }
                }
            }
        }
        return effective
    }

    private static func reportCycle(
        from role: Int, to parent: Int, stack: [Int], roles: [RoleDefinition],
        reported: inout Set<Int>, diagnostics: inout Diagnostics
    ) {
        guard let start = stack.lastIndex(of: parent) else { return }
        let members = Array(stack[start...])
        let names = (members + [parent]).map { roles[$0].key.value }.joined(separator: " -> ")
        for member in members { reported.insert(member) }
        let parentKey = roles[parent].key.value
        let location = roles[role].extends.first { $0.value == parentKey }?.location ?? roles[role].key.location
        diagnostics.append(
            Diagnostic(.inheritanceCycle, "role inheritance forms a cycle: \(names)", at: location))
    }
}
