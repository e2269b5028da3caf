import Foundation
public import VigilDetect

/// Where a page of `GET /api/v1/ml/alerts` ended, so the next page starts after it: the last
/// alert's opening time and row. Alerts opened in the same millisecond are told apart by their
/// row, so paging neither repeats nor skips them (with `until=` alone it did both).
///
/// Clients see it as an opaque token (`next_cursor`, given back as `cursor=`).
public struct AlertCursor: Sendable, Equatable {
    /// The last listed alert's opening time, in milliseconds since the epoch.
    public var timestamp: Double
    /// The last listed alert's row in the store.
    public var row: Int64

    public init(timestamp: Double, row: Int64) {
        self.timestamp = timestamp
        self.row = row
    }

    /// The token a client gives back: base64url of `<timestamp>:<row>`, without padding.
    public var token: String {
        Data("\(timestamp):\(row)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The cursor `token` stands for, or `nil` when it is not one this server gave out.
    public init?(token: String) {
        guard token.count <= 64, token.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else { return nil }
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64) else { return nil }
        let parts = String(decoding: data, as: UTF8.self).split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let timestamp = Double(parts[0]), timestamp.isFinite, let row = Int64(parts[1]) else { return nil }
        self.init(timestamp: timestamp, row: row)
    }
}

/// One page of stored alerts, newest first, and where the next page starts (`nil` when this
/// one is the last).
public struct AlertPage: Sendable {
    public var alerts: [Alert]
    public var next: AlertCursor?
}
