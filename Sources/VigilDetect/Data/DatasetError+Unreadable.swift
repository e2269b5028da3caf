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
}
