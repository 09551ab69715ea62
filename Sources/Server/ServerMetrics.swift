// What /metrics reports, in Prometheus' text format: requests by route and status, audio seconds, queue, latency.
import Foundation
import Prometheus

final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let audioSeconds: Counter
    private let queueLength: Gauge
    private let activeJobs: Gauge
    private static let requests = MetricNameDescriptor(namespace: "hark", metricName: "requests", unitName: "total",
                                                       helpText: "Requests answered, by route and HTTP status.")
    private static let latency = MetricNameDescriptor(namespace: "hark", metricName: "request_duration", unitName: "seconds",
                                                      helpText: "Time from a request's arrival to its response, by route.")
    private static let latencyBuckets: [Duration] = [.milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
                                                     .seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(30),
                                                     .seconds(60), .seconds(300)]

    init() {
        audioSeconds = registry.makeCounter(descriptor: MetricNameDescriptor(
            namespace: "hark", metricName: "audio", unitName: "seconds_total", helpText: "Seconds of audio recognized."))
        queueLength = registry.makeGauge(descriptor: MetricNameDescriptor(
            namespace: "hark", metricName: "queue", unitName: "length", helpText: "Requests waiting for a worker."))
        activeJobs = registry.makeGauge(descriptor: MetricNameDescriptor(
            namespace: "hark", metricName: "active", unitName: "jobs", helpText: "Requests a worker is running (live streams included)."))
    }

    func request(route: String, status: Int, duration: Duration) {
        registry.makeCounter(descriptor: Self.requests, labels: [("route", route), ("status", String(status))]).increment()
        registry.makeDurationHistogram(descriptor: Self.latency, labels: [("route", route)], buckets: Self.latencyBuckets)
            .record(duration)
    }

    func recognized(seconds: Double) { audioSeconds.increment(by: seconds) }

    /// The Prometheus text exposition, with the queue's state read now.
    func exposition(admission: Admission) -> String {
        queueLength.set(Double(admission.queued))
        activeJobs.set(Double(admission.active))
        return registry.emitToString()
    }
}
