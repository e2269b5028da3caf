import Foundation
public import VigilML

/// Why a model bundle could not be loaded or saved. Each case names the file and the field.
public enum BundleError: Error, Equatable, CustomStringConvertible {
    case notFound(path: String)
    /// A file given where the bundle's directory is expected (`--model model/model.json`).
    case notADirectory(path: String)
    case missingFile(path: String)
    case unreadable(path: String, reason: String)
    case invalidManifest(path: String, reason: String)
    case unsupportedFormatVersion(path: String, found: Int, supported: Int)
    case featureCountMismatch(path: String, reason: String)
    case weights(path: String, SafetensorsError)
    case missingTensor(path: String, name: String)
    case unexpectedTensor(path: String, name: String)
    case tensorShape(path: String, name: String, expected: [Int], found: [Int])
    case nonFiniteWeights(path: String, name: String)
    case notCalibrated(path: String)
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .notFound(let path):
            "no model bundle at \(path) (train one with `vigil train --out \(path)`)"
        case .notADirectory(let path):
            "\(path) is a file: a model bundle is the directory holding model.json and model.safetensors (give \(Self.directory(of: path)))"
        case .missingFile(let path):
            "model bundle incomplete: \(path) is missing"
        case .unreadable(let path, let reason):
            "cannot read \(path): \(reason)"
        case .invalidManifest(let path, let reason):
            "\(path): \(reason)"
        case .unsupportedFormatVersion(let path, let found, let supported):
            "\(path): format_version \(found) is not supported by Vigil \(Vigil.version) (it reads versions 1 to \(supported))"
        case .featureCountMismatch(let path, let reason):
            "\(path): feature count mismatch: \(reason)"
        case .weights(let path, let error):
            "\(path): \(error)"
        case .missingTensor(let path, let name):
            "\(path): tensor '\(name)' is missing"
        case .unexpectedTensor(let path, let name):
            "\(path): unexpected tensor '\(name)' (the architecture has no such layer)"
        case .tensorShape(let path, let name, let expected, let found):
            "\(path): tensor '\(name)' has shape \(found), the architecture needs \(expected)"
        case .nonFiniteWeights(let path, let name):
            "\(path): tensor '\(name)' holds NaN or infinite values"
        case .notCalibrated(let path):
            "\(path) has no calibration yet: run `vigil calibrate --model \(path) --data FILE.csv` (or --synthetic N)"
        case .writeFailed(let path, let reason):
            "cannot write the model bundle to \(path): \(reason)"
        }
    }

    private static func directory(of path: String) -> String {
        let parent = (path as NSString).deletingLastPathComponent
        return parent.isEmpty ? "." : parent
    }
}
