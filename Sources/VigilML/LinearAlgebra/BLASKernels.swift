#if canImport(Accelerate)
    import Accelerate
#elseif canImport(CBLAS)
    import CBLAS
#endif

extension BLAS {
    /// The kernels OpenBLAS chose for this CPU ("Haswell", "SkylakeX", "Prescott"); `nil` with
    /// Accelerate, which chooses for itself.
    public static var coreName: String? {
        #if !canImport(Accelerate) && canImport(CBLAS)
            guard let name = openblas_get_corename() else { return nil }
            return String(cString: name)
        #else
            return nil
        #endif
    }

    /// OpenBLAS' kernel families that use AVX2 and FMA.
    static let vectorCores: Set<String> = ["haswell", "zen", "skylakex", "cooperlake", "sapphirerapids"]

    /// The kernels to ask OpenBLAS for (its `OPENBLAS_CORETYPE`) instead of `core`, on a CPU
    /// whose feature flags are `cpuFlags` (`/proc/cpuinfo`'s), or `nil` to keep `core`.
    ///
    /// OpenBLAS chooses by the CPU's model number, and a virtual CPU it does not know (a cloud
    /// machine's generic "Intel Xeon Processor") gets its 2004 fallback, Prescott: SSE3 only,
    /// about half the speed, and other rounding. Any CPU with AVX2 and FMA runs the Haswell
    /// kernels, the ones OpenBLAS gives AMD Zen and Intel Haswell to Ice Lake.
    public static func betterCoreType(than core: String, cpuFlags: Set<String>) -> String? {
        guard !vectorCores.contains(core.lowercased()), cpuFlags.isSuperset(of: ["avx2", "fma"]) else { return nil }
        return "Haswell"
    }

    /// The first processor's feature flags in the text of Linux's `/proc/cpuinfo`.
    public static func cpuFlags(cpuInfo: String) -> Set<String> {
        guard let line = cpuInfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }), let colon = line.firstIndex(of: ":") else {
            return []
        }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }
}
