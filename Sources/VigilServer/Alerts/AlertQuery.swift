public import VigilDetect

/// Which stored alerts to list: `GET /api/v1/ml/alerts?service=&severity=&since=&until=&limit=&cursor=`.
public struct AlertQuery: Sendable, Equatable {
    public var service: String?
    public var severity: Severity?
    /// Milliseconds since the epoch, inclusive.
    public var since: Double?
    /// Milliseconds since the epoch, inclusive.
    public var until: Double?
    public var limit: Int = 100
    /// List only alerts after this one (in the newest-first order): the next page.
    public var after: AlertCursor?

    public static let maximumLimit = 1000

    public init(
        service: String? = nil, severity: Severity? = nil, since: Double? = nil, until: Double? = nil, limit: Int = 100, after: AlertCursor? = nil
    ) {
        self.service = service
        self.severity = severity
        self.since = since
        self.until = until
        self.limit = limit
        self.after = after
    }
}
