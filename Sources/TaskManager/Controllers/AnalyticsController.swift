// SPDX-License-Identifier: Apache-2.0
import Fluent
import Vapor

/// `/analytics` (`analytics:read`): totals, per-user statistics, overdue tasks and a chart.
struct AnalyticsController: RouteCollection {
    struct Context: Encodable {
        var layout: LayoutContext
        var report: AnalyticsReport
        var today: String
        var hasOverdue: Bool
    }

    func boot(routes: any RoutesBuilder) throws {
        routes.get("analytics", use: show)
    }

    func show(_ request: Request) async throws -> Response {
        _ = try request.requireUser()
        try await request.require { $0.canReadAnalytics }
        let tasks = try await TaskItem.query(on: request.db).with(\.$owner).with(\.$assignee).all()
        let users = try await User.query(on: request.db).all()
        let today = FormInput.today()
        let report = AnalyticsReport(tasks: tasks, users: users, today: today)
        return try await request.page("analytics", Context(layout: LayoutContext(request, title: "Analytics"), report: report, today: today, hasOverdue: !report.overdue.isEmpty))
    }
}
