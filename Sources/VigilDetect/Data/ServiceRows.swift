/// The rows of each service in a file whose services may interleave: what each per-service
/// series (windows, hold-out, point adjustment, the longest series) is built from.
public enum ServiceRows {
    /// Each service's row indices, in order, the services in the order they first appear; all
    /// `count` rows are one unnamed series ("") when `services` is `nil`.
    public static func grouped(_ services: [String]?, count: Int) -> [(service: String, rows: [Int])] {
        guard let services else { return count == 0 ? [] : [("", Array(0..<count))] }
        precondition(services.count == count, "expected \(count) services, got \(services.count)")
        var groups: [(service: String, rows: [Int])] = []
        var position: [String: Int] = [:]
        for (row, service) in services.enumerated() {
            if let index = position[service] {
                groups[index].rows.append(row)
            } else {
                position[service] = groups.count
                groups.append((service, [row]))
            }
        }
        return groups
    }
}
