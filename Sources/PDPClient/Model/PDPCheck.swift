// SPDX-License-Identifier: Apache-2.0

/// One question for the PDP: may `user` do `action` on `resource`?
public struct PDPCheck: Sendable, Hashable {
    public var user: PDPUser
    public var action: String
    public var resource: PDPResource
    public var context: [String: PDPValue]

    public init(user: PDPUser, action: String, resource: PDPResource, context: [String: PDPValue] = [:]) {
        self.user = user
        self.action = action
        self.resource = resource
        self.context = context
    }

    /// Convenience: `PDPCheck("alice", "read", "task:42")`.
    public init(_ user: String, _ action: String, _ resource: String, context: [String: PDPValue] = [:]) {
        self.init(user: PDPUser(key: user), action: action, resource: PDPResource(resource), context: context)
    }
}
