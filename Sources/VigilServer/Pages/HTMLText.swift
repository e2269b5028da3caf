/// Text made safe for HTML, for the pages Vigil renders itself (`/docs`, `/dashboard`).
enum HTMLText {
    /// `text` with the characters that mean something in HTML (in text and in quoted attribute
    /// values) written as entities.
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }
}
