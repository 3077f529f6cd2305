import Foundation
import Logging
import Synchronization

/// One unit of concurrency: claims a job (prefetch 1), runs its body on its own thread while
/// keeping the lease and watching the time limits, then acks, retries, fails or releases it.
final class WorkerSlot: Sendable {
    let label: String
    let queues: [String]
    private let worker: Worker
    /// Replaced when the hard time limit abandons a body that ignores cancellation.
    private let thread: Mutex<BodyThread>

    init(label: String, queues: [String], worker: Worker) {
        self.label = label
        self.queues = queues
        self.worker = worker
        self.thread = Mutex(BodyThread(name: label))
    }

    func run() async {
        defer { thread.withLock { $0.stop() } }
        let store = worker.client.store
        // The job claimed together with the previous job's ack, if any.
        var next: ClaimedJob?
        while !Task.isCancelled {
            if worker.isStopping {
                if let next { try? await store.release(next.lease) }
                return
            }
            let generation = worker.client.doorbell.generation
            let job: ClaimedJob?
            do {
                if let claimed = next {
                    job = claimed
                    next = nil
                } else {
                    job = try await store.claim(queues: queues, worker: worker.configuration.name)
                }
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
            next = await execute(job)
        }
        if let next { try? await store.release(next.lease) }
    }

    /// Runs one delivery; returns the next job if it was claimed with this one's ack.
    private func execute(_ job: ClaimedJob) async -> ClaimedJob? {
        let context = TaskContext(job: job, store: worker.client.store)
        let run = SlotRun(context: context)
        worker.started(run, slot: label)
        defer { worker.stopped(job.id, slot: label) }
        worker.logger.debug("task_started", metadata: ["task.id": "\(job.id)", "task.name": "\(job.name)"])
        guard let definition = worker.client.registry.task(named: job.name) else {
            let error = TaskErrorInfo(
                type: "NotRegistered", message: "task '\(job.name)' is not registered in \(worker.configuration.name)")
            return await settle(job, run: run, ending: .body(.failure(error)), retry: nil)
        }
        let softLimit = definition.softTimeLimit ?? worker.configuration.softTimeLimit
        let hardLimit = definition.timeLimit ?? worker.configuration.timeLimit
        let worker = self.worker
        thread.withLock { thread in
            thread.run {
                let result = Result { try definition.body(context) }
                // A body that outlived its hard time limit was abandoned: it is a runaway no more.
                if !run.finish(.body(result)), run.context.isCancelled(for: .timeLimit) { worker.runawayEnded() }
            }
        }
        let ending = await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.keepLease(job, run: run) }
            group.addTask { await Self.after(softLimit) { context.cancel(.softTimeLimit, softLimit: softLimit) } }
            group.addTask {
                await Self.after(hardLimit) {
                    context.cancel(.timeLimit)
                    context.interrupt()
                    run.finish(.timeLimit(hardLimit))
                }
            }
            let ending = await withTaskCancellationHandler {
                await run.ending()
            } onCancel: {
                context.cancel(.shutdown)
                run.finish(.abandoned)
            }
            group.cancelAll()
            return ending
        }
        if case .timeLimit = ending { replaceAbandonedThread() }
        return await settle(job, run: run, ending: ending, retry: definition.retry ?? worker.configuration.defaultRetry)
    }

    /// Runs `action` after `seconds`, unless the task is cancelled first.
    private static func after(_ seconds: TimeInterval, _ action: @Sendable () -> Void) async {
        do {
            try await Task.sleep(for: .seconds(seconds))
            action()
        } catch {}
    }

    /// The hard time limit abandoned a body that may never return: give the slot a new thread
    /// at once and let the old one end whenever its body does.
    private func replaceAbandonedThread() {
        thread.withLock { thread in
            thread.stop()
            thread = BodyThread(name: label)
        }
        worker.runawayStarted()
    }

    /// Renews the lease every `visibility_timeout / 3` while the body runs, so a long task is
    /// never delivered twice while this process lives; a lost lease stops the body.
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

    /// Writes the delivery's outcome, fenced by its lease. A success also claims the slot's next
    /// job in the same transaction, unless the worker is stopping.
    private func settle(_ job: ClaimedJob, run: SlotRun, ending: RunEnding, retry: RetryOptions?) async -> ClaimedJob? {
        let store = worker.client.store
        let lease = job.lease
        if run.leaseLost {
            worker.logger.warning("result_discarded", metadata: ["task.id": "\(job.id)", "reason": "lease lost"])
            return nil
        }
        let reason = run.context.cancellationReason
        do {
            switch ending {
            case .abandoned:
                try await store.release(lease)
                worker.logger.info("task_released", metadata: ["task.id": "\(job.id)"])
            case .timeLimit(let seconds):
                let error = TaskErrorInfo(
                    type: "TimeLimitExceeded", message: "the task exceeded its hard time limit of \(seconds) s and was abandoned")
                try await store.fail(lease, error: error)
                worker.record(job.name, failed: true)
                worker.logger.error("task_time_limit", metadata: ["task.id": "\(job.id)", "task.name": "\(job.name)"])
            case .body where reason == .revoked:
                try await store.stopRevoked(lease)
                worker.record(job.name, failed: false)
                worker.logger.info("task_revoked", metadata: ["task.id": "\(job.id)"])
            case .body(.failure) where reason == .shutdown:
                try await store.release(lease)
            case .body(.success(let value)):
                let next = try await store.succeed(
                    lease, result: value, thenClaim: worker.isStopping ? nil : queues, worker: worker.configuration.name)
                worker.record(job.name, failed: false)
                return next
            case .body(.failure(let error)):
                try await fail(job, error: error, retry: retry)
            }
        } catch {
            worker.logger.warning("ack_refused", metadata: ["task.id": "\(job.id)", "error": "\(error)"])
        }
        return nil
    }

    private func fail(_ job: ClaimedJob, error: any Error, retry: RetryOptions?) async throws {
        let store = worker.client.store
        let info = TaskErrorInfo(error)
        if let retry, retry.isRetryable(error), job.retries < retry.maxRetries {
            let delay = (error as? RetryableError)?.countdown ?? retry.delay(afterRetries: job.retries)
            try await store.retry(job.lease, error: info, at: worker.client.clock.now().addingTimeInterval(delay))
            worker.logger.info(
                "task_retry",
                metadata: [
                    "task.id": "\(job.id)", "task.name": "\(job.name)", "retry.in": "\(delay)", "error": "\(info.message)",
                ])
        } else {
            try await store.fail(job.lease, error: info)
            worker.record(job.name, failed: true)
            worker.logger.info(
                "task_failed", metadata: ["task.id": "\(job.id)", "task.name": "\(job.name)", "error.type": "\(info.type)"])
        }
    }
}
