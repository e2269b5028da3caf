import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Replaces a directory's whole content at once: write a sibling, then rename it into place.
///
/// Only a directory that holds nothing but the files written (an earlier bundle) is replaced,
/// so a mistaken path (`.`, a project's root) is refused, not emptied. A symbolic link is
/// followed: the directory it points to is replaced, and the link keeps pointing there.
enum AtomicDirectory {
    static func write(to path: String, files: [String: Data]) throws(BundleError) {
        let fileManager = FileManager.default
        let target = try replaceableTarget(path, files: Set(files.keys))
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
            if fileManager.fileExists(atPath: target.path) {
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
            throw .writeFailed(path: path, reason: error.localizedDescription)
        }
    }

    /// Fails when `write(to: path, files:)` with these file names certainly would (`path` is a
    /// file or holds other files, or its parent cannot be created or written in), so that a
    /// command finds out before its long work, not after.
    static func checkWritable(_ path: String, files: Set<String>) throws(BundleError) {
        let target = try replaceableTarget(path, files: files)
        let parent = target.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
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

    /// `url` with its parent directory as the kernel reads it (through its links, `..` taken
    /// after them, not first); the last component is left as it is. A parent that does not
    /// exist yet is only standardized.
    private static func physical(_ url: URL) -> URL {
        let name = url.lastPathComponent
        // `.` and `..` name a directory that exists: read the whole path as the kernel does.
        if name == "." || name == ".." || name == "/" {
            guard let resolved = realpath(url.path, nil) else { return url.standardizedFileURL }
            defer { free(resolved) }
            return URL(fileURLWithPath: String(cString: resolved))
        }
        let parent = url.deletingLastPathComponent().path
        guard let resolved = realpath(parent, nil) else { return url.standardizedFileURL }
        defer { free(resolved) }
        return URL(fileURLWithPath: String(cString: resolved)).appendingPathComponent(name)
    }

    /// `path` with its symbolic links followed, once it is known that replacing it loses
    /// nothing: it does not exist, or it is a directory that holds only some of `files`.
    private static func replaceableTarget(_ path: String, files: Set<String>) throws(BundleError) -> URL {
        guard !path.isEmpty else { throw .writeFailed(path: path, reason: "the path is empty") }
        var target = physical(URL(fileURLWithPath: path))
        // A link is followed to where it points, also to a directory not made yet.
        var links = 0
        while let destination = try? FileManager.default.destinationOfSymbolicLink(atPath: target.path) {
            links += 1
            guard links <= 16 else { throw .writeFailed(path: path, reason: "it is a chain of more than 16 symbolic links") }
            target = physical(URL(fileURLWithPath: destination, relativeTo: target.deletingLastPathComponent()))
        }
        let here = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).resolvingSymlinksInPath()
        guard target.resolvingSymlinksInPath() != here else {
            throw .writeFailed(
                path: path, reason: "it is the current directory, which saving would replace whole; name a directory inside it (./model)")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: target.path, isDirectory: &isDirectory) else { return target }
        guard isDirectory.boolValue else { throw .writeFailed(path: path, reason: "it exists and is not a directory") }
        let others: [String]
        do {
            others = try FileManager.default.contentsOfDirectory(atPath: target.path).filter { !files.contains($0) }.sorted()
        } catch {
            throw .writeFailed(path: path, reason: "cannot list the directory: \(error.localizedDescription)")
        }
        guard others.isEmpty else {
            let shown = others.prefix(3).joined(separator: ", ") + (others.count > 3 ? " and \(others.count - 3) more" : "")
            throw .writeFailed(
                path: path,
                reason:
                    "it holds files that are not a model bundle's (\(shown)), and saving replaces the whole directory; choose a new or empty directory, or an earlier bundle's (which holds only \(files.sorted().joined(separator: " and ")))"
            )
        }
        return target
    }

    /// Makes `path`'s content durable before the rename publishes it.
    private static func flush(_ path: String) throws {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        _ = fsync(descriptor)
    }
}
