import Foundation

/// Memory mapped straight from the system and unmapped on release, for the import's large
/// buffers (the sort arena, the merge's read buffers): malloc keeps such memory in its arenas
/// after it is freed, and a second import in the same process then peaked 10 MB higher.
final class MappedBuffer {
    let base: UnsafeMutableRawPointer
    let capacity: Int

    init(capacity: Int) throws {
        let size = max(capacity, 1)
        guard let address = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
            address != MAP_FAILED
        else {
            throw ImportFailure("cannot map \(size) bytes of memory: \(String(cString: strerror(errno)))", retryable: true)
        }
        base = address
        self.capacity = size
    }

    deinit {
        munmap(base, capacity)
    }
}
