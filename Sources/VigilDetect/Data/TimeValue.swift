/// Reads the values of a time column or field as seconds, to find the rows' sampling interval
/// and to place them in a model's season: epoch numbers (seconds, or milliseconds when larger than 10¹¹)
/// and ISO 8601 date-times (`2014-02-14T14:30:00Z`, `2014-02-14 14:30:00`, with optional
/// fractions and UTC offset), or dates alone (`2014-02-14`, its midnight UTC).
public enum TimeValue {
    /// Epoch numbers above this are milliseconds (10¹¹ s is the year 5138).
    static let millisecondThreshold = 1e11

    /// The names a time column (CSV) or field (NDJSON) goes by, the first preferred.
    public static let names = ["timestamp", "time"]

    /// `text` as seconds (since the epoch, or since an arbitrary origin for offsets), or `nil`
    /// when it is neither a number nor an ISO 8601 date-time.
    public static func seconds(_ text: Substring) -> Double? {
        if let number = Double(decimal: text), number.isFinite { return seconds(epoch: number) }
        return iso8601(text)
    }

    /// An epoch number as seconds: milliseconds when larger than 10¹¹.
    public static func seconds(epoch number: Double) -> Double {
        number > millisecondThreshold ? number / 1000 : number
    }

    private static func iso8601(_ text: Substring) -> Double? {
        let bytes = Array(text.utf8)
        var index = 0
        func number(_ digits: Int) -> Int? {
            guard index + digits <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[index..<index + digits] {
                guard (48...57).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            index += digits
            return value
        }
        func skip(_ allowed: Set<UInt8>) -> Bool {
            guard index < bytes.count, allowed.contains(bytes[index]) else { return false }
            index += 1
            return true
        }
        let dash: Set<UInt8> = [45]
        let colon: Set<UInt8> = [58]
        guard let year = number(4), skip(dash), let month = number(2), skip(dash), let day = number(2),
            (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day)
        else { return nil }
        // A date alone is its midnight, UTC (daily data).
        if index == bytes.count { return Double(daysFromCivil(year: year, month: month, day: day)) * 86_400 }
        guard skip([84, 116, 32]),  // T, t, space
            let hour = number(2), skip(colon), let minute = number(2), hour < 24, minute < 60
        else { return nil }
        var seconds = Double(hour * 3600 + minute * 60)
        if skip(colon) {
            guard let second = number(2), second <= 60 else { return nil }
            seconds += Double(second)
            if skip([46, 44]) {  // a fraction after '.' or ','
                guard index < bytes.count, (48...57).contains(bytes[index]) else { return nil }
                var scale = 0.1
                while index < bytes.count, (48...57).contains(bytes[index]) {
                    seconds += Double(bytes[index] - 48) * scale
                    scale /= 10
                    index += 1
                }
            }
        }
        if skip([90, 122]) {  // Z
        } else if index < bytes.count, bytes[index] == 43 || bytes[index] == 45 {  // ±hh:mm
            let sign = bytes[index] == 43 ? 1.0 : -1.0
            index += 1
            guard let hours = number(2), hours <= 18 else { return nil }
            let minutes = skip(colon) ? number(2) : (index == bytes.count ? 0 : number(2))
            guard let minutes, minutes < 60 else { return nil }
            seconds -= sign * Double(hours * 3600 + minutes * 60)
        }
        guard index == bytes.count else { return nil }
        return Double(daysFromCivil(year: year, month: month, day: day)) * 86_400 + seconds
    }

    /// The days in `month` of `year` (Gregorian).
    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
