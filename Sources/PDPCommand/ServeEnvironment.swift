// SPDX-License-Identifier: Apache-2.0

/// `pdp serve`'s environment variables: every option can also come from a `PDP_*` variable,
/// and an option given on the command line wins over its variable.
///
/// Applied before parsing, by adding the option a variable stands for to the arguments when
/// the command line does not name that option, so ArgumentParser validates a value the same
/// way whichever way it came. The variable's name is checked first, so a bad value is
/// reported as `PDP_PORT=abc: ...`, not as an option the user never typed.
///
/// Not here, because `Serve` reads them itself: `PDP_API_KEY` and `PERMIT_API_KEY` (the key
/// is not put in the argument list, where an error message could echo it) and `PDP_DATA_DIR`
/// (the `--data-dir` default, ``DataDirectory``), and `PDP_FACTS_STORE` (a PostgreSQL URL
/// holds a password).
enum ServeEnvironment {
    enum Kind {
        /// `--name VALUE`, any text.
        case text
        /// `--name VALUE`, a whole number.
        case integer
        /// `--name VALUE`, a decimal number.
        case decimal
        /// `--name VALUE` repeated, one per `:`-separated part.
        case list
        /// `--name` when the variable is true (`1`, `true`, `yes`, `on`), nothing when false.
        case flag
        /// `--name` or `--no-name`, by the variable's truth.
        case inversion
    }

    struct Variable {
        let name: String
        let option: String
        let kind: Kind
    }

    static let variables: [Variable] = [
        Variable(name: "PDP_POLICY", option: "policy", kind: .list),
        Variable(name: "PDP_HOST", option: "host", kind: .text),
        Variable(name: "PDP_PORT", option: "port", kind: .integer),
        Variable(name: "PDP_THREADS", option: "threads", kind: .integer),
        Variable(name: "PDP_DEBUG", option: "debug", kind: .flag),
        Variable(name: "PDP_MAX_BODY_BYTES", option: "max-body-bytes", kind: .integer),
        Variable(name: "PDP_MAX_BULK_CHECKS", option: "max-bulk-checks", kind: .integer),
        Variable(name: "PDP_IDLE_TIMEOUT", option: "idle-timeout", kind: .integer),
        Variable(name: "PDP_HEADER_TIMEOUT", option: "header-timeout", kind: .integer),
        Variable(name: "PDP_BODY_TIMEOUT", option: "body-timeout", kind: .integer),
        Variable(name: "PDP_MIN_BODY_RATE", option: "min-body-rate", kind: .integer),
        Variable(name: "PDP_MAX_CONNECTIONS", option: "max-connections", kind: .integer),
        Variable(name: "PDP_MAX_UNAUTHENTICATED_CONNECTIONS", option: "max-unauthenticated-connections", kind: .integer),
        Variable(name: "PDP_MAX_BUFFERED_BODY_BYTES", option: "max-buffered-body-bytes", kind: .integer),
        Variable(name: "PDP_COMPACT_AFTER_BYTES", option: "compact-after-bytes", kind: .integer),
        Variable(name: "PDP_IN_MEMORY", option: "in-memory", kind: .flag),
        Variable(name: "PDP_MAX_STALENESS", option: "max-staleness", kind: .decimal),
        Variable(name: "PDP_WATCH", option: "watch", kind: .inversion),
        Variable(name: "PDP_LOG_LEVEL", option: "log-level", kind: .text),
        Variable(name: "PDP_LOG_FORMAT", option: "log-format", kind: .text),
        Variable(name: "PDP_METRICS_UNAUTHENTICATED", option: "metrics-unauthenticated", kind: .flag),
        Variable(name: "PDP_STRICT_RELOAD", option: "strict-reload", kind: .flag),
        Variable(name: "PDP_SHUTDOWN_TIMEOUT", option: "shutdown-timeout", kind: .decimal),
        Variable(name: "PDP_DECISION_LOG", option: "decision-log", kind: .text),
        Variable(name: "PDP_DECISION_LOG_SAMPLE", option: "decision-log-sample", kind: .decimal),
        Variable(name: "PDP_ACCESS_LOG", option: "access-log", kind: .text),
    ]

    /// A variable with a value its option cannot take.
    struct InvalidVariable: Error, CustomStringConvertible {
        let description: String
    }

    /// `arguments` (the subcommand's, after `serve`) with the options of the set variables
    /// that the arguments do not name put in front. Empty variables count as unset.
    /// - Throws: ``InvalidVariable`` for a value that is not a number or a truth value where
    ///   one is needed.
    static func arguments(_ arguments: [String], environment: [String: String]) throws(InvalidVariable) -> [String] {
        // Options after `--` are positional values, not options.
        let given = Set(arguments.prefix { $0 != "--" }.compactMap(optionName))
        var added: [String] = []
        for variable in variables {
            guard let value = environment[variable.name], !value.isEmpty else { continue }
            let names = variable.kind == .inversion ? [variable.option, "no-" + variable.option] : [variable.option]
            if names.contains(where: given.contains) { continue }
            switch variable.kind {
            case .text:
                added += ["--\(variable.option)", value]
            case .integer:
                guard Int(value) != nil else { throw InvalidVariable(description: "\(variable.name)=\(value): not a whole number") }
                added += ["--\(variable.option)", value]
            case .decimal:
                guard Double(value)?.isFinite == true else { throw InvalidVariable(description: "\(variable.name)=\(value): not a number") }
                added += ["--\(variable.option)", value]
            case .list:
                for part in value.split(separator: ":", omittingEmptySubsequences: true) { added += ["--\(variable.option)", String(part)] }
            case .flag:
                if try truth(variable, value) { added.append("--\(variable.option)") }
            case .inversion:
                added.append(try truth(variable, value) ? "--\(variable.option)" : "--no-\(variable.option)")
            }
        }
        return added + arguments
    }

    /// `port` for `--port` or `--port=1`; `nil` for anything that is not a long option.
    private static func optionName(_ argument: String) -> String? {
        guard argument.hasPrefix("--"), argument.count > 2 else { return nil }
        let name = argument.dropFirst(2)
        return String(name.prefix { $0 != "=" })
    }

    private static func truth(_ variable: Variable, _ value: String) throws(InvalidVariable) -> Bool {
        switch value.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw InvalidVariable(description: "\(variable.name)=\(value): use true or false (1/0, yes/no, on/off)")
        }
    }
}
