// SPDX-License-Identifier: Apache-2.0

extension FactsCatalog {
    /// The user key a path segment names: the segment itself when a user has that key, else
    /// the key of the user whose stable id it is, else the segment unchanged.
    public func userKey(_ segment: String) -> String {
        if userExists(segment) { return segment }
        guard let id = StableID.canonical(segment) else { return segment }
        return apiIDs.users[id] ?? statics.ids.users[id] ?? segment
    }

    /// The tenant key a path segment names (a key, or a tenant's stable id).
    public func tenantKey(_ segment: String) -> String {
        if tenantExists(segment) { return segment }
        guard let id = StableID.canonical(segment) else { return segment }
        return apiIDs.tenants[id] ?? statics.ids.tenants[id] ?? segment
    }

    /// The role key a path segment names (a key, or a role's stable id).
    public func roleKey(_ segment: String) -> String {
        if policy.roleID(segment) != nil { return segment }
        return StableID.canonical(segment).flatMap { statics.ids.roles[$0] } ?? segment
    }

    /// The resource key a path segment names (a key, or a resource's stable id).
    public func resourceKey(_ segment: String) -> String {
        if policy.resourceTypeID(segment) != nil { return segment }
        return StableID.canonical(segment).flatMap { statics.ids.resources[$0] } ?? segment
    }
}
