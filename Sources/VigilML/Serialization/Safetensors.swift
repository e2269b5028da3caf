public import Foundation

/// A named `F32` tensor, as stored in a safetensors file.
public struct Tensor: Sendable, Equatable {
    public var shape: [Int]
    public var values: [Float]

    public init(shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not hold \(values.count) values")
        self.shape = shape
        self.values = values
    }
}

/// Reads and writes the safetensors format (`F32` tensors only): an 8-byte little-endian header
/// length, a JSON header naming each tensor's dtype, shape and byte range, then the raw data.
///
/// The layout is Hugging Face's, so Python's `safetensors` package reads what Vigil writes.
public enum Safetensors {
    /// Encodes `tensors` (written in name order) with `metadata` in `__metadata__`.
    public static func encode(_ tensors: [String: Tensor], metadata: [String: String] = [:]) -> Data {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        let names = tensors.keys.sorted()
        for name in names {
            let tensor = tensors[name]!
            let bytes = tensor.values.count * MemoryLayout<Float>.size
            header[name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [offset, offset + bytes]]
            offset += bytes
        }
        var headerData = try! JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while headerData.count % 8 != 0 { headerData.append(UInt8(ascii: " ")) }
        var data = Data(capacity: 8 + headerData.count + offset)
        withUnsafeBytes(of: UInt64(headerData.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(headerData)
        for name in names {
            for value in tensors[name]!.values {
                withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
            }
        }
        return data
    }

    /// Decodes a safetensors file's tensors and metadata, validating every offset and size.
    public static func decode(_ data: Data) throws(SafetensorsError) -> (tensors: [String: Tensor], metadata: [String: String]) {
        guard data.count >= 8 else { throw .truncated("the file has \(data.count) bytes, fewer than the 8-byte header length") }
        let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(data.count - 8) else {
            throw .truncated("the header claims \(headerLength) bytes, but only \(data.count - 8) follow")
        }
        let headerEnd = 8 + Int(headerLength)
        let headerBytes = data.subdata(in: data.startIndex + 8..<data.startIndex + headerEnd)
        guard let header = try? JSONSerialization.jsonObject(with: headerBytes) as? [String: Any] else {
            throw .invalidHeader("the header is not a JSON object")
        }
        let payload = data.count - headerEnd
        var tensors: [String: Tensor] = [:]
        var metadata: [String: String] = [:]
        // In name order, so that a damaged file is reported the same way each time.
        for (name, value) in header.sorted(by: { $0.key < $1.key }) {
            if name == "__metadata__" {
                guard let entries = value as? [String: String] else { throw .invalidHeader("__metadata__ must map strings to strings") }
                metadata = entries
                continue
            }
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                let shape = Self.wholeNumbers(entry["shape"]), let offsets = Self.wholeNumbers(entry["data_offsets"]), offsets.count == 2
            else {
                throw .invalidHeader("tensor '\(name)' needs dtype, shape and two data_offsets (whole numbers)")
            }
            guard dtype == "F32" else { throw .unsupportedType(tensor: name, dtype: dtype) }
            guard shape.allSatisfy({ $0 >= 0 }), offsets[0] >= 0, offsets[0] <= offsets[1] else {
                throw .invalidHeader("tensor '\(name)' has a negative shape or reversed offsets")
            }
            guard offsets[1] <= payload else {
                throw .truncated("tensor '\(name)' ends at byte \(offsets[1]) of the data, which has only \(payload)")
            }
            // A damaged header may hold shapes whose product does not fit in an Int.
            let (count, overflow) = shape.reduce((1, false)) { product, dimension in
                let next = product.0.multipliedReportingOverflow(by: dimension)
                return (next.partialValue, product.1 || next.overflow)
            }
            let bytes = count.multipliedReportingOverflow(by: MemoryLayout<Float>.size)
            guard !overflow, !bytes.overflow, offsets[1] - offsets[0] == bytes.partialValue else {
                throw .invalidHeader("tensor '\(name)' of shape \(shape) does not match its offsets, which span \(offsets[1] - offsets[0]) bytes")
            }
            let start = data.startIndex + headerEnd + offsets[0]
            var values = [Float](repeating: 0, count: count)
            values.withUnsafeMutableBytes { target in
                _ = data.copyBytes(to: target, from: start..<start + count * 4)
            }
            #if _endian(big)
                values = values.map { Float(bitPattern: UInt32(littleEndian: $0.bitPattern)) }
            #endif
            tensors[name] = Tensor(shape: shape, values: values)
        }
        return (tensors, metadata)
    }

    /// `value` as an array of whole numbers within Int's range, else `nil` (1.5 is no dimension).
    private static func wholeNumbers(_ value: Any?) -> [Int]? {
        guard let items = value as? [Any] else { return nil }
        var numbers: [Int] = []
        for item in items {
            guard let number = item as? NSNumber, let whole = Int(exactly: number.doubleValue) else { return nil }
            numbers.append(whole)
        }
        return numbers
    }
}

/// Why a safetensors file could not be read.
public enum SafetensorsError: Error, Equatable, CustomStringConvertible {
    case truncated(String)
    case invalidHeader(String)
    case unsupportedType(tensor: String, dtype: String)

    public var description: String {
        switch self {
        case .truncated(let detail): "truncated weights: \(detail)"
        case .invalidHeader(let detail): "corrupted weights header: \(detail)"
        case .unsupportedType(let tensor, let dtype): "tensor '\(tensor)' has dtype \(dtype); Vigil reads F32 only"
        }
    }
}
