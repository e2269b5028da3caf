import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// HTTP/1.0 closes the connection after each response unless the request asks to keep it
/// (RFC 9112 §9.3). The request's version is gone once Hummingbird turns HTTP/1 parts into
/// HTTPTypes ones, so this handler, put in front of that conversion, writes the default out as
/// `Connection: close`, which Hummingbird honours: a probe that reads until the connection
/// closes is not left waiting for the idle timeout. The answer says so too (`Connection:
/// close`), as a client that reads the headers expects.
final class HTTP10ConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// For each request read and not yet answered, whether its answer closes the connection
    /// (HTTP/1.0 without keep-alive). Requests on one connection are answered in order.
    private var closes: [Bool] = []

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var head) = unwrapInboundIn(data) else { return context.fireChannelRead(data) }
        let closing = head.version == .http1_0 && !head.isKeepAlive
        closes.append(closing)
        guard closing else { return context.fireChannelRead(data) }
        head.headers.replaceOrAdd(name: "connection", value: "close")
        context.fireChannelRead(wrapInboundOut(.head(head)))
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // An interim answer (100 Continue) comes before the request's own.
        guard case .head(var head) = unwrapOutboundIn(data), head.status.code >= 200, !closes.isEmpty else {
            return context.write(data, promise: promise)
        }
        if closes.removeFirst() {
            head.headers.replaceOrAdd(name: "connection", value: "close")
            context.write(wrapOutboundOut(.head(head)), promise: promise)
            return
        }
        context.write(data, promise: promise)
    }

    /// Puts an ``HTTP10ConnectionHandler`` right after the HTTP/1 request decoder when it is
    /// added: Hummingbird adds its extra handlers after the HTTPTypes conversion, where the
    /// version can no longer be read.
    /// It then takes itself out of the pipeline, where no request part need pass through it.
    /// (An inbound handler because NIO adds only inbound or outbound ones.)
    final class Installer: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPRequestPart

        func handlerAdded(context: ChannelHandlerContext) {
            let pipeline = context.pipeline.syncOperations
            if let decoder = try? pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self) {
                try? pipeline.addHandler(HTTP10ConnectionHandler(), position: .after(decoder))
            } else {
                assertionFailure("no HTTP/1 request decoder in the pipeline: HTTP/1.0 connections stay open")
            }
            pipeline.removeHandler(context: context, promise: nil)
        }
    }
}
