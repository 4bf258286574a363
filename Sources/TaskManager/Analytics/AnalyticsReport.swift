// SPDX-License-Identifier: Apache-2.0
import Foundation

/// The analytics page's numbers, computed from all tasks and users: totals by status,
/// per-user counts of owned and assigned tasks, overdue tasks, and the chart.
struct AnalyticsReport: Encodable {
    struct Totals: Encodable {
        var total = 0
        var pending = 0
        var inProgress = 0
        var completed = 0
        var overdue = 0
    }

    struct UserStatistics: Encodable {
        var name: String
        var email: String
        var owned = 0
        var ownedCompleted = 0
        var assigned = 0
        var assignedOpen = 0
        var overdue = 0
    }

    struct OverdueTask: Encodable {
        var id: String
        var title: String
        var dueDate: String
        var owner: String
        var assignee: String?
        var status: String
    }

    var totals = Totals()
    var users: [UserStatistics] = []
    var overdue: [OverdueTask] = []
    var chart: BarChart

    /// `tasks` with owners and assignees loaded; `today` as `YYYY-MM-DD`.
    init(tasks: [TaskItem], users allUsers: [User], today: String) {
        var byUser: [UUID: UserStatistics] = [:]
        for user in allUsers {
            if let id = user.id { byUser[id] = UserStatistics(name: user.name, email: user.email) }
        }
        var byPriority: [TaskPriority: Int] = [:]
        for task in tasks {
            totals.total += 1
            switch task.status {
            case .pending: totals.pending += 1
            case .inProgress: totals.inProgress += 1
            case .completed: totals.completed += 1
            }
            byPriority[task.priority, default: 0] += 1
            let late = task.isOverdue(today: today)
            byUser[task.$owner.id]?.owned += 1
            if task.status == .completed { byUser[task.$owner.id]?.ownedCompleted += 1 }
            if let assignee = task.$assignee.id {
                byUser[assignee]?.assigned += 1
                if task.status != .completed { byUser[assignee]?.assignedOpen += 1 }
                if late { byUser[assignee]?.overdue += 1 }
            } else if late {
                byUser[task.$owner.id]?.overdue += 1
            }
            if late, let dueDate = task.dueDate {
                totals.overdue += 1
                overdue.append(
                    OverdueTask(
                        id: task.id?.uuidString.lowercased() ?? "", title: task.title, dueDate: dueDate,
                        owner: task.$owner.value?.name ?? "?", assignee: task.$assignee.value??.name,
                        status: task.status.label))
            }
        }
        overdue.sort { ($0.dueDate, $0.title) < ($1.dueDate, $1.title) }
        users = byUser.values.sorted { ($0.owned + $0.assigned, $1.email) > ($1.owned + $1.assigned, $0.email) }
        chart = BarChart(bars: [
            ("Pending", totals.pending, "pending"), ("In progress", totals.inProgress, "in_progress"),
            ("Completed", totals.completed, "completed"), ("Overdue", totals.overdue, "overdue"),
            ("Low", byPriority[.low] ?? 0, "low"), ("Medium", byPriority[.medium] ?? 0, "medium"),
            ("High", byPriority[.high] ?? 0, "high"),
        ])
    }
}
