import Foundation
import VigilML

/// Runs Vigil with OpenBLAS' Haswell kernels on a CPU that has AVX2 and FMA but that OpenBLAS
/// does not recognise (see ``BLAS/betterCoreType(than:cpuFlags:)``): measured on such a virtual
/// machine, training and batch scoring take about twice as long with the fallback kernels, and
/// the quality figures differ in the third decimal from those of every machine OpenBLAS knows.
///
/// OpenBLAS reads `OPENBLAS_CORETYPE` once, when it loads, before `main`: so the process runs
/// itself again with it set. One set by the user is kept.
enum BLASKernelChoice {
    static let variable = "OPENBLAS_CORETYPE"

    /// Replaces the process with itself under the better kernels, when there are better ones;
    /// returns otherwise (also when that fails: the process then runs on as it is).
    static func reexecIfBetter() {
        #if os(Linux)
            let environment = ProcessInfo.processInfo.environment
            guard environment[variable] == nil, let core = BLAS.coreName,
                let cpuInfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
                let better = BLAS.betterCoreType(than: core, cpuFlags: BLAS.cpuFlags(cpuInfo: cpuInfo))
            else { return }
            setenv(variable, better, 1)
            execv("/proc/self/exe", CommandLine.unsafeArgv)
            unsetenv(variable)
        #endif
    }
}
