// SPDX-License-Identifier: Apache-2.0

/// A problem with a load test's configuration or input, worded for a person.
public struct LoadError: Error, Sendable, CustomStringConvertible, Equatable {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
