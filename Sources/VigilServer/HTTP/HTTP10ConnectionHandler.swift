import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// HTTP/1.0 closes the connection after each response unless the request asks to keep it
/// (RFC 9112 §9.3). The request's version is gone once Hummingbird turns HTTP/1 parts into
/// HTTPTypes ones, so this handler, put in front of that conversion, writes the default out as
/// `Connection: close`, which Hummingbird honours: a probe that reads until the connection
/// closes is not left waiting for the idle timeout. The answer says what happens to the
/// connection, as an HTTP/1.0 client reads it: `Connection: close`, or `Connection:
/// keep-alive` when the request asked to keep it and the server does (`ab -k` reuses a
/// connection only then). A connection whose first request is HTTP/1.1 loses the handler at
/// once: clients do not change versions on a connection.
final class HTTP10ConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// For each request read and not yet answered, what its answer's `Connection` header says
    /// (`nil`: nothing added, HTTP/1.1). Requests on one connection are answered in order.
    private var connections: [String?] = []

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var head) = unwrapInboundIn(data) else { return context.fireChannelRead(data) }
        guard head.version == .http1_0 else {
            guard connections.isEmpty else {
                connections.append(nil)
                return context.fireChannelRead(data)
            }
            // An HTTP/1.1 client with nothing pending: it speaks 1.1 on this connection from now
            // on, so the handler leaves, and no answer on it passes through one more handler.
            context.fireChannelRead(data)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            return
        }
        let keepAlive = head.isKeepAlive
        connections.append(keepAlive ? "keep-alive" : "close")
        guard !keepAlive else { return context.fireChannelRead(data) }
        head.headers.replaceOrAdd(name: "connection", value: "close")
        context.fireChannelRead(wrapInboundOut(.head(head)))
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // An interim answer (100 Continue) comes before the request's own.
        guard case .head(var head) = unwrapOutboundIn(data), head.status.code >= 200, !connections.isEmpty,
            let connection = connections.removeFirst()
        else {
            return context.write(data, promise: promise)
        }
        // A server that closes anyway (shutting down, an error) says so, whatever was asked.
        if connection == "close" || !head.headers[canonicalForm: "connection"].contains(where: { $0.lowercased() == "close" }) {
            head.headers.replaceOrAdd(name: "connection", value: connection)
        }
        context.write(wrapOutboundOut(.head(head)), promise: promise)
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
