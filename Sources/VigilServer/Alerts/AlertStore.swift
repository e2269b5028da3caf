import Foundation
import GRDB
public import VigilDetect

/// The embedded alert store: an SQLite database (WAL mode) in the data directory.
///
/// An alert is committed before the request that raised it is answered, so a crash (even
/// `kill -9`) after the answer never loses it. Thread-safe; writes are serialised by GRDB.
public final class AlertStore: Sendable {
    private let database: DatabasePool
    public let path: String

    /// Opens (creating and migrating when needed) the store at `path`.
    public init(path: String) throws {
        self.path = path
        try FileManager.default.createDirectory(
            at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        database = try DatabasePool(path: path, configuration: configuration)
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-alerts") { db in
            try db.execute(
                sql: """
                    CREATE TABLE alert (
                        id TEXT PRIMARY KEY NOT NULL,
                        service TEXT NOT NULL,
                        severity TEXT NOT NULL,
                        timestamp REAL NOT NULL,
                        last_seen REAL NOT NULL,
                        count INTEGER NOT NULL,
                        body BLOB NOT NULL
                    );
                    CREATE INDEX alert_by_time ON alert(timestamp);
                    CREATE INDEX alert_by_service ON alert(service, timestamp);
                    """)
        }
        migrator.registerMigration("v2-kafka-outbox") { db in
            // outbox: 1 while the alert waits for Kafka's delivery report, 0 once delivered or
            // when no Kafka sink was configured at the time.
            try db.execute(
                sql: """
                    ALTER TABLE alert ADD COLUMN outbox INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE alert ADD COLUMN delivered_at REAL;
                    CREATE INDEX alert_outbox ON alert(outbox, timestamp) WHERE outbox = 1;
                    """)
        }
        try migrator.migrate(database)
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    /// Stores a new alert; with `outbox`, it also waits there for Kafka's delivery report.
    public func insert(_ alert: Alert, outbox: Bool = false) async throws {
        let body = try Self.encoder.encode(alert)
        try await database.write { db in
            try db.execute(
                sql: "INSERT INTO alert (id, service, severity, timestamp, last_seen, count, body, outbox) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                arguments: [alert.id, alert.service, alert.severity.rawValue, alert.timestamp, alert.lastSeen, alert.count, body, outbox ? 1 : 0])
        }
    }

    /// The alert JSON (as stored at opening) of up to `limit` alerts waiting in the Kafka outbox,
    /// oldest first, leaving out `excluded` (those already in flight).
    func outbox(limit: Int, excluding excluded: Set<String>) async throws -> [(id: String, service: String, body: Data)] {
        let fetch = limit + excluded.count
        return try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT id, service, body FROM alert WHERE outbox = 1 ORDER BY timestamp, rowid LIMIT ?", arguments: [fetch])
                .map { (id: $0["id"] as String, service: $0["service"] as String, body: $0["body"] as Data) }
                .filter { !excluded.contains($0.id) }
                .prefix(limit).map { $0 }
        }
    }

    /// Takes alert `id` out of the outbox: Kafka acknowledged it.
    public func markDelivered(_ id: String, at time: Double) async throws {
        try await database.write { db in
            try db.execute(sql: "UPDATE alert SET outbox = 0, delivered_at = ? WHERE id = ?", arguments: [time, id])
        }
    }

    /// How many alerts wait in the Kafka outbox.
    public func outboxCount() async throws -> Int {
        try await database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM alert WHERE outbox = 1") ?? 0 }
    }

    /// Counts a repeat of alert `id` seen at `timestamp`.
    public func recordRepeat(of id: String, at timestamp: Double) async throws {
        try await database.write { db in
            try db.execute(sql: "UPDATE alert SET count = count + 1, last_seen = max(last_seen, ?) WHERE id = ?", arguments: [timestamp, id])
        }
    }

    /// Alerts matching `query`, newest first.
    public func alerts(matching query: AlertQuery) async throws -> [Alert] {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let service = query.service {
            conditions.append("service = ?")
            _ = arguments.append(contentsOf: [service])
        }
        if let severity = query.severity {
            conditions.append("severity = ?")
            _ = arguments.append(contentsOf: [severity.rawValue])
        }
        if let since = query.since {
            conditions.append("timestamp >= ?")
            _ = arguments.append(contentsOf: [since])
        }
        if let until = query.until {
            conditions.append("timestamp <= ?")
            _ = arguments.append(contentsOf: [until])
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let sql = "SELECT body, count, last_seen FROM alert \(filter) ORDER BY timestamp DESC, rowid DESC LIMIT \(query.limit)"
        let bound = arguments
        return try await database.read { db in
            let decoder = JSONDecoder()
            return try Row.fetchAll(db, sql: sql, arguments: bound).map { row in
                var alert = try decoder.decode(Alert.self, from: row["body"] as Data)
                alert.count = row["count"]
                alert.lastSeen = row["last_seen"]
                return alert
            }
        }
    }

    /// How many alerts are stored.
    public func count() async throws -> Int {
        try await database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM alert") ?? 0 }
    }

    /// Whether the database answers a query: what `/health` and `/ready` report.
    public func check() async -> Result<Void, any Error> {
        do {
            _ = try await database.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
            return .success(())
        } catch {
            return .failure(error)
        }
    }

    /// Checkpoints the write-ahead log into the database file: done at shutdown.
    public func flush() throws {
        _ = try database.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
    }
}
