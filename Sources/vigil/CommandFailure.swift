/// A command that could not do its work for a reason the user can act on (bad data, a missing
/// label column, a port in use): printed as one line, exit status 1. A wrong option is a usage
/// error instead (ArgumentParser's `ValidationError`, exit status 64 with the usage).
struct CommandFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
