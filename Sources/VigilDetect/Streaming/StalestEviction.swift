extension Dictionary {
    /// Makes room for one more entry when there are `capacity` already: forgets the stalest tenth
    /// (at least one) by `time`, newest kept. One sort per tenth of the capacity instead of a scan
    /// of every entry for each new one, so a stream of new services costs O(log n) each, not O(n).
    mutating func makeRoom(capacity: Int, time: (Value) -> Double) {
        guard count >= capacity else { return }
        let excess = count - capacity + Swift.max(1, capacity / 10)
        let stalest = self.map { (key: $0.key, time: time($0.value)) }.sorted { $0.time < $1.time }.prefix(excess)
        for entry in stalest { self[entry.key] = nil }
    }
}
