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
        migrator.registerMigration("v3-outbox-in-row-order") { db in
            // The publisher reads the outbox in row order from a cursor: (outbox, rowid) entries.
            try db.execute(
                sql: """
                    DROP INDEX alert_outbox;
                    CREATE INDEX alert_outbox_by_row ON alert(outbox) WHERE outbox = 1;
                    """)
        }
        migrator.registerMigration("v4-alert-revisions") { db in
            // revision: how often the alert was rewritten after it opened (escalations). A
            // delivery report takes the alert out of the outbox only for the revision sent.
            try db.execute(sql: "ALTER TABLE alert ADD COLUMN revision INTEGER NOT NULL DEFAULT 0")
        }
        try migrator.migrate(database)
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    /// Stores new alerts, counts repeats of open ones and rewrites the escalated ones, in one
    /// transaction. With `outbox`, the new and the escalated alerts also wait there for Kafka's
    /// delivery report.
    ///
    /// An escalation is the open alert as its more severe anomaly describes it (severity, score,
    /// metric, top features), keeping the alert's opening time, count and last sighting.
    public func record(opened: [Alert], repeats: [AlertRepeat] = [], escalations: [Alert] = [], outbox: Bool = false) async throws {
        guard !opened.isEmpty || !repeats.isEmpty || !escalations.isEmpty else { return }
        let bodies = try opened.map { try Self.encoder.encode($0) }
        try await database.write { db in
            for (alert, body) in zip(opened, bodies) {
                try db.execute(
                    sql: "INSERT INTO alert (id, service, severity, timestamp, last_seen, count, body, outbox) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    arguments: [alert.id, alert.service, alert.severity.rawValue, alert.timestamp, alert.lastSeen, alert.count, body, outbox ? 1 : 0])
            }
            for seen in repeats {
                try db.execute(
                    sql: "UPDATE alert SET count = count + 1, last_seen = max(last_seen, ?) WHERE id = ?", arguments: [seen.timestamp, seen.alertID])
            }
            for escalation in escalations {
                guard let row = try Row.fetchOne(db, sql: "SELECT timestamp, count, last_seen FROM alert WHERE id = ?", arguments: [escalation.id])
                else { continue }
                var alert = escalation
                alert.timestamp = row["timestamp"]
                alert.count = row["count"]
                alert.lastSeen = row["last_seen"]
                try db.execute(
                    sql: "UPDATE alert SET severity = ?, body = ?, revision = revision + 1, outbox = max(outbox, ?) WHERE id = ?",
                    arguments: [alert.severity.rawValue, try Self.encoder.encode(alert), outbox ? 1 : 0, alert.id])
            }
        }
    }

    /// Each service's latest alert (by its last sighting) that may still be open: seen within
    /// `cooldown` milliseconds of the newest sighting in the store, at most `limit` of them,
    /// latest first. A restarted service takes them up (``AlertPolicy/resume(_:service:openedAt:lastSeen:severity:)``),
    /// so that an incident running through the restart stays one alert.
    public func openIncidents(cooldown: Double, limit: Int) throws -> [OpenIncident] {
        try database.read { db in
            // SQLite takes a bare column of a max() aggregate from the row holding the maximum.
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, service, severity, timestamp, max(last_seen) AS last_seen FROM alert
                    WHERE last_seen >= (SELECT max(last_seen) FROM alert) - ?
                    GROUP BY service ORDER BY last_seen DESC LIMIT ?
                    """,
                arguments: [cooldown, limit]
            ).map { row in
                OpenIncident(
                    alertID: row["id"], service: row["service"], severity: Severity(rawValue: row["severity"]) ?? .medium,
                    openedAt: row["timestamp"], lastSeen: row["last_seen"])
            }
        }
    }

    /// Up to `limit` alerts waiting in the Kafka outbox, in the order they were stored, from
    /// after row `cursor` on, leaving out those `excluded` says to (the ones already in flight).
    func outbox(after cursor: Int64 = 0, limit: Int, excluding excluded: @escaping @Sendable (String) -> Bool) async throws -> [OutboxEntry] {
        try await database.read { db in
            var entries: [OutboxEntry] = []
            let rows = try Row.fetchCursor(
                db, sql: "SELECT rowid, id, service, body, revision FROM alert WHERE outbox = 1 AND rowid > ? ORDER BY rowid", arguments: [cursor])
            while entries.count < limit, let row = try rows.next() {
                let id: String = row["id"]
                guard !excluded(id) else { continue }
                entries.append(OutboxEntry(row: row["rowid"], id: id, revision: row["revision"], service: row["service"], body: row["body"]))
            }
            return entries
        }
    }

    /// Takes the alerts `sent` out of the outbox: Kafka acknowledged them. An alert rewritten
    /// since (escalated) stays, for its new revision to be sent.
    func markDelivered(_ sent: [OutboxEntry.Revision], at time: Double) async throws {
        guard !sent.isEmpty else { return }
        try await database.write { db in
            for alert in sent {
                try db.execute(
                    sql: "UPDATE alert SET outbox = 0, delivered_at = ? WHERE id = ? AND revision = ?", arguments: [time, alert.id, alert.revision])
            }
        }
    }

    /// How many alerts wait in the Kafka outbox.
    public func outboxCount() async throws -> Int {
        try await database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM alert WHERE outbox = 1") ?? 0 }
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

/// A service's latest stored alert, as a restarted service takes it up.
public struct OpenIncident: Sendable, Equatable {
    public var alertID: String
    public var service: String
    public var severity: Severity
    /// Milliseconds since the Unix epoch.
    public var openedAt: Double
    public var lastSeen: Double
}

/// A further anomaly counted on an open alert: its count goes up and its last sighting moves on.
public struct AlertRepeat: Sendable, Equatable {
    public var alertID: String
    /// Milliseconds since the Unix epoch.
    public var timestamp: Double

    public init(alertID: String, timestamp: Double) {
        self.alertID = alertID
        self.timestamp = timestamp
    }
}

/// An alert waiting in the Kafka outbox, as stored when it opened or last escalated.
struct OutboxEntry: Sendable {
    /// One version of an alert: its id and how often it was rewritten.
    struct Revision: Sendable, Hashable {
        var id: String
        var revision: Int64
    }

    /// Its SQLite row id: outbox entries are read in this order.
    var row: Int64
    var id: String
    var revision: Int64
    var service: String
    var body: Data

    var version: Revision { Revision(id: id, revision: revision) }
}
