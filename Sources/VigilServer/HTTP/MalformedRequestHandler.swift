import Hummingbird
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Answers a request that is not valid HTTP/1.1 (two `Content-Length`s, a bad method or header,
/// a URL too long) with a JSON 400 that says so, like every other refusal, then closes the
/// connection. Hummingbird would answer with an empty 400.
///
/// Only when every request read so far has been answered in full: otherwise (a broken body
/// mid-request, a bad request pipelined behind one still being answered) the error goes on to
/// Hummingbird, which answers it in order, after what it is writing.
final class MalformedRequestHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// Request heads read, and responses whose end has been written.
    private var requests = 0
    private var answered = 0

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) { requests += 1 }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { answered += 1 }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let error = error as? HTTPParserError, requests == answered else {
            context.fireErrorCaught(error)
            return
        }
        APIError(.badRequest, code: "malformed_request", message: "the request is not valid HTTP/1.1 (\(error)); the connection is closed")
            .answerAndClose(context)
    }
}
