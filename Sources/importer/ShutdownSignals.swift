import Dispatch
import Foundation
import Synchronization

/// Counts SIGTERM and SIGINT and reports each with its running count.
final class ShutdownSignals {
    private let sources: [any DispatchSourceSignal]

    init(_ handler: @escaping @Sendable (Int) -> Void) {
        let count = Mutex(0)
        sources = [SIGTERM, SIGINT].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                let current = count.withLock { value -> Int in
                    value += 1
                    return value
                }
                handler(current)
            }
            source.resume()
            return source
        }
    }

    func stop() {
        for source in sources { source.cancel() }
    }
}
