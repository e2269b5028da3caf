/// Request paths as Hummingbird's router matches them, so that what the middlewares decide on
/// a path (which is open, which methods it has) agrees with where the router sends it.
enum RoutePath {
    /// `path` with runs of slashes as one and no trailing slash: `//predict/` is `/predict`.
    static func normalized(_ path: String) -> String {
        let components = path.split(separator: "/", omittingEmptySubsequences: true)
        return "/" + components.joined(separator: "/")
    }
}
