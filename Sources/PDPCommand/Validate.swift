// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import PDPCore

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check policy files and print every problem as file:line:column: error[code]: message.",
        discussion: "Exits 3 when any error is found; prints a one-line summary otherwise."
    )

    @Argument(help: "Policy files or directories (merged into one policy).")
    var paths: [String]

    func run() throws {
        guard let snapshot = PolicyInput.compile(paths) else { throw Status.invalidPolicy }
        let policy = snapshot.policy
        let tenants = snapshot.facts.tenants.compactMap { $0 }.count
        print(
            "ok: \(policy.resourceTypes.count) resources, \(policy.slotCount) actions, "
                + "\(policy.roles.count) roles, \(tenants) tenant\(tenants == 1 ? "" : "s"), \(snapshot.facts.userCount) user\(snapshot.facts.userCount == 1 ? "" : "s")")
    }
}
