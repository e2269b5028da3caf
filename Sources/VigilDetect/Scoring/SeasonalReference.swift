/// A series' last few seasons of raw vectors, so that each new vector can be compared with the
/// same time in the seasons before it: the same time on each of the last three days, for a
/// season of one day.
///
/// The reference is the median of the last ``seasons`` seasons at the vector's phase, not the
/// season before alone: an incident today must not make tomorrow's normal hour look like one
/// (it would, compared with today), and one odd day is outvoted by the two around it.
///
/// Holds `seasons × length × features` numbers (three days of five-minute samples of 5 features:
/// 4,320), kept per series in ``SeriesWindow`` and per service in ``FeatureAssembler``.
public struct SeasonalReference: Sendable, Equatable {
    /// How many past seasons the reference is the median of (three: see ``changes(peeking:)``).
    public static let seasons = 3

    /// The last `seasons × length` vectors, flattened, each at its place in the ring.
    private var ring: [Float] = []
    private let length: Int
    private let features: Int
    /// How many vectors the series has had.
    private var count = 0

    public init(length: Int, features: Int) {
        precondition(length >= 1 && features >= 1, "a season of at least one step and one feature")
        self.length = length
        self.features = features
    }

    /// A reference holding `ring` after `count` steps (a restored one), or `nil` when they do not
    /// fit together: the ring holds `min(count, 3 × length)` vectors.
    init?(length: Int, features: Int, ring: [Float], count: Int) {
        guard length >= 1, features >= 1, count >= 0, ring.count == min(count, Self.seasons * length) * features else { return nil }
        self.init(length: length, features: features)
        self.ring = ring
        self.count = count
    }

    /// What ``init(length:features:ring:count:)`` restores.
    var saved: (ring: [Float], count: Int) { (ring, count) }

    /// `vector` minus the median of the vectors one, two and three seasons before it, `nil`
    /// before the series has had three whole seasons; the vector then joins the ring. NaN
    /// values are unknown: they are left out of later medians.
    public mutating func changes(joining vector: [Double]) -> [Double]? {
        let changes = changes(peeking: vector)
        let stored = vector.map(Float.init)
        let span = Self.seasons * length
        if count < span {
            ring += stored
        } else {
            let offset = (count % span) * features
            ring.replaceSubrange(offset..<offset + features, with: stored)
        }
        count += 1
        return changes
    }

    /// Moves on by `steps` steps that never came: their places in the ring become unknown, so the
    /// steps after them are compared with the same times in earlier seasons, not shifted ones.
    public mutating func skip(_ steps: Int) {
        guard steps > 0 else { return }
        let unknown = [Double](repeating: .nan, count: features)
        let span = Self.seasons * length
        // Past a whole ring, every place is unknown already: only the phase moves on (kept
        // within one more ring, so that no run of skips, however long, overflows the count).
        for _ in 0..<min(steps, span) { _ = changes(joining: unknown) }
        if steps > span { count = span + (count % span + (steps - span) % span) % span }
    }

    /// `vector` minus the median of the vectors one, two and three seasons before it (`nil`
    /// before three whole seasons), without joining the ring: for a time step still being filled.
    public func changes(peeking vector: [Double]) -> [Double]? {
        precondition(vector.count == features, "expected \(features) values, got \(vector.count)")
        let span = Self.seasons * length
        guard count >= span else { return nil }
        // The ring's slot for step `count` holds step count − span (three seasons back); the
        // slots one and two seasons on hold the steps two and one seasons back.
        let offsets = (0..<Self.seasons).map { ((count + $0 * length) % span) * features }
        return (0..<features).map { feature in
            vector[feature] - Double(Self.median(ring[offsets[0] + feature], ring[offsets[1] + feature], ring[offsets[2] + feature]))
        }
    }

    /// The median of the known (not NaN) values among three: of two, their mean; of none, NaN.
    /// A value is unknown where the service had imputed it.
    static func median(_ a: Float, _ b: Float, _ c: Float) -> Float {
        if !a.isNaN, !b.isNaN, !c.isNaN { return max(min(a, b), min(max(a, b), c)) }
        let known = [a, b, c].filter { !$0.isNaN }
        return known.isEmpty ? .nan : known.reduce(0, +) / Float(known.count)
    }
}
