public import VigilML

/// The seed's synthetic server metrics (`generate_synthetic_data` in its `train_model.py`),
/// with the labels the seed throws away.
///
/// 80 % of rows are normal: every feature `N(50, 15)`. 20 % are anomalous, drawn the same way
/// and then distorted: cpu ×0.1 or ×3, memory ×0.2 or ×2.5, disk I/O `+N(0, 50)`,
/// network I/O `+N(0, 30)`, response time ×0.5 or ×2. Rows are shuffled.
public enum SeedProfile {
    /// The seed's five features, in its order.
    public static let features = ["cpu_usage", "memory_usage", "disk_io", "network_io", "response_time"]
    /// The anomalous share of the generator's rows.
    public static let contamination = 0.2
    /// The seed trains on 50,000 samples.
    public static let defaultSamples = 50_000
    /// The `source` of every dataset (and so of every model trained on it) from this generator.
    public static let source = "synthetic:seed"

    /// `samples` labeled rows (1 = anomalous).
    public static func generate(samples: Int, generator: inout SeededGenerator) -> Dataset {
        let anomalous = Int(Double(samples) * contamination)
        let normal = samples - anomalous
        var rows: [(values: [Float], label: UInt8)] = []
        rows.reserveCapacity(samples)
        func draw() -> [Double] { (0..<5).map { _ in generator.nextNormal(mean: 50, standardDeviation: 15) } }
        for _ in 0..<normal {
            rows.append((draw().map(Float.init), 0))
        }
        for _ in 0..<anomalous {
            var row = draw()
            row[0] *= generator.nextUnit() < 0.5 ? 0.1 : 3.0
            row[1] *= generator.nextUnit() < 0.5 ? 0.2 : 2.5
            row[2] += generator.nextNormal(mean: 0, standardDeviation: 50)
            row[3] += generator.nextNormal(mean: 0, standardDeviation: 30)
            row[4] *= generator.nextUnit() < 0.5 ? 0.5 : 2.0
            rows.append((row.map(Float.init), 1))
        }
        generator.shuffle(&rows)
        return Dataset(
            features: features, values: Matrix(rows: samples, columns: 5, values: rows.flatMap(\.values)), labels: rows.map(\.label),
            source: source)
    }
}
