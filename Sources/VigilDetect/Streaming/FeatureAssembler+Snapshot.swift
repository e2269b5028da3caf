public import Foundation

/// Why a saved assembler state cannot be restored.
public enum AssemblerSnapshotError: Error, Equatable, CustomStringConvertible {
    /// Not a snapshot, or a damaged one.
    case unreadable(reason: String)
    /// A snapshot of another model's features or window.
    case incompatible(reason: String)

    public var description: String {
        switch self {
        case .unreadable(let reason): "not a readable service state: \(reason)"
        case .incompatible(let reason): "the saved service state belongs to another model: \(reason)"
        }
    }
}

/// Each service's state written out and read back, so that a restarted service keeps its
/// windows, baselines and seasons (three days of history, with a season of one day) instead of
/// starting cold.
///
/// The layout: a magic line, a length-prefixed JSON header naming the features and window the
/// state belongs to, the number of services, then each service (little-endian): its name, its
/// latest values and their times, its newest event time, its window's earlier steps, its
/// baseline and its season.
extension FeatureAssembler {
    static let snapshotMagic = Data("VIGIL-SERVICE-STATE 1\n".utf8)

    private struct SnapshotHeader: Codable {
        var features: [String]
        var window: TemporalWindow
    }

    /// Every service's state, to be restored by an assembler of the same features and window.
    public func snapshot() -> Data {
        var writer = SnapshotWriter()
        writer.data.append(Self.snapshotMagic)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys  // the same state, the same bytes
        let header = (try? encoder.encode(SnapshotHeader(features: features, window: window))) ?? Data()
        writer.append(UInt32(header.count))
        writer.data.append(header)
        let services = state.withLock { $0 }
        writer.append(UInt64(services.count))
        for (name, service) in services.sorted(by: { $0.key < $1.key }) {
            writer.append(name)
            writer.append(service.values)
            writer.append(service.seenAt)
            writer.append(service.newest)
            writer.append(UInt32(service.history.count))
            for vector in service.history { writer.append(vector) }
            // 2: a level and its history's weights (1, a level alone, was written before them).
            writer.append(UInt8(service.baseline == nil ? 0 : 2))
            if let baseline = service.baseline {
                writer.append(baseline.level)
                writer.append(baseline.unseen)
            }
            writer.append(UInt8(service.season == nil ? 0 : 1))
            if let saved = service.season?.saved {
                writer.append(UInt64(saved.count))
                writer.append(UInt64(saved.ring.count))
                writer.append(saved.ring)
            }
        }
        return writer.data
    }

    /// Takes each service's state from `data` (a ``snapshot()``), replacing what is held for the
    /// same services, and returns how many were restored.
    ///
    /// - Throws: ``AssemblerSnapshotError``: a damaged snapshot, or one of other features or
    ///   another window (whose state would mean something else). Nothing is restored then.
    @discardableResult
    public func restore(from data: Data) throws(AssemblerSnapshotError) -> Int {
        var reader = SnapshotReader(data: data)
        guard data.starts(with: Self.snapshotMagic) else { throw .unreadable(reason: "it does not start with the snapshot's magic line") }
        reader.offset = Self.snapshotMagic.count
        let headerData = try reader.bytes(Int(try reader.read(UInt32.self)))
        guard let header = try? JSONDecoder().decode(SnapshotHeader.self, from: headerData) else {
            throw .unreadable(reason: "its header is not valid JSON")
        }
        guard header.features == features else {
            throw .incompatible(reason: "features \(header.features.joined(separator: ", ")), not \(features.joined(separator: ", "))")
        }
        guard header.window == window else { throw .incompatible(reason: "window \(header.window), not \(window)") }

        let featureCount = features.count
        let count = try reader.read(UInt64.self)
        var restored: [String: ServiceState] = [:]
        for _ in 0..<count {
            let name = try reader.string()
            var service = ServiceState(
                values: try reader.doubles(featureCount), seenAt: try reader.doubles(featureCount), newest: try reader.read(Double.self))
            let steps = Int(try reader.read(UInt32.self))
            guard steps < max(1, window.length) else { throw .unreadable(reason: "service '\(name)' holds \(steps) earlier steps") }
            for _ in 0..<steps { service.history.append(try reader.doubles(featureCount)) }
            let baseline = try reader.read(UInt8.self)
            guard baseline <= 2, (baseline != 0) == (window.baselineHalfLife != nil) else {
                throw .unreadable(reason: "service '\(name)': its baseline does not match the window")
            }
            if baseline != 0 {
                // A baseline restarted at its saved level goes on as the saved one would; one saved
                // without its weights (version 1) goes on as a settled one.
                let level = try reader.doubles(featureCount)
                let unseen = baseline == 2 ? try reader.doubles(featureCount) : nil
                guard unseen?.allSatisfy({ (0...1).contains($0) }) ?? true else {
                    throw .unreadable(reason: "service '\(name)': its baseline's weights are not in 0...1")
                }
                service.baseline = Baseline(level: level, unseen: unseen, halfLife: window.baselineHalfLife!)
            }
            if try reader.flag(expected: window.seasonLength != nil, name: name, part: "season") {
                let stepCount = try reader.read(UInt64.self)
                let ringCount = try reader.read(UInt64.self)
                guard stepCount < UInt64(Int.max), ringCount <= UInt64(reader.remaining / MemoryLayout<Float>.size) else {
                    throw .unreadable(reason: "service '\(name)': its season is cut short")
                }
                let ring = try reader.floats(Int(ringCount))
                guard let season = SeasonalReference(length: window.seasonLength!, features: featureCount, ring: ring, count: Int(stepCount)) else {
                    throw .unreadable(reason: "service '\(name)': \(ringCount) season values do not fit \(stepCount) steps")
                }
                service.season = season
            }
            restored[name] = service
        }
        guard reader.remaining == 0 else { throw .unreadable(reason: "\(reader.remaining) bytes follow the last service") }
        state.withLock { services in services.merge(restored) { _, saved in saved } }
        return restored.count
    }
}

