import Foundation

/// A small ext4 filesystem in a loop-mounted image file, mounted `errors=remount-ro` so that a
/// test can turn it read-only under a running process the way a failing disk does
/// (`trigger_fs_error`). nil where loop devices, `mkfs.ext4` or mounting are not permitted.
/// The owner calls `destroy()` (a `defer`), which also keeps it alive to the end of the test.
final class LoopFilesystem {
    let image: String
    let mountPoint: String

    init?(megabytes: Int = 128) {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("loopfs-\(UUID().uuidString)").path
        image = base + ".img"
        mountPoint = base
        guard (try? FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)) != nil,
            Shell.run("truncate -s \(megabytes)M '\(image)' && mkfs.ext4 -q -F '\(image)'") == 0, mount()
        else {
            Shell.run("rm -f '\(image)'; rmdir '\(mountPoint)'")
            return nil
        }
    }

    @discardableResult
    func mount() -> Bool {
        Shell.run("mount -o loop,errors=remount-ro '\(image)' '\(mountPoint)'") == 0
    }

    /// The kernel's switch that records an ext4 error (nil where sysfs does not offer it).
    var errorTrigger: String? {
        guard let device = try? Shell.output("basename \"$(findmnt -n -o SOURCE '\(mountPoint)')\"") else { return nil }
        let path = "/sys/fs/ext4/\(device)/trigger_fs_error"
        return access(path, W_OK) == 0 ? path : nil
    }

    /// Makes the kernel record an ext4 error: the journal aborts and the filesystem is
    /// remounted read-only while files stay open, as on a failing disk.
    func failDisk(trigger: String) throws {
        try Data("test\n".utf8).write(to: URL(fileURLWithPath: trigger))
    }

    /// Unmounts, repairs (`e2fsck -fy`, as an operator would after the error) and mounts again.
    func repairAndRemount() -> Bool {
        guard Shell.run("umount '\(mountPoint)'") == 0 else { return false }
        // e2fsck exits 1 when it fixed something: the aborted journal leaves counters to fix.
        guard Shell.run("e2fsck -fy '\(image)'") <= 1 else { return false }
        return mount()
    }

    /// Whether creating a file fails (an ext4 failed into read-only mode still lists `rw`
    /// among its mount options, with `emergency_ro`).
    var refusesWrites: Bool {
        Shell.run("touch '\(mountPoint)/.probe' && rm '\(mountPoint)/.probe'") != 0
    }

    /// Unmounts and deletes the image (immutable flags cleared first).
    func destroy() {
        Shell.run("chattr -R -i '\(mountPoint)' 2>/dev/null; umount -l '\(mountPoint)'; rm -f '\(image)'; rmdir '\(mountPoint)'")
    }
}

extension Shell {
    struct Failed: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs a shell command; returns its standard output without the trailing newline.
    static func output(_ command: String) throws -> String {
        let process = Process()
        let pipe = Pipe()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw Failed(description: "`\(command)` exited \(process.terminationStatus)") }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
