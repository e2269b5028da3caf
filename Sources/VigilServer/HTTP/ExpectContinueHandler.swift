import Hummingbird
import NIOCore
import NIOHTTPTypes

/// Answers `Expect: 100-continue` as soon as the request's head is read: `100 Continue`, or a
/// 413 at once when the declared `Content-Length` is over the endpoint's limit (the client then
/// sends nothing, and the connection is closed). Clients that ask (curl does for bodies over
/// 1 MiB, such as a large batch) otherwise wait a second before sending the body anyway, and a
/// body too large would be refused only after its first megabytes.
final class ExpectContinueHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundOut = HTTPResponsePart

    let limits: BodyLimits
    /// Set once a request is refused from its head: what follows on the connection is dropped.
    private var refused = false

    init(limits: BodyLimits) {
        self.limits = limits
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refused else { return }
        if case .head(let head) = unwrapInboundIn(data), head.headerFields[.expect]?.lowercased() == "100-continue" {
            let path = head.path ?? "/"
            if let declared = head.headerFields[.contentLength].flatMap({ Int($0) }), declared > limits.limit(for: path).bytes {
                // The application never sees this request; what follows on the connection is dropped.
                refused = true
                limits.tooLarge(path: path).answerAndClose(context)
                return
            }
            context.writeAndFlush(wrapOutboundOut(.head(HTTPResponse(status: .continue))), promise: nil)
        }
        context.fireChannelRead(data)
    }
}
