import Dispatch

/// Runs blocking test work (a synchronous import, waiting for a process) on a dispatch thread, so
/// it never holds one of the cooperative pool's few threads while other tests need them.
public func offCooperativePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
    }
}
