// SPDX-License-Identifier: Apache-2.0
import PDPClient
@testable import TaskManager
import Testing

/// The environment variables the `task-manager` command reads.
@Suite("Configuration from the environment")
struct ConfigurationTests {
    @Test("defaults: the local PDP, a SQLite file in the working directory, no key")
    func defaults() throws {
        let configuration = try TaskManagerConfiguration(environment: [:], workingDirectory: "/srv/app")
        #expect(configuration.pdp.pdpURL == "http://127.0.0.1:7766")
        #expect(configuration.pdp.effectiveAPIURL == "http://127.0.0.1:7766")
        #expect(configuration.pdp.apiKey == nil)
        #expect(configuration.database == .sqliteFile("/srv/app/task-manager.sqlite"))
        #expect(configuration.sessionSecret == nil)
        #expect(configuration.secureCookies == false)
        #expect(configuration.resourcesDirectory == "/srv/app")
    }

    @Test("every variable is read")
    func everything() throws {
        let configuration = try TaskManagerConfiguration(
            environment: [
                "PERMIT_PDP_URL": "http://127.0.0.1:9000", "PERMIT_API_URL": "https://api.example.com/",
                "PERMIT_API_KEY": "key", "DATABASE_URL": "postgres://u:p@127.0.0.1:5432/tasks",
                "SESSION_SECRET": String(repeating: "s", count: 32), "ADMIN_EMAIL": "root@example.com",
                "ADMIN_PASSWORD": "long-enough", "SECURE_COOKIES": "true", "PDP_TIMEOUT_MS": "500",
                "TASK_MANAGER_RESOURCES": "/opt/tm",
            ],
            workingDirectory: "/srv/app")
        #expect(configuration.pdp.pdpURL == "http://127.0.0.1:9000")
        #expect(configuration.pdp.effectiveAPIURL == "https://api.example.com")
        #expect(configuration.pdp.apiKey == "key")
        #expect(configuration.pdp.requestTimeoutMilliseconds == 500)
        #expect(configuration.pdp.connectTimeoutMilliseconds == 500)
        #expect(configuration.database == .postgres("postgres://u:p@127.0.0.1:5432/tasks"))
        #expect(configuration.adminEmail == "root@example.com")
        #expect(configuration.adminPassword == "long-enough")
        #expect(configuration.secureCookies)
        #expect(configuration.resourcesDirectory == "/opt/tm")
        let relative = try TaskManagerConfiguration(
            environment: ["DATABASE_URL": "sqlite://data/tasks.sqlite"], workingDirectory: "/srv/app")
        #expect(relative.database == .sqliteFile("/srv/app/data/tasks.sqlite"))
        let absolute = try TaskManagerConfiguration(
            environment: ["DATABASE_URL": "sqlite:///var/lib/tasks.sqlite"], workingDirectory: "/srv/app")
        #expect(absolute.database == .sqliteFile("/var/lib/tasks.sqlite"))
    }

    @Test(
        "bad values are refused with the variable's name",
        arguments: [
            ("PERMIT_PDP_URL", "127.0.0.1:7766"), ("PERMIT_API_URL", "ftp://x"), ("DATABASE_URL", "mysql://x"),
            ("DATABASE_URL", "sqlite://"), ("SESSION_SECRET", "short"), ("ADMIN_EMAIL", "root"),
            ("PDP_TIMEOUT_MS", "-1"), ("ADMIN_PASSWORD", "short"),
        ])
    func invalid(variable: String, value: String) {
        var environment = [variable: value]
        if variable == "ADMIN_PASSWORD" { environment["ADMIN_EMAIL"] = "root@example.com" }
        do {
            _ = try TaskManagerConfiguration(environment: environment, workingDirectory: "/srv")
            Issue.record("\(variable)=\(value) was accepted")
        } catch let error as TaskManagerConfiguration.Invalid {
            #expect(error.variable == variable)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("the admin is created only when serving, not for migrate or routes")
    func servingCommands() {
        #expect(isServing(["task-manager"]))
        #expect(isServing(["task-manager", "serve", "--port", "8080"]))
        #expect(isServing(["task-manager", "--env", "production"]))
        #expect(isServing(["task-manager", "migrate"]) == false)
        #expect(isServing(["task-manager", "routes"]) == false)
    }

    @Test("only local paths are followed after login")
    func safeRedirects() {
        #expect(SafeRedirect.target(nil) == "/tasks")
        #expect(SafeRedirect.target("/tasks/1") == "/tasks/1")
        for hostile in ["https://evil.example", "//evil", "/\\evil", "evil", "/ok\nSet-Cookie: x", "/a\\b", ""] {
            #expect(SafeRedirect.target(hostile) == "/tasks", "\(hostile)")
        }
    }
}

@Suite("UTC dates")
struct UTCDateTests {
    @Test("pages show UTC days and minutes")
    func formats() {
        #expect(UTCDate.minutes(Date(timeIntervalSince1970: 0)) == "1970-01-01 00:00 UTC")
        #expect(UTCDate.minutes(Date(timeIntervalSince1970: 1_700_000_000)) == "2023-11-14 22:13 UTC")
        #expect(UTCDate.minutes(nil) == "")
        #expect(UTCDate.day(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29")
        #expect(FormInput.today(Date(timeIntervalSince1970: 86_399)) == "1970-01-01")
    }
}

import Foundation
