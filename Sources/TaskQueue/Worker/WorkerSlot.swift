import Foundation
import Logging

/// One unit of concurrency: claims a job (prefetch 1), runs its body on its own thread while
/// keeping the lease, then acks, retries, fails or releases it.
final class WorkerSlot: Sendable {
    let label: String
    let queues: [String]
    private let worker: Worker
    private let thread: BodyThread

    init(label: String, queues: [String], worker: Worker) {
        self.label = label
        self.queues = queues
        self.worker = worker
        self.thread = BodyThread(name: label)
    }

    func run() async {
        defer { thread.stop() }
        let store = worker.client.store
        while !worker.isStopping && !Task.isCancelled {
            let generation = worker.client.doorbell.generation
            let job: ClaimedJob?
            do {
                job = try await store.claim(queues: queues, worker: worker.configuration.name)
            } catch {
                worker.logger.error("claim_failed", metadata: ["slot": "\(label)", "error": "\(error)"])
                try? await Task.sleep(for: .seconds(worker.configuration.pollInterval))
                continue
            }
            guard let job else {
                await worker.client.doorbell.wait(after: generation, timeout: worker.configuration.pollInterval)
                continue
            }
            if worker.isStopping {
                try? await store.release(job.lease)
                return
            }
            await execute(job)
        }
    }

    private func execute(_ job: ClaimedJob) async {
        let context = TaskContext(job: job, store: worker.client.store)
        let run = SlotRun(context: context)
        worker.started(run, slot: label)
        defer { worker.stopped(job.id, slot: label) }
        worker.logger.debug("task_started", metadata: ["task.id": "\(job.id)", "task.name": "\(job.name)"])
        guard let definition = worker.client.registry.task(named: job.name) else {
            let error = TaskErrorInfo(type: "NotRegistered", message: "task '\(job.name)' is not registered in \(worker.configuration.name)")
            await settle(job, run: run, ending: .body(.failure(error)), retry: nil)
            return
        }
        thread.run {
            let result = Result { try definition.body(context) }
            run.finish(.body(result))
        }
        let ending = await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.keepLease(job, run: run) }
            let ending = await withTaskCancellationHandler {
                await run.ending()
            } onCancel: {
                context.cancel(.shutdown)
                run.finish(.abandoned)
            }
            group.cancelAll()
            return ending
        }
        await settle(job, run: run, ending: ending, retry: definition.retry ?? worker.configuration.defaultRetry)
    }

    /// Renews the lease every `visibility_timeout / 3` while the body runs, so a long task is
    /// never delivered twice while this process lives; relays revokes and lost leases.
    private func keepLease(_ job: ClaimedJob, run: SlotRun) async {
        let store = worker.client.store
        let interval = store.policy.visibilityTimeout / 3
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(interval))
            if Task.isCancelled { return }
            do {
                switch try await store.renew(job.lease) {
                case .lost:
                    worker.logger.warning("lease_lost", metadata: ["task.id": "\(job.id)"])
                    run.markLeaseLost()
                    return
                case .held(_, let revokeRequested):
                    if revokeRequested { run.context.cancel(.revoked) }
                }
            } catch {
                worker.logger.error("lease_renewal_failed", metadata: ["task.id": "\(job.id)", "error": "\(error)"])
            }
        }
    }

    /// Writes the delivery's outcome, fenced by its lease.
    private func settle(_ job: ClaimedJob, run: SlotRun, ending: RunEnding, retry: RetryOptions?) async {
        let store = worker.client.store
        let lease = job.lease
        if run.leaseLost {
            worker.logger.warning("result_discarded", metadata: ["task.id": "\(job.id)", "reason": "lease lost"])
            return
        }
        do {
            switch ending {
            case .abandoned:
                try await store.release(lease)
                worker.logger.info("task_released", metadata: ["task.id": "\(job.id)"])
            case .body(let result) where run.context.cancellationReason == .revoked:
                _ = result
                try await store.stopRevoked(lease)
                worker.record(job.name, failed: false)
            case .body(.success(let value)):
                try await store.succeed(lease, result: value)
                worker.record(job.name, failed: false)
            case .body(.failure(let error)) where run.context.cancellationReason == .shutdown:
                _ = error
                try await store.release(lease)
            case .body(.failure(let error)):
                try await fail(job, error: error, retry: retry)
            }
        } catch {
            worker.logger.warning("ack_refused", metadata: ["task.id": "\(job.id)", "error": "\(error)"])
        }
    }

    private func fail(_ job: ClaimedJob, error: any Error, retry: RetryOptions?) async throws {
        let store = worker.client.store
        let info = TaskErrorInfo(error)
        if let retry, retry.isRetryable(error), job.retries < retry.maxRetries {
            let delay = (error as? RetryableError)?.countdown ?? retry.delay(afterRetries: job.retries)
            try await store.retry(job.lease, error: info, at: worker.client.clock.now().addingTimeInterval(delay))
            worker.logger.info(
                "task_retry",
                metadata: ["task.id": "\(job.id)", "task.name": "\(job.name)", "retry.in": "\(delay)", "error": "\(info.message)"])
        } else {
            try await store.fail(job.lease, error: info)
            worker.record(job.name, failed: true)
            worker.logger.info(
                "task_failed", metadata: ["task.id": "\(job.id)", "task.name": "\(job.name)", "error.type": "\(info.type)"])
        }
    }
}
