import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Replaces a directory's whole content at once: write a sibling, then rename it into place.
enum AtomicDirectory {
    static func write(to path: String, files: [String: Data]) throws(BundleError) {
        let fileManager = FileManager.default
        let target = URL(fileURLWithPath: path).standardizedFileURL
        let parent = target.deletingLastPathComponent()
        let staging = parent.appendingPathComponent(".\(target.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        do {
            try fileManager.createDirectory(at: parent, withIntermediateDirectories: true)
            try fileManager.createDirectory(at: staging, withIntermediateDirectories: false)
            for (name, data) in files {
                let file = staging.appendingPathComponent(name)
                try data.write(to: file)
                try flush(file.path)
            }
            var isDirectory: ObjCBool = false
            if fileManager.fileExists(atPath: target.path, isDirectory: &isDirectory) {
                guard isDirectory.boolValue else { throw WriteError("\(target.path) exists and is not a directory") }
                // Swap old and new, then remove the old one: the target path always holds a whole bundle.
                let retired = parent.appendingPathComponent(".\(target.lastPathComponent).old-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
                try fileManager.moveItem(at: target, to: retired)
                do {
                    try fileManager.moveItem(at: staging, to: target)
                } catch {
                    try? fileManager.moveItem(at: retired, to: target)
                    throw error
                }
                try? fileManager.removeItem(at: retired)
            } else {
                try fileManager.moveItem(at: staging, to: target)
            }
        } catch {
            try? fileManager.removeItem(at: staging)
            throw .writeFailed(path: path, reason: (error as? WriteError)?.message ?? error.localizedDescription)
        }
    }

    /// Fails when `write(to: path, …)` certainly would (`path` is a file, or its parent cannot
    /// be created or written in), so that a command finds out before its long work, not after.
    static func checkWritable(_ path: String) throws(BundleError) {
        let fileManager = FileManager.default
        let target = URL(fileURLWithPath: path).standardizedFileURL
        var isDirectory: ObjCBool = false
        if fileManager.fileExists(atPath: target.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw .writeFailed(path: path, reason: "it exists and is not a directory")
        }
        let parent = target.deletingLastPathComponent()
        do {
            try fileManager.createDirectory(at: parent, withIntermediateDirectories: true)
        } catch {
            throw .writeFailed(path: path, reason: "cannot create the directory \(parent.path)")
        }
        // The staging directory `write` would make, made and removed at once.
        let probe = parent.appendingPathComponent(".\(target.lastPathComponent).probe-\(getpid())")
        guard mkdir(probe.path, 0o700) == 0 else {
            throw .writeFailed(path: path, reason: "cannot write in \(parent.path): \(String(cString: strerror(errno)))")
        }
        rmdir(probe.path)
    }

    private struct WriteError: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }

    /// Makes `path`'s content durable before the rename publishes it.
    private static func flush(_ path: String) throws {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        _ = fsync(descriptor)
    }
}
