import VigilDetect

extension Calibration {
    /// A warning when a contamination threshold rests on so few rows that fewer than ten lie
    /// above it: the next calibration on other rows may put it far from here.
    var fewRowsWarning: String? {
        guard method == .contamination, let contamination, Double(samples) * contamination < 10 else { return nil }
        return
            "warning: the threshold comes from \(samples) rows at --contamination \(contamination), so fewer than 10 of them lie above it; more rows give a steadier threshold"
    }
}
