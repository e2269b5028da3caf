/// The largest request bodies, per endpoint: the batch endpoint's (`--batch-body-limit`) and
/// every other one's (`--body-limit`), and the 413 that names the one a body passed.
struct BodyLimits: Sendable {
    var body: Int
    var batchBody: Int

    static let batchPath = "/api/v1/ml/detect/batch"

    /// The limit of the endpoint at `path`, in bytes, and the option that sets it.
    func limit(for path: String) -> (bytes: Int, option: String) {
        RoutePath.normalized(path) == Self.batchPath ? (batchBody, "--batch-body-limit") : (body, "--body-limit")
    }

    /// The 413 for a body over the limit of the endpoint at `path`.
    func tooLarge(path: String) -> APIError {
        let (bytes, option) = limit(for: path)
        return APIError(
            .contentTooLarge, code: "body_too_large", message: "the body is larger than this endpoint's limit of \(Self.describe(bytes)) (\(option))")
    }

    /// `count` bytes in the largest whole unit: `1 MiB`, `8 KiB`, `1500 bytes`.
    static func describe(_ count: Int) -> String {
        if count % (1 << 20) == 0 { return "\(count >> 20) MiB" }
        if count % (1 << 10) == 0 { return "\(count >> 10) KiB" }
        return "\(count) bytes"
    }
}
