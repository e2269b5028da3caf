import Foundation
import VigilML

extension ModelBundle {
    public static let manifestFileName = "model.json"
    public static let weightsFileName = "model.safetensors"

    /// Loads and validates the bundle in directory `path`.
    ///
    /// - Throws: ``BundleError``, naming the file and the problem: a missing file, an unknown
    ///   format version, a wrong shape, a feature-count mismatch, truncated or corrupted weights.
    public static func load(from path: String) throws(BundleError) -> ModelBundle {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw .notFound(path: path) }
        guard isDirectory.boolValue else { throw .notADirectory(path: path) }
        let directory = URL(fileURLWithPath: path)
        let manifestPath = directory.appendingPathComponent(manifestFileName).path
        let weightsPath = directory.appendingPathComponent(weightsFileName).path
        let manifestData = try readFile(manifestPath)
        let manifest = try decodeManifest(manifestData, path: manifestPath)
        try validate(manifest, path: manifestPath)
        let weightsData = try readFile(weightsPath)
        let tensors: [String: Tensor]
        do {
            tensors = try Safetensors.decode(weightsData).tensors
        } catch {
            throw .weights(path: weightsPath, error)
        }
        let network = try buildNetwork(
            manifest.architecture, tensors: tensors, path: weightsPath, others: manifest.neighbors == nil ? [] : [neighborReferences])
        let neighbors = try manifest.neighbors.map { (settings) throws(BundleError) in
            try neighborProfile(settings, tensors: tensors, features: manifest.features.count, path: weightsPath)
        }
        // Last: a damaged weights file is named for what is wrong in it, above.
        if let expected = manifest.weightsFingerprint, expected != fingerprint(of: weightsData) {
            throw .invalidManifest(
                path: manifestPath,
                reason:
                    "field 'weights_fingerprint' does not match \(weightsFileName): the two files come from different saves (copy a bundle's directory whole)"
            )
        }
        return ModelBundle(
            features: manifest.features, window: manifest.window ?? .none, network: network, scaler: manifest.scaler,
            featureMeans: manifest.featureMeans, robust: manifest.robust, seasonal: manifest.seasonal, neighbors: neighbors,
            reconstructionWeight: manifest.reconstructionWeight ?? 1, calibration: manifest.calibration,
            training: manifest.training, vigilVersion: manifest.vigilVersion)
    }

    private static func fingerprint(of weights: Data) -> String {
        var digest = FNV1a64()
        digest.mix(weights)
        return digest.text
    }

    private static func readFile(_ path: String) throws(BundleError) -> Data {
        guard FileManager.default.fileExists(atPath: path) else { throw .missingFile(path: path) }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .unreadable(path: path, reason: "\(error.localizedDescription)")
        }
    }

    private static func decodeManifest(_ data: Data, path: String) throws(BundleError) -> BundleManifest {
        let decoder = JSONDecoder()
        let version: Int
        do {
            version = try decoder.decode(BundleManifest.Version.self, from: data).formatVersion
        } catch {
            throw .invalidManifest(path: path, reason: describe(error))
        }
        guard (1...formatVersion).contains(version) else {
            throw .unsupportedFormatVersion(path: path, found: version, supported: formatVersion)
        }
        do {
            return try decoder.decode(BundleManifest.self, from: data)
        } catch {
            throw .invalidManifest(path: path, reason: describe(error))
        }
    }

    /// A decoding error as a user reads it: the field path and what is wrong there.
    private static func describe(_ error: any Error) -> String {
        func field(_ path: [any CodingKey]) -> String {
            guard !path.isEmpty else { return "the document" }
            // `layers[0].activation`: an index follows its array's name without a dot.
            let name = path.reduce(into: "") { name, key in
                if let index = key.intValue { name += "[\(index)]" } else { name += (name.isEmpty ? "" : ".") + key.stringValue }
            }
            return "field '\(name)'"
        }
        switch error as? DecodingError {
        case .keyNotFound(let key, let context)?:
            return "\(field(context.codingPath + [key])) is missing"
        case .typeMismatch(let type, let context)?:
            return "\(field(context.codingPath)) should be \(kind(type))"
        case .valueNotFound(let type, let context)?:
            return "\(field(context.codingPath)) is null, expected \(kind(type))"
        case .dataCorrupted(let context)? where context.codingPath.isEmpty:
            return "not valid JSON"
        case .dataCorrupted(let context)?:
            // A name outside an enumeration (Foundation says "Cannot initialize … from invalid String value …").
            if let choices = choices(at: context.codingPath.last?.stringValue),
                let found = context.debugDescription.components(separatedBy: "invalid String value ").last,
                context.debugDescription.contains("invalid String value ")
            {
                return "\(field(context.codingPath)) must be one of \(choices.joined(separator: ", ")), found '\(found)'"
            }
            return "\(field(context.codingPath)): \(context.debugDescription)"
        default:
            return "not valid JSON"
        }
    }

    /// A Swift type as a manifest's reader knows it: "a number", not "Double".
    private static func kind(_ type: Any.Type) -> String {
        switch type {
        case is Double.Type, is Float.Type: "a number"
        case is Int.Type, is UInt64.Type: "a whole number"
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        default: "\(type)".hasPrefix("Array") ? "an array" : "\(type)".hasPrefix("Dictionary") ? "an object" : "\(type)"
        }
    }

    /// The names a manifest field with a fixed set of values accepts.
    private static func choices(at key: String?) -> [String]? {
        switch key {
        case "activation": Activation.allCases.map(\.rawValue)
        case "method": Calibration.Method.allCases.map(\.rawValue)
        default: nil
        }
    }

    private static func validate(_ manifest: BundleManifest, path: String) throws(BundleError) {
        let features = manifest.features
        guard !features.isEmpty else { throw .invalidManifest(path: path, reason: "field 'features' is empty") }
        guard Set(features).count == features.count else { throw .invalidManifest(path: path, reason: "field 'features' has duplicates") }
        if let problem = manifest.architecture.problem { throw .invalidManifest(path: path, reason: "field 'architecture': \(problem)") }
        let window = manifest.window ?? .none
        if let problem = window.problem { throw .invalidManifest(path: path, reason: "field 'window': \(problem)") }
        let inputs = manifest.architecture.inputDimension
        guard window.networkWidth(features: features.count) == inputs else {
            let seen = window.length == 1 ? "\(features.count) features" : "\(features.count) features over a window of \(window.length)"
            throw .featureCountMismatch(path: path, reason: "\(seen), but the architecture's input_dim is \(inputs)")
        }
        guard manifest.architecture.outputDimension == inputs else {
            throw .featureCountMismatch(
                path: path, reason: "the last layer has \(manifest.architecture.outputDimension) units; an autoencoder needs \(inputs)")
        }
        guard manifest.scaler.mean.count == inputs, manifest.scaler.scale.count == inputs else {
            throw .featureCountMismatch(
                path: path,
                reason: "the scaler has \(manifest.scaler.mean.count) means and \(manifest.scaler.scale.count) scales for \(inputs) inputs")
        }
        guard manifest.scaler.mean.allSatisfy(\.isFinite), manifest.scaler.scale.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw .invalidManifest(path: path, reason: "field 'scaler': means must be finite and scales finite and positive")
        }
        if let means = manifest.featureMeans {
            guard means.count == features.count, means.allSatisfy(\.isFinite) else {
                throw .invalidManifest(path: path, reason: "field 'feature_means' must hold \(features.count) finite numbers, one per feature")
            }
        } else if window.baselineHalfLife != nil {
            throw .invalidManifest(path: path, reason: "field 'feature_means' is missing; a window with a baseline starts from it")
        }
        if window.baselineHalfLife != nil, manifest.formatVersion < 2 {
            throw .invalidManifest(path: path, reason: "a window with a baseline needs format_version 2 or later, found \(manifest.formatVersion)")
        }
        if let problem = manifest.robust?.problem(features: inputs) {
            throw .invalidManifest(path: path, reason: "field 'robust_profile': \(problem)")
        }
        switch (window.seasonLength, manifest.seasonal) {
        case (nil, nil): break
        case (nil, _?):
            throw .invalidManifest(path: path, reason: "field 'seasonal_profile' needs a window with a season_length")
        case (_?, nil):
            throw .invalidManifest(path: path, reason: "field 'seasonal_profile' is missing; a window with a season_length is judged by it")
        case (_?, let seasonal?):
            if let problem = seasonal.problem(features: features.count) {
                throw .invalidManifest(path: path, reason: "field 'seasonal_profile': \(problem)")
            }
            if manifest.formatVersion < 3 {
                throw .invalidManifest(path: path, reason: "a window with a season needs format_version 3 or later, found \(manifest.formatVersion)")
            }
        }
        if manifest.neighbors != nil || manifest.reconstructionWeight != nil, manifest.formatVersion < 5 {
            let field = manifest.neighbors != nil ? "neighbor_profile" : "reconstruction_weight"
            throw .invalidManifest(path: path, reason: "field '\(field)' needs format_version 5 or later, found \(manifest.formatVersion)")
        }
        if let neighbors = manifest.neighbors {
            if let problem = NeighborProfile.problem(
                steps: neighbors.steps, meanLength: neighbors.meanLength, neighbors: neighbors.neighbors, center: neighbors.center,
                scale: neighbors.scale, features: features.count, windowLength: window.length)
            {
                throw .invalidManifest(path: path, reason: "field 'neighbor_profile': \(problem)")
            }
            if window.differences {
                throw .invalidManifest(path: path, reason: "field 'neighbor_profile' reads values, and the window holds first differences")
            }
            if window.seasonLength != nil {
                throw .invalidManifest(path: path, reason: "field 'neighbor_profile' does not go with a window's season_length")
            }
        }
        if let weight = manifest.reconstructionWeight {
            guard weight.isFinite, weight >= 0 else {
                throw .invalidManifest(path: path, reason: "field 'reconstruction_weight' must be a number of 0 or more, found \(weight)")
            }
            if weight == 0, manifest.robust == nil, manifest.neighbors == nil, manifest.seasonal == nil {
                throw .invalidManifest(
                    path: path,
                    reason: "field 'reconstruction_weight' is 0 and the bundle has no other evidence (robust, seasonal or neighbour profile)")
            }
        }
        if let problem = manifest.calibration?.problem { throw .invalidManifest(path: path, reason: "field 'calibration': \(problem)") }
    }

    /// The weights file's tensor of the ``NeighborProfile``'s references.
    static let neighborReferences = "neighbors.references"

    /// The ``NeighborProfile`` of `settings` (already validated with the manifest) and the
    /// weights' references.
    private static func neighborProfile(
        _ settings: BundleManifest.Neighbors, tensors: [String: Tensor], features: Int, path: String
    ) throws(BundleError) -> NeighborProfile {
        let width = settings.steps * 2 * features
        guard let stored = tensors[neighborReferences] else { throw .missingTensor(path: path, name: neighborReferences) }
        guard stored.shape.count == 2, stored.shape[1] == width, stored.shape[0] >= 1 else {
            throw .tensorShape(path: path, name: neighborReferences, expected: [max(stored.shape.first ?? 1, 1), width], found: stored.shape)
        }
        let references = try tensor(neighborReferences, shape: stored.shape, in: tensors, path: path)
        guard settings.neighbors <= stored.shape[0] else {
            throw .invalidManifest(
                path: path,
                reason:
                    "tensor '\(neighborReferences)' holds \(stored.shape[0]) references, fewer than the \(settings.neighbors) neighbors model.json asks for"
            )
        }
        return NeighborProfile(
            steps: settings.steps, meanLength: settings.meanLength, neighbors: settings.neighbors, center: settings.center,
            scale: settings.scale, references: Matrix(rows: stored.shape[0], columns: width, values: references.values))
    }

    private static func buildNetwork(
        _ architecture: Architecture, tensors: [String: Tensor], path: String, others: Set<String> = []
    ) throws(BundleError) -> Sequential {
        var layers: [Dense] = []
        var expected = others
        var index = 0
        for case .dense(let units, let activation) in architecture.layers {
            let inputs = architecture.denseShapes[index].inputs
            let kernelName = "dense_\(index).kernel"
            let biasName = "dense_\(index).bias"
            expected.formUnion([kernelName, biasName])
            let kernel = try tensor(kernelName, shape: [inputs, units], in: tensors, path: path)
            let bias = try tensor(biasName, shape: [units], in: tensors, path: path)
            layers.append(Dense(kernel: Matrix(rows: inputs, columns: units, values: kernel.values), bias: bias.values, activation: activation))
            index += 1
        }
        if let extra = tensors.keys.sorted().first(where: { !expected.contains($0) }) {
            throw .unexpectedTensor(path: path, name: extra)
        }
        do {
            return try Sequential(architecture: architecture, layers: layers)
        } catch {
            throw .invalidManifest(path: path, reason: error.description)
        }
    }

    private static func tensor(_ name: String, shape: [Int], in tensors: [String: Tensor], path: String) throws(BundleError) -> Tensor {
        guard let tensor = tensors[name] else { throw .missingTensor(path: path, name: name) }
        guard tensor.shape == shape else { throw .tensorShape(path: path, name: name, expected: shape, found: tensor.shape) }
        guard tensor.values.allSatisfy(\.isFinite) else { throw .nonFiniteWeights(path: path, name: name) }
        return tensor
    }

    /// The weights as named tensors, in the bundle's layout.
    var tensors: [String: Tensor] {
        var tensors: [String: Tensor] = [:]
        for (index, layer) in network.layers.enumerated() {
            tensors["dense_\(index).kernel"] = Tensor(shape: [layer.inputs, layer.units], values: layer.kernel.values)
            tensors["dense_\(index).bias"] = Tensor(shape: [layer.units], values: layer.bias)
        }
        if let neighbors {
            tensors[Self.neighborReferences] = Tensor(
                shape: [neighbors.references.rows, neighbors.references.columns], values: neighbors.references.values)
        }
        return tensors
    }

    /// Fails when ``save(to:)`` certainly would at `path` (a file there, a directory that holds
    /// other files than a bundle's, or one that cannot be written in): for commands to check
    /// before they train.
    public static func checkSaving(to path: String) throws(BundleError) {
        try AtomicDirectory.checkWritable(path, files: [manifestFileName, weightsFileName])
    }

    /// Writes the bundle to directory `path`, atomically: the files go to a sibling temporary
    /// directory, which then replaces `path` in one rename. A crash mid-save leaves the old
    /// bundle (or none) and a stray temporary directory, never half a bundle. A directory that
    /// holds other files is refused, not replaced; a symbolic link's target is replaced.
    public func save(to path: String) throws(BundleError) {
        let weightsData = Safetensors.encode(tensors, metadata: ["format": "vigil", "format_version": "\(requiredFormatVersion)"])
        let manifest = BundleManifest(
            formatVersion: requiredFormatVersion, vigilVersion: vigilVersion, features: features, window: window, architecture: network.architecture,
            scaler: scaler, featureMeans: featureMeans, robust: robust, seasonal: seasonal,
            neighbors: neighbors.map {
                BundleManifest.Neighbors(steps: $0.steps, meanLength: $0.meanLength, neighbors: $0.neighbors, center: $0.center, scale: $0.scale)
            }, reconstructionWeight: reconstructionWeight == 1 ? nil : reconstructionWeight, calibration: calibration, training: training,
            weightsFingerprint: Self.fingerprint(of: weightsData))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let manifestData: Data
        do {
            manifestData = try encoder.encode(manifest)
        } catch {
            throw .writeFailed(path: path, reason: "cannot encode model.json: \(error)")
        }
        try AtomicDirectory.write(
            to: path, files: [Self.manifestFileName: manifestData + Data("\n".utf8), Self.weightsFileName: weightsData])
    }
}
