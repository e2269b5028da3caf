import Foundation
import Testing
import VigilML

@Suite struct SafetensorsTests {
    @Test func roundTripIsBitExact() throws {
        let tensors = [
            "a": Tensor(shape: [2, 3], values: [1, -2, 3.25, .leastNonzeroMagnitude, 5, -0.0]),
            "b": Tensor(shape: [1], values: [7]),
        ]
        let data = Safetensors.encode(tensors, metadata: ["format": "vigil"])
        #expect(data.count % 4 == 0)
        let decoded = try Safetensors.decode(data)
        #expect(decoded.metadata == ["format": "vigil"])
        #expect(decoded.tensors["a"]!.values.map(\.bitPattern) == tensors["a"]!.values.map(\.bitPattern))
        #expect(decoded.tensors["b"] == tensors["b"])
    }

    @Test func truncatedAndCorruptedFilesAreRejected() {
        let data = Safetensors.encode(["a": Tensor(shape: [4], values: [1, 2, 3, 4])])
        #expect(throws: SafetensorsError.self) { try Safetensors.decode(data.prefix(5)) }
        #expect {
            try Safetensors.decode(data.dropLast(4))
        } throws: { error in
            if case .truncated = error as? SafetensorsError { true } else { false }
        }
        var corrupted = data
        corrupted[9] = UInt8(ascii: "#")
        #expect {
            try Safetensors.decode(corrupted)
        } throws: { error in
            if case .invalidHeader = error as? SafetensorsError { true } else { false }
        }
    }

    /// A header whose shape overflows or is not whole numbers is an error, not a crash.
    @Test func impossibleShapesAreRejected() {
        func file(header: String) -> Data {
            var length = UInt64(header.utf8.count).littleEndian
            return Data(bytes: &length, count: 8) + Data(header.utf8) + Data(count: 16)
        }
        for shape in ["[4294967296, 4294967296]", "[9223372036854775807, 2]", "[1.5]", "[\"4\"]", "[1e30]"] {
            #expect(throws: SafetensorsError.self, "shape \(shape)") {
                try Safetensors.decode(file(header: #"{"a": {"dtype": "F32", "shape": "# + shape + #", "data_offsets": [0, 16]}}"#))
            }
        }
        #expect(throws: Never.self) {
            try Safetensors.decode(file(header: #"{"a": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}}"#))
        }
    }
}
