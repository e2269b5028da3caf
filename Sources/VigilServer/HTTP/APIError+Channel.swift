import Hummingbird
import NIOCore
import NIOHTTPTypes

extension APIError {
    /// Writes this error from a channel handler as the connection's last answer (JSON,
    /// `Connection: close`), then closes the connection: for requests refused before the
    /// application sees them.
    func answerAndClose(_ context: ChannelHandlerContext) {
        let body = self.body
        var head = HTTPResponse(status: status)
        head.headerFields[.contentType] = "application/json"
        head.headerFields[.contentLength] = String(body.utf8.count)
        head.headerFields[.connection] = "close"
        context.write(NIOAny(HTTPResponsePart.head(head)), promise: nil)
        context.write(NIOAny(HTTPResponsePart.body(ByteBuffer(string: body))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(NIOAny(HTTPResponsePart.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
}
