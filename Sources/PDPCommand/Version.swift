// SPDX-License-Identifier: Apache-2.0

/// The release this build is (`pdp --version`). Bumped by hand with each release; the facts
/// data directory's own format has its version in its files (`pdp facts check`).
enum PDPVersion {
    static let current = "0.5.0"
}
