// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import PDPCore

struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show which permissions change between two policy versions.",
        discussion: """
            For every role, and every user declared in the policies, prints the permissions \
            gained (+) and lost (-), per tenant for users. Exits 0 when nothing changes, 1 when \
            something does (so it can gate a pull request), 3 when a policy is invalid.
            """
    )

    @Argument(help: "The old policy (file or directory).")
    var old: String

    @Argument(help: "The new policy (file or directory).")
    var new: String

    func run() throws {
        guard let before = PolicyInput.compile([old], quiet: true), let after = PolicyInput.compile([new], quiet: true) else {
            throw Status.invalidPolicy
        }
        let diff = PolicyDiff(from: before, to: after)
        func changes(_ gained: [String], _ lost: [String]) -> String {
            (gained.map { "+\($0)" } + lost.map { "-\($0)" }).joined(separator: " ")
        }
        for role in diff.roles {
            let status = role.status == .changed ? "" : " (\(role.status.rawValue))"
            print("role \(role.role)\(status): \(changes(role.gained, role.lost))")
        }
        for user in diff.users {
            print("user \(user.user) in \(user.tenant): \(changes(user.gained, user.lost))")
        }
        if diff.isEmpty {
            print("no permission changes")
        } else {
            print("\(diff.roles.count) role change(s), \(diff.users.count) user change(s)")
            throw Status.negative
        }
    }
}
