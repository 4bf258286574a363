// SPDX-License-Identifier: Apache-2.0
import Fluent
import Vapor

/// A named value the app keeps in its own database (the generated session secret), so that
/// every instance on one database shares it.
final class AppSetting: Model, @unchecked Sendable {
    static let schema = "app_settings"

    @ID(custom: "name", generatedBy: .user) var id: String?
    @Field(key: "value") var value: String

    init() {}

    init(name: String, value: String) {
        self.id = name
        self.value = value
    }
}
