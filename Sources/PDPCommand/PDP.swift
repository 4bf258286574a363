// SPDX-License-Identifier: Apache-2.0
import ArgumentParser

@main
struct PDP: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pdp",
        abstract: "A self-hosted, Permit.io-compatible policy decision point."
    )
}
