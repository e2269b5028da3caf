import Hummingbird
import Logging

/// Turns every error into a JSON answer: ``APIError``s as they are, Hummingbird's errors (404,
/// 413, …) in the same shape, a wrong method into 405 with `Allow`, and anything else into a
/// 500 whose cause is logged, never sent.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    /// Methods of every known path, to tell 405 from 404.
    let routes: [String: [HTTPRequest.Method]]
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return try error.response(from: request, context: context)
        } catch let error as any HTTPResponseError {
            return try translate(error, request: request).response(from: request, context: context)
        } catch {
            logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(String(reflecting: error))"])
            return try APIError(.internalServerError, code: "internal_error", message: "internal error; the server log has the details")
                .response(from: request, context: context)
        }
    }

    /// Hummingbird's and NIO's errors (`HTTPError`, `NIOTooManyBytesError`, …) in Vigil's shape.
    private func translate(_ error: any HTTPResponseError, request: Request) -> APIError {
        switch error.status {
        case .notFound:
            if let methods = routes[request.uri.path] {
                var refusal = APIError(
                    .methodNotAllowed, code: "method_not_allowed",
                    message:
                        "\(request.method.rawValue) is not allowed on \(request.uri.path); use \(methods.map(\.rawValue).joined(separator: " or "))")
                refusal.headers[.allow] = methods.map(\.rawValue).joined(separator: ", ")
                return refusal
            }
            return APIError(.notFound, code: "not_found", message: "no route \(request.method.rawValue) \(request.uri.path); see /docs")
        case .contentTooLarge:
            return APIError(.contentTooLarge, code: "body_too_large", message: "the body is larger than the limit of this server")
        default:
            return APIError(error.status, code: "http_error", message: (error as? HTTPError)?.body ?? error.status.reasonPhrase)
        }
    }
}
