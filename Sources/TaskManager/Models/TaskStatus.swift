// SPDX-License-Identifier: Apache-2.0

/// Where a task stands. Stored as its raw value.
public enum TaskStatus: String, Codable, CaseIterable, Sendable {
    case pending
    case inProgress = "in_progress"
    case completed

    /// The label shown in pages.
    public var label: String {
        switch self {
        case .pending: "Pending"
        case .inProgress: "In progress"
        case .completed: "Completed"
        }
    }
}

/// How urgent a task is. Stored as its raw value.
public enum TaskPriority: String, Codable, CaseIterable, Sendable {
    case low, medium, high

    /// The label shown in pages.
    public var label: String { rawValue.prefix(1).uppercased() + rawValue.dropFirst() }
}
