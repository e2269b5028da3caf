/// The indices of some scores in rank order, cut into runs of equal scores: every row of a run
/// falls on the same side of any threshold, so threshold sweeps and rank statistics take a run
/// at a time. NaN ranks above every number (as the most anomalous), so that it neither breaks
/// the order nor stalls a sweep (NaN equals nothing, not even itself).
struct TiedRuns {
    /// The indices, ranked.
    let order: [Int]
    /// Where each run ends in ``order`` (exclusive), in order.
    let ends: [Int]

    /// `scores` ranked from the highest down (`descending`) or from the lowest up.
    init<Score: BinaryFloatingPoint>(_ scores: [Score], descending: Bool) {
        let keys = scores.map { $0.isNaN ? Score.infinity : $0 }
        order = keys.indices.sorted { descending ? keys[$0] > keys[$1] : keys[$0] < keys[$1] }
        var ends: [Int] = []
        var index = 0
        while index < order.count {
            let key = keys[order[index]]
            repeat { index += 1 } while index < order.count && keys[order[index]] == key
            ends.append(index)
        }
        self.ends = ends
    }

    /// Calls `body` with each run's indices (a slice of ``order``), in rank order.
    func forEach(_ body: (ArraySlice<Int>) -> Void) {
        var start = 0
        for end in ends {
            body(order[start..<end])
            start = end
        }
    }
}
