import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1

/// Turns every error into a JSON answer: ``APIError``s as they are, Hummingbird's errors (404,
/// 413, …) in the same shape, a wrong method into 405 with `Allow`, and anything else into a
/// 500 whose cause is logged, never sent.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    /// Methods of every known path, to tell 405 from 404.
    let routes: [String: [HTTPRequest.Method]]
    /// The body limits, to name the one a 413 hit.
    let limits: BodyLimits
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return try error.response(from: request, context: context)
        } catch let error as any HTTPResponseError {
            return try translate(error, request: request).response(from: request, context: context)
        } catch let error where Self.isConnectionLost(error) {
            // The client's doing (a body cut short when its connection went quiet and was closed,
            // or a connection reset mid-body): nobody is left to answer, and it is no server error.
            logger.info("request ended early", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            throw error
        } catch let error as CancellationError {
            // The shutdown's time ran out while this request was still coming in (or running).
            logger.info("request cut short by the shutdown", metadata: ["path": "\(request.uri.path)"])
            throw error
        } catch {
            logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(String(reflecting: error))"])
            return try APIError(.internalServerError, code: "internal_error", message: "internal error; the server log has the details")
                .response(from: request, context: context)
        }
    }

    /// Whether `error` says the client's connection went away while its request came in.
    static func isConnectionLost(_ error: any Error) -> Bool {
        switch error {
        case is HTTPParserError: true
        case let error as IOError: [ECONNRESET, EPIPE, ECONNABORTED, ETIMEDOUT].contains(error.errnoCode)
        case let error as ChannelError: error == .ioOnClosedChannel || error == .eof || error == .inputClosed || error == .outputClosed
        default: false
        }
    }

    /// Hummingbird's and NIO's errors (`HTTPError`, `NIOTooManyBytesError`, …) in Vigil's shape.
    private func translate(_ error: any HTTPResponseError, request: Request) -> APIError {
        switch error.status {
        case .notFound:
            if let methods = routes[RoutePath.normalized(request.uri.path)] {
                var refusal = APIError(
                    .methodNotAllowed, code: "method_not_allowed",
                    message:
                        "\(request.method.rawValue) is not allowed on \(request.uri.path); use \(methods.map(\.rawValue).joined(separator: " or "))")
                refusal.headers[.allow] = methods.map(\.rawValue).joined(separator: ", ")
                return refusal
            }
            return APIError(.notFound, code: "not_found", message: "no route \(request.method.rawValue) \(request.uri.path); see /docs")
        case .contentTooLarge:
            return limits.tooLarge(path: request.uri.path)
        default:
            return APIError(error.status, code: "http_error", message: (error as? HTTPError)?.body ?? error.status.reasonPhrase)
        }
    }
}
