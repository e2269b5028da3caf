import Foundation
import GRDB
import Synchronization
public import VigilDetect

/// The embedded alert store: an SQLite database (WAL mode) in the data directory.
///
/// An alert is committed before the request that raised it is answered, so a crash (even
/// `kill -9`) after the answer never loses it. Thread-safe; writes are serialised by GRDB.
public final class AlertStore: Sendable {
    private let database: DatabasePool
    public let path: String
    /// Why the latest write failed, until a write succeeds again (a full disk, a read-only file
    /// system): a read still answers then, so ``check()`` alone would not show it.
    private let writeFailure = Mutex<String?>(nil)

    /// Opens (creating and migrating when needed) the store at `path`.
    ///
    /// - Throws: ``AlertStoreError/cannotOpen(path:reason:)`` when its directory cannot be made
    ///   or the database cannot be opened or migrated.
    public init(path: String) throws(AlertStoreError) {
        self.path = path
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw .cannotOpen(path: path, reason: "cannot create its directory \(directory.path): \(AlertStoreError.reason(error))")
        }
        do {
            database = try Self.open(path)
        } catch {
            throw .cannotOpen(path: path, reason: AlertStoreError.reason(error))
        }
    }

    private static func open(_ path: String) throws -> DatabasePool {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        let database = try DatabasePool(path: path, configuration: configuration)
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
        return database
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    /// Stores `changes` in one transaction: inserts the new alerts, counts the repeats and
    /// rewrites the escalated alerts. With `outbox`, the new and the escalated alerts also wait
    /// there for Kafka's delivery report.
    public func record(_ changes: AlertChanges, outbox: Bool = false) async throws {
        guard !changes.isEmpty else { return }
        try await noting { try await database.write { db in try Self.apply(changes, outbox: outbox, db) } }
    }

    /// Runs `write`, remembering whether the store could write (see ``writeProblem``).
    private func noting<T>(_ write: () async throws -> T) async throws -> T {
        do {
            let value = try await write()
            writeFailure.withLock { $0 = nil }
            return value
        } catch {
            writeFailure.withLock { $0 = AlertStoreError.reason(error) }
            throw error
        }
    }

    /// Why the latest write failed, while no write has succeeded since; `nil` otherwise.
    public var writeProblem: String? { writeFailure.withLock { $0 } }

    /// After a failed write, tries one small committed write (a row of its own table, which a
    /// full disk or a read-only file system refuses like an alert) and clears ``writeProblem``
    /// when it goes through: a quiet instance learns that the store recovered without waiting
    /// for its next alert.
    public func probeWrite() async {
        guard writeProblem != nil else { return }
        _ = try? await noting {
            try await database.write { db in
                try db.execute(sql: "CREATE TABLE IF NOT EXISTS write_probe (at REAL NOT NULL)")
                try db.execute(sql: "DELETE FROM write_probe")
                try db.execute(sql: "INSERT INTO write_probe (at) VALUES (?)", arguments: [Date().timeIntervalSince1970])
            }
        }
    }

    /// Decides what to store inside the store's write (`decide`: the alert policy's step for a
    /// batch), then stores it as ``record(_:outbox:)`` does, and returns it. Writes are serialised,
    /// so decisions are committed in the order they were made: an escalation is never stored before
    /// the opening of its alert. When the transaction fails, `undo` takes the decision back.
    public func record(
        outbox: Bool, deciding decide: @escaping @Sendable () -> AlertChanges, undo: @escaping @Sendable (AlertChanges) -> Void
    ) async throws -> AlertChanges {
        try await database.writeWithoutTransaction { db in
            let changes = decide()
            guard !changes.isEmpty else { return changes }
            do {
                try db.inTransaction {
                    try Self.apply(changes, outbox: outbox, db)
                    return .commit
                }
                writeFailure.withLock { $0 = nil }
            } catch {
                undo(changes)
                writeFailure.withLock { $0 = AlertStoreError.reason(error) }
                throw error
            }
            return changes
        }
    }

    /// An escalation keeps the alert's opening time, count and last sighting, and takes the more
    /// severe anomaly's severity, score, metric and top features; it waits in the outbox again
    /// (also an alert stored before Kafka was configured: its escalation is news).
    private static func apply(_ changes: AlertChanges, outbox: Bool, _ db: Database) throws {
        for alert in changes.opened {
            try db.execute(
                sql: "INSERT INTO alert (id, service, severity, timestamp, last_seen, count, body, outbox) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                arguments: [
                    alert.id, alert.service, alert.severity.rawValue, alert.timestamp, alert.lastSeen, alert.count, try encoder.encode(alert),
                    outbox ? 1 : 0,
                ])
        }
        for seen in changes.repeats {
            try db.execute(
                sql: "UPDATE alert SET count = count + 1, last_seen = max(last_seen, ?) WHERE id = ?", arguments: [seen.timestamp, seen.alertID])
        }
        for escalation in changes.escalations {
            var alert = escalation.alert
            let sql = "SELECT timestamp, count, last_seen, revision FROM alert WHERE id = ?"
            guard let row = try Row.fetchOne(db, sql: sql, arguments: [alert.id]) else { continue }
            alert.timestamp = row["timestamp"]
            alert.count = row["count"]
            alert.lastSeen = row["last_seen"]
            alert.revision = row["revision"] + 1
            try db.execute(
                sql: """
                    UPDATE alert SET severity = ?, body = ?, revision = ?, outbox = max(outbox, ?),
                    delivered_at = CASE WHEN ? THEN NULL ELSE delivered_at END WHERE id = ?
                    """,
                arguments: [alert.severity.rawValue, try encoder.encode(alert), alert.revision, outbox ? 1 : 0, outbox, alert.id])
        }
    }

    /// Each service's latest alert (by its last sighting), at most `limit` of them, latest first:
    /// the alerts a restarted service takes up as open
    /// (``AlertPolicy/resume(_:service:openedAt:lastSeen:severity:)``), so that an incident running
    /// through the restart stays one alert. Whether one is still open is the policy's to judge,
    /// by its cooldown and the event times to come. Blocking: for start-up.
    public func openIncidents(limit: Int) throws -> [OpenIncident] {
        try database.read { db in
            // SQLite takes a bare column of a max() aggregate from the row holding the maximum.
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, service, severity, timestamp, max(last_seen) AS last_seen FROM alert
                    GROUP BY service ORDER BY last_seen DESC LIMIT ?
                    """,
                arguments: [limit]
            ).map { row in
                OpenIncident(
                    alertID: row["id"], service: row["service"], severity: Severity(rawValue: row["severity"]) ?? .critical,
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
    func markDelivered(_ sent: [OutboxEntry.Version], at time: Double) async throws {
        guard !sent.isEmpty else { return }
        try await noting {
            try await database.write { db in
                for alert in sent {
                    try db.execute(
                        sql: "UPDATE alert SET outbox = 0, delivered_at = ? WHERE id = ? AND revision = ?",
                        arguments: [time, alert.id, alert.revision])
                }
            }
        }
    }

    /// How many alerts wait in the Kafka outbox.
    public func outboxCount() async throws -> Int {
        try await database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM alert WHERE outbox = 1") ?? 0 }
    }

    /// Alerts matching `query`, newest first (one page of them).
    public func alerts(matching query: AlertQuery) async throws -> [Alert] {
        try await page(matching: query).alerts
    }

    /// One page of the alerts matching `query`, newest first by opening time, and where the
    /// next page starts when this one is full.
    public func page(matching query: AlertQuery) async throws -> AlertPage {
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
        if let after = query.after {
            // The first term lets SQLite read the time index from the cursor on.
            conditions.append("timestamp <= ? AND (timestamp < ? OR rowid < ?)")
            _ = arguments.append(contentsOf: [after.timestamp, after.timestamp, after.row])
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let sql = """
            SELECT rowid, timestamp, body, count, last_seen, revision FROM alert \(filter)
            ORDER BY timestamp DESC, rowid DESC LIMIT \(query.limit)
            """
        let bound = arguments
        let limit = query.limit
        return try await database.read { db in
            let decoder = JSONDecoder()
            var last: AlertCursor?
            let alerts = try Row.fetchAll(db, sql: sql, arguments: bound).map { row in
                var alert = try decoder.decode(Alert.self, from: row["body"] as Data)
                alert.count = row["count"]
                alert.lastSeen = row["last_seen"]
                alert.revision = row["revision"]
                last = AlertCursor(timestamp: row["timestamp"], row: row["rowid"])
                return alert
            }
            return AlertPage(alerts: alerts, next: alerts.count == limit ? last : nil)
        }
    }

    /// Deletes the alerts last seen more than `retention` milliseconds before the newest sighting
    /// in the store, or before `now` when that is earlier, and not waiting for Kafka; returns how
    /// many went. Measured from the newest sighting, a replay of last year's metrics keeps its
    /// alerts; bounded by `now`, one alert stamped in the future does not sweep the rest away.
    @discardableResult
    public func prune(retention: Double, now: Double) async throws -> Int {
        try await database.write { db in
            try db.execute(
                sql: "DELETE FROM alert WHERE outbox = 0 AND last_seen < min(?, (SELECT max(last_seen) FROM alert)) - ?",
                arguments: [now, retention])
            return db.changesCount
        }
    }

    /// Whether the database answers a query: what `/health` and `/ready` report (`/health` also
    /// reports ``writeProblem``).
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

/// Why the alert store could not be opened, in words an operator can act on.
public enum AlertStoreError: Error, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): "cannot open the alert store \(path): \(reason) (--data-dir or VIGIL_DATA_DIR chooses where it lives)"
        }
    }

    /// The operating system's reason for a file error (not Foundation's dump of it).
    static func reason(_ error: any Error) -> String {
        if let database = error as? DatabaseError { return database.message ?? "\(database)" }
        if let file = error as? CocoaError, let posix = file.underlying as? POSIXError { return String(cString: strerror(posix.code.rawValue)) }
        let error = error as NSError
        if let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return error.localizedDescription
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
    /// One version of an alert: its id and its revision.
    struct Version: Sendable, Hashable {
        var id: String
        var revision: Int64
    }

    /// Its SQLite row id: outbox entries are read in this order.
    var row: Int64
    var id: String
    var revision: Int64
    var service: String
    var body: Data

    var version: Version { Version(id: id, revision: revision) }
}
