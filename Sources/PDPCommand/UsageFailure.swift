// SPDX-License-Identifier: Apache-2.0
import ArgumentParser

/// A usage error found after parsing (in `run()`), reported like one found while parsing:
/// the message and the subcommand's own usage, then exit status 64. ArgumentParser would
/// print the top-level `pdp <subcommand>` usage for a `ValidationError` thrown from `run()`.
enum UsageFailure {
    static func exit(_ message: String, command: any ParsableCommand.Type) -> ExitCode {
        writeStandardError("Error: \(message)\nUsage: pdp \(command.usageString())\n  See 'pdp \(command._commandName) --help' for more information.")
        return ExitCode.validationFailure
    }
}
