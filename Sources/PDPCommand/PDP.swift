// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Foundation

@main
struct PDP: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pdp",
        abstract: "A self-hosted, Permit.io-compatible policy decision point.",
        discussion: """
            Exit status: 0 on success; 1 when `check` denies or `diff` finds changes; \
            3 when a policy is invalid; 4 when `test` cases fail; 5 when `load` saw wrong \
            decisions, 6 when it saw errors or non-200 answers; 7 when `serve` cannot use its \
            data directory (or `facts check` finds it damaged); 8 when `serve` cannot listen on \
            its address (another process holds it, or it is not this machine's); 64 on usage errors.
            """,
        version: PDPVersion.current,
        subcommands: [Serve.self, Validate.self, Check.self, Diff.self, TestCommand.self, Load.self, Facts.self, Probe.self]
    )

    /// Parses and runs, with `pdp serve`'s `PDP_*` environment variables added as options
    /// (``ServeEnvironment``).
    static func main() async {
        var arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "serve" {
            do {
                arguments = ["serve"] + (try ServeEnvironment.arguments(Array(arguments.dropFirst()), environment: ProcessInfo.processInfo.environment))
            } catch {
                Serve.exit(withError: ValidationError(error.description))
            }
        }
        await main(arguments)
    }
}

/// Exit statuses shared by the subcommands (documented in `pdp --help`).
enum Status {
    static let negative = ExitCode(1)
    static let invalidPolicy = ExitCode(3)
    static let testsFailed = ExitCode(4)
    static let mismatches = ExitCode(5)
    static let loadErrors = ExitCode(6)
    static let storageFailure = ExitCode(7)
    static let bindFailure = ExitCode(8)
}
