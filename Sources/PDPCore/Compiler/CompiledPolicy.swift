// SPDX-License-Identifier: Apache-2.0

/// The schema half of a compiled policy: resource types, actions, roles and their flattened
/// permission bitsets. Immutable; built once per policy revision by ``PolicyCompiler``.
///
/// Facts (users, tenants, assignments) live in ``FactsIndex``; a ``PolicySnapshot`` pairs the two.
public final class CompiledPolicy: Sendable {
    public struct ResourceType: Sendable {
        public let key: String
        public let name: String?
        public let description: String?
        /// Actions in declaration order.
        public let actions: [ActionID]
        public let attributes: [(name: String, type: String)]
    }

    public struct Role: Sendable {
        public let key: String
        public let name: String?
        public let description: String?
        /// Roles named in `extends`, in declaration order.
        public let extends: [RoleID]
        /// Permissions the role declares itself, before inheritance.
        public let direct: Bitset
        /// Permissions including everything inherited.
        public let effective: Bitset
    }

    public let resourceTypeIDs: ByteKeyTable<ResourceTypeID>
    public let resourceTypes: [ResourceType]
    public let actionIDs: ByteKeyTable<ActionID>
    public let actionKeys: [String]
    public let roleIDs: ByteKeyTable<RoleID>
    public let roles: [Role]
    /// The number of (resource type, action) pairs: the width of every permission bitset.
    public let slotCount: Int
    /// `slotMatrix[resource * actionKeys.count + action]` is the slot, or -1 when the resource
    /// type does not declare that action.
    @usableFromInline let slotMatrix: [Int32]
    @usableFromInline let slotOwners: [(ResourceTypeID, ActionID)]
    /// Tenants declared in the policy (the facts layer may add more at runtime).
    public let tenants: [TenantDefinition]
    /// Users declared in the policy, applied to every fresh ``FactsIndex``.
    public let users: [UserDefinition]

    init(
        resourceTypes: [ResourceType],
        actionKeys: [String],
        roles: [Role],
        slotMatrix: [Int32],
        slotOwners: [(ResourceTypeID, ActionID)],
        tenants: [TenantDefinition],
        users: [UserDefinition]
    ) {
        var resourceTypeIDs = ByteKeyTable<ResourceTypeID>(minimumCapacity: resourceTypes.count)
        for (index, type) in resourceTypes.enumerated() {
            resourceTypeIDs.updateValue(ResourceTypeID(Int32(index)), forKey: type.key)
        }
        var actionIDs = ByteKeyTable<ActionID>(minimumCapacity: actionKeys.count)
        for (index, key) in actionKeys.enumerated() { actionIDs.updateValue(ActionID(Int32(index)), forKey: key) }
        var roleIDs = ByteKeyTable<RoleID>(minimumCapacity: roles.count)
        for (index, role) in roles.enumerated() { roleIDs.updateValue(RoleID(Int32(index)), forKey: role.key) }
        self.resourceTypeIDs = resourceTypeIDs
        self.resourceTypes = resourceTypes
        self.actionIDs = actionIDs
        self.actionKeys = actionKeys
        self.roleIDs = roleIDs
        self.roles = roles
        self.slotCount = slotOwners.count
        self.slotMatrix = slotMatrix
        self.slotOwners = slotOwners
        self.tenants = tenants
        self.users = users
    }

    /// The slot of `action` on `type`, or `nil` when the type does not declare the action.
    @inlinable
    public func slot(_ type: ResourceTypeID, _ action: ActionID) -> PermissionSlot? {
        let raw = slotMatrix[type.index &* actionKeys.count &+ action.index]
        return raw < 0 ? nil : PermissionSlot(raw)
    }

    /// `type:action` for a slot, as Permit writes permissions.
    public func permissionString(_ slot: PermissionSlot) -> String {
        let (type, action) = slotOwners[slot.index]
        return "\(resourceTypes[type.index].key):\(actionKeys[action.index])"
    }

    /// The resource type and action of a slot.
    public func owner(of slot: PermissionSlot) -> (type: ResourceTypeID, action: ActionID) {
        slotOwners[slot.index]
    }

    public func resourceTypeID(_ key: String) -> ResourceTypeID? { resourceTypeIDs.value(for: key) }
    public func actionID(_ key: String) -> ActionID? { actionIDs.value(for: key) }
    public func roleID(_ key: String) -> RoleID? { roleIDs.value(for: key) }

    /// The id of the role whose key is the UTF-8 bytes `key`, or `nil`.
    public func roleID(bytes key: UnsafeRawBufferPointer) -> RoleID? { roleIDs.value(forBytes: key) }

    /// Every role whose effective permissions contain `slot`.
    public func roles(granting slot: PermissionSlot) -> [RoleID] {
        roles.indices.filter { roles[$0].effective.contains(slot.index) }.map { RoleID(Int32($0)) }
    }

    /// The chain of `extends` from `role` to a role that declares `slot` itself, e.g.
    /// `[admin, editor, viewer]`; `[role]` when declared directly; `nil` when not granted.
    public func grantPath(from role: RoleID, to slot: PermissionSlot) -> [RoleID]? {
        var visited = Set<RoleID>()
        func search(_ current: RoleID) -> [RoleID]? {
            guard visited.insert(current).inserted else { return nil }
            let info = roles[current.index]
            if info.direct.contains(slot.index) { return [current] }
            for parent in info.extends where roles[parent.index].effective.contains(slot.index) {
                if let rest = search(parent) { return [current] + rest }
            }
            return nil
        }
        return search(role)
    }
}
