import Foundation

extension DatasetError {
    /// Why the file at `path` could not be opened or read as text: it is missing, a directory,
    /// not readable by this user, or not UTF-8.
    public static func unreadable(path: String) -> DatasetError {
        var isDirectory: ObjCBool = false
        let reason: String
        if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            reason = "no such file"
        } else if isDirectory.boolValue {
            reason = "it is a directory, not a file"
        } else if !FileManager.default.isReadableFile(atPath: path) {
            reason = "permission denied"
        } else {
            reason = "not readable as UTF-8 text"
        }
        return .unreadable(path: path, reason: reason)
    }

    /// A file that runs on for more than ``LineReader/maximumLineLength`` without a line end
    /// (`line`: its number, when known).
    static func lineTooLong(path: String, line: Int?) -> DatasetError {
        .unreadable(
            path: path,
            reason: "\(line.map { "line \($0)" } ?? "a line") is longer than \(LineReader.maximumLineLength >> 20) MiB (is it a text file?)")
    }

    /// A read error as a user reads it: the system's words for it ("Is a directory", "Bad file
    /// descriptor"), not Foundation's error dump.
    static func reason(_ error: any Error) -> String {
        let error = error as NSError
        let posix = error.domain == NSPOSIXErrorDomain ? error : error.userInfo[NSUnderlyingErrorKey] as? NSError
        if let posix, posix.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(posix.code))).lowercased()
        }
        return error.localizedDescription
    }

    /// Why `data`, read from a file, is not UTF-8 text: the line of its first byte that is not.
    static func notUTF8(_ data: Data) -> String {
        var line = 1
        var parser = Unicode.UTF8.ForwardParser()
        var bytes = data.makeIterator()
        while true {
            switch parser.parseScalar(from: &bytes) {
            case .valid(let scalar):
                if scalar.count == 1, scalar.first == UInt8(ascii: "\n") { line += 1 }
            case .emptyInput:
                return "not UTF-8 text"
            case .error:
                return "line \(line) is not UTF-8 text"
            }
        }
    }
}
