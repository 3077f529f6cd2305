import Metrics

/// The catalogue's counters through swift-metrics (Prometheus in the application): imports by
/// outcome and their rows, webhook delivery attempts by verdict and their response times. Per
/// process: scrape each process that runs workers.
enum CatalogMetrics {
    /// `success` or `failure` (a final failure: retries are not counted).
    static func importFinished(_ outcome: String) {
        Counter(label: "importer_imports_total", dimensions: [("outcome", outcome)]).increment()
    }

    static func importRows(_ summary: ImportSummary) {
        for (result, count) in [("created", summary.created), ("updated", summary.updated), ("skipped", summary.skipped)] {
            Counter(label: "importer_import_rows_total", dimensions: [("result", result)]).increment(by: count)
        }
    }

    /// One delivery attempt: `succeeded`, `retry` or `failed`, and how long the receiver took.
    static func deliveryAttempt(_ verdict: String, seconds: Double?) {
        Counter(label: "importer_webhook_attempts_total", dimensions: [("verdict", verdict)]).increment()
        if let seconds {
            Metrics.Timer(label: "importer_webhook_response_seconds").recordNanoseconds(Int64(max(0, seconds) * 1e9))
        }
    }
}
