extension Double {
    /// `text` read as a decimal number (`12`, `-3.5`, `1e-3`, `+.5`), or `nil`. Unlike
    /// `Double(_:)`, it does not read hexadecimal (`0x10`), `nan` or `inf`: no metric value,
    /// label or time is written that way, so such text is a mistake to name, not a number.
    public init?(decimal text: some StringProtocol) {
        let isDecimal = text.utf8.allSatisfy { byte in
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+")
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
        }
        guard isDecimal, let value = Double(text) else { return nil }
        self = value
    }
}
