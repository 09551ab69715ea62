// Closes a connection whose client has hung up, so the request it was waiting for stops and frees its worker.
import NIOCore

/// Hummingbird allows remote half-closure, so a client that goes away (its end of the socket closed) leaves the
/// connection open and its request decoding to the end. An HTTP/1 client does not half-close while it waits for an
/// answer, so the end of its input means it is gone: closing the channel fires `closeFuture`, which cancels the
/// request's work (`Workers.run`).
final class HangUpDetector: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    /// Parts pass through untouched; only the input-closed event is looked at.
    typealias InboundIn = Never

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed { context.close(promise: nil) }
        context.fireUserInboundEventTriggered(event)
    }
}