/// Whether this machine stores numbers little-endian, as snapshots do (then arrays copy in bulk).
private let isLittleEndianHost = 1.littleEndian == 1

/// Little-endian values appended to a `Data`.
private struct SnapshotWriter {
    var data = Data()

    mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
    }

    mutating func append(_ value: Double) { append(value.bitPattern) }

    mutating func append(_ values: [Double]) {
        if isLittleEndianHost {
            values.withUnsafeBytes { data.append(contentsOf: $0) }
        } else {
            for value in values { append(value) }
        }
    }

    /// A season's ring: the bulk of a snapshot.
    mutating func append(_ values: [Float]) {
        if isLittleEndianHost {
            values.withUnsafeBytes { data.append(contentsOf: $0) }
        } else {
            for value in values { append(value.bitPattern) }
        }
    }

    mutating func append(_ text: String) {
        let bytes = Data(text.utf8)
        append(UInt32(bytes.count))
        data.append(bytes)
    }
}

/// Reads what ``SnapshotWriter`` wrote, failing (never trapping) on data cut short.
private struct SnapshotReader {
    let data: Data
    var offset = 0

    var remaining: Int { data.count - offset }

    mutating func bytes(_ count: Int) throws(AssemblerSnapshotError) -> Data {
        guard count >= 0, count <= remaining else { throw .unreadable(reason: "it is cut short at byte \(offset)") }
        defer { offset += count }
        let start = data.startIndex + offset
        return data[start..<start + count]
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type) throws(AssemblerSnapshotError) -> T {
        let raw = try bytes(MemoryLayout<T>.size)
        var value: T = 0
        withUnsafeMutableBytes(of: &value) { $0.copyBytes(from: raw) }
        return T(littleEndian: value)
    }

    mutating func read(_: Double.Type) throws(AssemblerSnapshotError) -> Double {
        Double(bitPattern: try read(UInt64.self))
    }

    mutating func doubles(_ count: Int) throws(AssemblerSnapshotError) -> [Double] {
        let raw = try bytes(count * MemoryLayout<Double>.size)
        var values = [Double](repeating: 0, count: count)
        values.withUnsafeMutableBytes { $0.copyBytes(from: raw) }
        return isLittleEndianHost ? values : values.map { Double(bitPattern: UInt64(littleEndian: $0.bitPattern)) }
    }

    mutating func floats(_ count: Int) throws(AssemblerSnapshotError) -> [Float] {
        guard count <= remaining / MemoryLayout<Float>.size else { throw .unreadable(reason: "it is cut short at byte \(offset)") }
        let raw = try bytes(count * MemoryLayout<Float>.size)
        var values = [Float](repeating: 0, count: count)
        values.withUnsafeMutableBytes { $0.copyBytes(from: raw) }
        return isLittleEndianHost ? values : values.map { Float(bitPattern: UInt32(littleEndian: $0.bitPattern)) }
    }

    mutating func string() throws(AssemblerSnapshotError) -> String {
        let bytes = try bytes(Int(try read(UInt32.self)))
        guard let text = String(data: bytes, encoding: .utf8) else { throw .unreadable(reason: "a service name is not UTF-8") }
        return text
    }

    /// A 0/1 presence flag that must agree with what the window has.
    mutating func flag(expected: Bool, name: String, part: String) throws(AssemblerSnapshotError) -> Bool {
        let flag = try read(UInt8.self)
        guard flag <= 1, (flag == 1) == expected else { throw .unreadable(reason: "service '\(name)': its \(part) does not match the window") }
        return flag == 1
    }
}
