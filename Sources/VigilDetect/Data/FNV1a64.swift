/// The 64-bit FNV-1a digest: a fingerprint that tells data apart (not a defence against
/// tampering), written `fnv1a64:<16 hex digits>`.
struct FNV1a64 {
    private(set) var hash: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func mix(_ byte: UInt8) {
        hash ^= UInt64(byte)
        hash &*= 0x100_0000_01b3
    }

    mutating func mix(_ bytes: some Sequence<UInt8>) {
        for byte in bytes { mix(byte) }
    }

    var text: String {
        let hex = String(hash, radix: 16)
        return "fnv1a64:" + String(repeating: "0", count: 16 - hex.count) + hex
    }
}
