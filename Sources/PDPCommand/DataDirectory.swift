// SPDX-License-Identifier: Apache-2.0
import Foundation

/// Where `pdp serve` keeps facts when `--data-dir` is not given: a stable place per user,
/// not the working directory (a server started from another directory would otherwise start
/// empty, or find facts nobody remembers writing).
enum DataDirectory {
    /// `$PDP_DATA_DIR`, else `$XDG_STATE_HOME/swift-pdp`, else `~/.local/state/swift-pdp`
    /// (the XDG base directory for state that should survive restarts), else `./.pdp-data`
    /// when there is no home directory.
    static func standard(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let explicit = environment["PDP_DATA_DIR"], !explicit.isEmpty { return explicit }
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") { return state + "/swift-pdp" }
        if let home = environment["HOME"], home.hasPrefix("/") { return home + "/.local/state/swift-pdp" }
        return "./.pdp-data"
    }
}
