import Foundation
import Logging
import Synchronization

/// One unit of concurrency: a thread of its own that claims a job (prefetch 1), runs its body,
/// and acks, retries or fails it — claiming the next job in the ack's transaction. The worker's
/// supervisor keeps the lease, enforces time limits and relays revokes meanwhile. When a hard
/// time limit abandons a body that ignores cancellation, the slot gets a new thread and the old
/// one ends whenever its body does.
final class WorkerSlot: Sendable {
    private struct State {
        /// Which thread is the slot's; an abandoned thread's number is stale.
        var thread = 0
        var onExit: CheckedContinuation<Void, Never>?
        var exited = false
    }

    let label: String
    let queues: [String]
    private let worker: Worker
    private let state = Mutex(State())

    init(label: String, queues: [String], worker: Worker) {
        self.label = label
        self.queues = queues
        self.worker = worker
    }

    /// Runs the slot until the worker stops.
    func run() async {
        await withCheckedContinuation { continuation in
            let number = state.withLock { state -> Int in
                state.onExit = continuation
                return state.thread
            }
            startThread(number)
        }
    }

    private func startThread(_ number: Int) {
        let thread = Thread { [self] in
            loop(thread: number)
            threadEnded(number)
        }
        thread.name = "\(label).\(number)"
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// The hard time limit abandoned this slot's body: carry on with a new thread at once.
    func replaceThread() {
        let number = state.withLock { state -> Int? in
            guard !state.exited else { return nil }
            state.thread += 1
            return state.thread
        }
        if let number { startThread(number) }
    }

    /// Shutdown abandoned this slot's body: the slot is done, whenever the body ends.
    func abandonThread() {
        state.withLock { $0.thread += 1 }
        exit()
    }

    private func threadEnded(_ number: Int) {
        let current = state.withLock { $0.thread == number }
        if current { exit() }
    }

    private func exit() {
        let continuation = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.exited else { return nil }
            state.exited = true
            defer { state.onExit = nil }
            return state.onExit
        }
        continuation?.resume()
    }

    private func isCurrent(_ number: Int) -> Bool {
        state.withLock { $0.thread == number && !$0.exited }
    }

    // MARK: The slot thread

    private func loop(thread number: Int) {
        let store = worker.client.store
        let doorbell = worker.client.doorbell.group(serving: queues)
        // The job claimed together with the previous job's ack, if any.
        var next: ClaimedJob?
        while isCurrent(number) {
            if worker.isStopping {
                if let next { try? store.release(next.lease) }
                return
            }
            let generation = doorbell.generation
            if worker.isIdleByRequest {
                // Quiet: hand back a job claimed with the last ack, then wait for a resume.
                if let claimed = next { try? store.release(claimed.lease) }
                next = nil
                doorbell.wait(after: generation, timeout: worker.configuration.pollInterval)
                continue
            }
            let job: ClaimedJob
            if let claimed = next {
                job = claimed
                next = nil
            } else {
                let attempt: ClaimAttempt
                do {
                    let now = worker.client.clock.now()
                    attempt = try store.claimOrNextRun(
                        queues: queues, excluding: worker.rateLimiter.exhausted(at: now), worker: worker.configuration.name, after: now)
                } catch {
                    worker.logger.error("claim_failed", metadata: ["slot": "\(label)", "error": "\(error)"])
                    Thread.sleep(forTimeInterval: worker.configuration.pollInterval)
                    continue
                }
                switch attempt {
                case .claimed(let claimed):
                    job = claimed
                case .idle(let nextRun):
                    doorbell.wait(after: generation, timeout: idleWait(nextRun: nextRun))
                    continue
                }
            }
            if !worker.rateLimiter.take(job.name, at: worker.client.clock.now()) {
                // Another slot took the name's token meanwhile: the job waits in the queue.
                try? store.release(job.lease)
                continue
            }
            if worker.isStopping {
                try? store.release(job.lease)
                return
            }
            guard let followUp = execute(job, doorbell: doorbell) else { return }  // abandoned: this thread is no longer the slot's
            next = followUp.next
            if next == nil, let before = followUp.claimedWithAckAfter {
                // The ack's own claim found nothing: asking again at once would find nothing too
                // (a round trip per job on PostgreSQL). A ring since `before`, read before that
                // claim, still wakes the slot at once: a ring follows its job's commit, so a job
                // rung for earlier was there for the claim to see.
                let now = worker.client.clock.now()
                doorbell.wait(after: before, timeout: idleWait(nextRun: (try? store.nextDelayedRun(queues: queues, after: now)) ?? nil))
            }
        }
    }

