import Foundation
import TestSupport
import Testing

@testable import TaskQueue

/// `importer serve` as users run it: HTTP and workers in one process on a free port.
@Suite(.serialized) struct ServeTests {
    /// Starts `importer serve --port 0` and reads the port it logs.
    func serve(_ sandbox: Sandbox, environment: [String: String] = [:]) async throws -> (ImporterProcess, HTTPClient) {
        let server = try ImporterProcess(
            ["serve", "--port", "0"], dataDir: sandbox.dataDir,
            environment: Sandbox.testTasks.merging(environment) { _, new in new })
        #expect(await server.waitForLog("http_ready"), "server did not start: \(server.log)")
        let line = try #require(server.log.split(separator: "\n").first { $0.contains("http_ready") })
        let port = try #require(line.split(separator: " ").first { $0.hasPrefix("port=") }.flatMap { Int($0.dropFirst(5)) })
        return (server, HTTPClient(port: port))
    }

    /// Runs `python3 -c script argument`: its exit status and what it printed (both streams).
    func python(_ script: String, _ argument: String) async throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, argument]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        try await offCooperativePool { process.waitUntilExit() }
        return (process.terminationStatus, String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
    }

    @Test func theBrowserAddressIsLoggedAndServesTheUI() async throws {
        let sandbox = try Sandbox()
        let (server, client) = try await serve(sandbox)
        defer { server.signal(SIGKILL) }
        let line = try #require(server.log.split(separator: "\n").first { $0.contains("http_ready") })
        #expect(line.contains("ui=http://127.0.0.1:\(client.port)/"), "\(line)")
        let root = try client.send("GET", "/")
        #expect(root.status == 302)
        let page = try client.send("GET", "/ui/")
        #expect(page.status == 200)
        #expect(page.text.contains("<script type=\"module\" src=\"app.js\"></script>"))
    }

    @Test func stoppingTheWorkerOfServeKeepsTheAPIServing() async throws {
        let sandbox = try Sandbox()
        let (server, client) = try await serve(sandbox)
        defer { server.signal(SIGKILL) }
        let name = try #require(try client.send("GET", "/api/v1/workers").json["items"]?.arrayValue?.first?["name"]?.stringValue)
        let encoded = try #require(name.addingPercentEncoding(withAllowedCharacters: .alphanumerics))
        #expect(try client.send("POST", "/api/v1/workers/\(encoded)/stop").json["control"] == "stop")
        #expect(await server.waitForLog("worker_shutdown", timeout: 5), "\(server.log)")
        #expect(try await eventually(timeout: 5) { try client.send("GET", "/api/v1/workers").json["total"] == 0 })
        #expect(try client.send("GET", "/healthz").status == 200)
        #expect(server.process.isRunning)
    }

    @Test func theMinuteStatsSurviveARestart() async throws {
        let sandbox = try Sandbox()
        var (server, client) = try await serve(sandbox)
        defer { server.signal(SIGKILL) }
        let ids = try (0..<5).map { _ in try #require(try client.send("POST", "/api/v1/celery/test").json["task_id"]?.stringValue) }
        for id in ids {
            #expect(try await eventually(timeout: 10) { try client.send("GET", "/api/v1/celery/task/\(id)").json["status"] == "SUCCESS" })
        }
        server.signal(SIGTERM)
        #expect(await server.waitForExit() == 0)
        (server, client) = try await serve(sandbox)
        let series = try client.send("GET", "/api/v1/stats/timeseries?range=1h")
        #expect(series.json["totals"]?["succeeded"] == 5, "\(series.text)")
        let tasks = try client.send("GET", "/api/v1/stats/tasks?range=1h")
        #expect(tasks.json["items"]?.arrayValue?.first?["runtime"]?["count"] == 5)
    }

    @Test func theSeedsCurlFlow() async throws {
        let sandbox = try Sandbox()
        let (server, client) = try await serve(sandbox)
        defer { server.signal(SIGKILL) }
        // POST /api/v1/celery/test, then poll the task until SUCCESS with the message
        let submitted = try client.send("POST", "/api/v1/celery/test")
        #expect(submitted.status == 200)
        let id = try #require(submitted.json["task_id"]?.stringValue)
        #expect(try await eventually(timeout: 10) { try client.send("GET", "/api/v1/celery/task/\(id)").json["status"] == "SUCCESS" })
        let status = try client.send("GET", "/api/v1/celery/task/\(id)")
        #expect(status.json["result"]?["message"] == "Worker is functioning correctly!")
        // GET /api/v1/celery/workers lists the live worker and the registered names
        let workers = try client.send("GET", "/api/v1/celery/workers")
        #expect(workers.json["workers"]?["stats"]?.objectValue?.keys.first?.hasPrefix("importer@") == true)
        #expect(workers.json["workers"]?["registered_tasks"]?.arrayValue?.contains("app.tasks.product_tasks.test_task") == true)
        // DELETE of a countdown task → REVOKED, and it never runs
        let delayed = try client.send(
            "POST", "/api/v1/tasks", headers: ["Content-Type": "application/json"],
            body: #"{"name": "importer.testing.noop", "countdown": 1}"#)
        #expect(delayed.status == 202)
        let delayedID = try #require(delayed.json["task_id"]?.stringValue)
        let revoked = try client.send("DELETE", "/api/v1/celery/task/\(delayedID)")
        #expect(revoked.json["state"] == "REVOKED")
        try await Task.sleep(for: .seconds(1.5))
        let after = try client.send("GET", "/api/v1/tasks/\(delayedID)")
        #expect(after.json["state"] == "REVOKED")
        #expect(after.json["attempts"] == [])
        #expect(try client.send("GET", "/api/v1/celery/task/\(JobID.make())").status == 404)
    }

    /// Checked by Prometheus's own Python client parser (`prometheus_client`), which reads the
    /// text exposition format the way the Prometheus server does.
    @Test func metricsParseAsPrometheusText() async throws {
        let sandbox = try Sandbox()
        let (server, client) = try await serve(sandbox)
        defer { server.signal(SIGKILL) }
        let upload = try client.send(
            "POST", "/api/v1/products/upload", headers: ["Content-Type": "text/csv"], body: "sku,name\nM-1,One\nM-2,Two\n")
        let task = try #require(upload.json["task_id"]?.stringValue)
        #expect(try await eventually(timeout: 20) { try client.send("GET", "/api/v1/tasks/\(task)").json["state"] == "SUCCESS" })
        let reply = try client.send("GET", "/metrics")
        #expect(reply.status == 200)
        let path = sandbox.root + "/metrics.txt"
        try reply.body.write(to: URL(fileURLWithPath: path))
        let script = """
            import sys, time
            from prometheus_client.parser import text_string_to_metric_families
            samples = {}
            for family in text_string_to_metric_families(open(sys.argv[1]).read()):
                for sample in family.samples:
                    samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
            def value(name, **labels):
                return samples[(name, tuple(sorted(labels.items())))]
            assert value("process_resident_memory_bytes") > 1e6
            assert value("process_virtual_memory_bytes") >= value("process_resident_memory_bytes")
            assert value("process_cpu_seconds_total") > 0
            assert 3 <= value("process_open_fds") <= value("process_max_fds")
            assert abs(value("process_start_time_seconds") - time.time()) < 600
            assert value("importer_imports_total", outcome="success") == 1
            assert value("importer_import_rows_total", result="created") == 2
            assert value("importer_tasks_processed_total", task="app.tasks.product_tasks.process_csv_import") >= 1
            assert value("importer_build_info", version="0.1.0", commit="dev") == 1
            assert any(name == "importer_jobs" for name, _ in samples)
            assert any(name.startswith("importer_http_requests_total") for name, _ in samples)
            print("parsed", len(samples))
            """
        let (status, text) = try await python(script, path)
        #expect(status == 0, "\(text)\n\(reply.text)")
        #expect(text.contains("parsed"))
    }

    @Test func openAPIValidatesAsOpenAPI31() async throws {
        let sandbox = try Sandbox()
        let (server, client) = try await serve(sandbox)
        defer { server.signal(SIGKILL) }
        let reply = try client.send("GET", "/openapi.json")
        #expect(reply.status == 200)
        let path = sandbox.root + "/openapi.json"
        try reply.body.write(to: URL(fileURLWithPath: path))
        let (status, text) = try await python(
            "import json,sys; from openapi_spec_validator import validate; validate(json.load(open(sys.argv[1]))); print('valid')", path)
        #expect(status == 0, "\(text)")
        #expect(text.contains("valid"))
    }

    @Test func apiOnlyServesHTTPWithoutWorkersAndRefusesAnOpenHostWithoutToken() async throws {
        let sandbox = try Sandbox()
        let refused = try await ImporterProcess.run(["serve", "--host", "0.0.0.0", "--port", "0"], dataDir: sandbox.dataDir)
        #expect(refused.status != 0)
        #expect(refused.log.contains("auth_token"))

        let api = try ImporterProcess(["api", "--port", "0"], dataDir: sandbox.dataDir, environment: Sandbox.testTasks)
        defer { api.signal(SIGKILL) }
        #expect(await api.waitForLog("http_ready"))
        #expect(!api.log.contains("worker_ready"))
        api.signal(SIGTERM)
        #expect(await api.waitForExit() == 0)
    }
}