    /// How long an idle slot sleeps (a doorbell ring wakes it sooner): until `nextRun`, the next
    /// delayed job of its queues, is due or a rate-limited name gets its token, at most
    /// `poll_interval` (for jobs enqueued by other processes).
    private func idleWait(nextRun: Date?) -> TimeInterval {
        let now = worker.client.clock.now()
        var wait = worker.configuration.pollInterval
        if let token = worker.rateLimiter.nextTokenTime(after: now) { wait = min(wait, token.timeIntervalSince(now)) }
        if let nextRun { wait = min(wait, nextRun.timeIntervalSince(now)) }
        return max(0.001, wait)
    }

    private struct FollowUp {
        var next: ClaimedJob?
        /// When the ack also looked for the next job (`next` is what it found), the doorbell's
        /// generation just before.
        var claimedWithAckAfter: UInt64?
    }

    /// Runs one delivery on this thread. Returns nil if the worker abandoned it meanwhile.
    private func execute(_ job: ClaimedJob, doorbell: Doorbell.Group) -> FollowUp? {
        let definition = worker.client.registry.task(named: job.name)
        let run = SlotRun(
            job: job, context: TaskContext(job: job, client: worker.client), slot: self,
            softLimit: definition?.softTimeLimit ?? worker.configuration.softTimeLimit,
            hardLimit: definition?.timeLimit ?? worker.configuration.timeLimit)
        worker.started(run)
        worker.metrics.started(job.name, waited: worker.client.clock.now().timeIntervalSince(job.runAt))
        let result: Result<JSONValue, any Error>
        if let definition {
            let began = ContinuousClock.now
            result = Result { try definition.body(run.context) }
            worker.metrics.ran(job.name, for: ContinuousClock.now - began)
        } else {
            result = .failure(
                TaskErrorInfo(
                    type: "NotRegistered", message: "task '\(job.name)' is not registered in \(worker.configuration.name)"))
        }
        guard run.finish(.body(result)) else {
            // The supervisor gave up on this body (hard time limit or shutdown) and settled the job.
            if run.endedByTimeLimit { worker.runawayEnded() }
            return nil
        }
        worker.stopped(run)
        return settle(run, result: result, retry: definition?.retry ?? worker.configuration.defaultRetry, doorbell: doorbell)
    }

    /// Writes the delivery's outcome, fenced by its lease. A success also claims the slot's
    /// next job in the same transaction, unless the worker is stopping.
    private func settle(_ run: SlotRun, result: Result<JSONValue, any Error>, retry: RetryOptions?, doorbell: Doorbell.Group) -> FollowUp {
        let store = worker.client.store
        let job = run.job
        if run.leaseLost {
            worker.logger.warning("result_discarded", metadata: ["task.id": "\(job.id)", "reason": "lease lost"])
            return FollowUp()
        }
        do {
            switch (result, run.context.cancellationReason) {
            case (_, .revoked):
                try store.stopRevoked(job.lease)
                worker.record(job.name, failed: false)
                worker.logger.info("task_revoked", metadata: ["task.id": "\(job.id)"])
            case (.failure, .shutdown):
                try store.release(job.lease)
            case (.success(let value), _):
                let claimQueues = worker.isIdleByRequest ? nil : queues
                let generation = doorbell.generation
                let next = try store.succeed(
                    job.lease, result: value, thenClaim: claimQueues,
                    excluding: worker.rateLimiter.exhausted(at: worker.client.clock.now()), worker: worker.configuration.name)
                worker.record(job.name, failed: false)
                return FollowUp(next: next, claimedWithAckAfter: claimQueues == nil ? nil : generation)
            case (.failure(let error), _):
                try fail(job, error: error, retry: retry)
            }
        } catch {
            worker.logger.warning("ack_refused", metadata: ["task.id": "\(job.id)", "error": "\(error)"])
        }
        return FollowUp()
    }

    private func fail(_ job: ClaimedJob, error: any Error, retry: RetryOptions?) throws {
        let store = worker.client.store
        let info = TaskErrorInfo(error)
        if let retry, retry.isRetryable(error), job.retries < retry.maxRetries {
            let delay = (error as? RetryableError)?.countdown ?? retry.delay(afterRetries: job.retries)
            try store.retry(job.lease, error: info, at: worker.client.clock.now().addingTimeInterval(delay))
            worker.metrics.retried(job.name)
            worker.logger.info(
                "task_retry",
                metadata: [
                    "task.id": "\(job.id)", "task.name": "\(job.name)", "retry.in": "\(delay)", "error": "\(info.message)",
                ])
        } else {
            try store.fail(job.lease, error: info)
            worker.record(job.name, failed: true)
            worker.logger.info(
                "task_failed", metadata: ["task.id": "\(job.id)", "task.name": "\(job.name)", "error.type": "\(info.type)"])
        }
    }
}
