package io.zeroserve.host.invoke;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.zeroserve.functions.FunctionException;
import io.zeroserve.functions.Reason;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Which failed forwards may run elsewhere (they never ran) and which are the caller's timeout. */
class ForwardFailureTest {

  @Test
  void aCallStillQueuedWhenTheOtherNodesConsumerIsUnregistered_comesBackAsAnEarlyTimeout_andIsRetried()
      throws Exception {
    // What a stopping node does to calls that reached its consumer but not its handler: Vert.x discards
    // them with a TIMEOUT reply, long before the caller's deadline. A paused consumer holds the call
    // there deterministically; on a stopping node it is the calls in flight when it unregisters.
    // (Vert.x 5 replies TIMEOUT only from the sender's own timer and from this discard.)
    Vertx vertx = Vertx.vertx();
    try {
      MessageConsumer<String> consumer = vertx.eventBus().consumer("calls", m -> m.reply("ran"));
      consumer.pause();
      long sent = System.nanoTime();
      Future<?> reply = vertx.eventBus().request("calls", "call", new DeliveryOptions().setSendTimeout(30_000));
      consumer.unregister().await(10, TimeUnit.SECONDS);
      Throwable cause = reply.transform(Future::succeededFuture).await(10, TimeUnit.SECONDS).cause();
      ReplyException discarded = assertInstanceOf(ReplyException.class, cause);
      assertEquals(ReplyFailure.TIMEOUT, discarded.failureType());
      assertTrue(System.nanoTime() - sent < TimeUnit.SECONDS.toNanos(10), "long before the 30 s deadline");

      long elapsed = System.nanoTime() - sent;
      assertTrue(CallRouter.beforeDeadline(elapsed, 30_000));
      assertInstanceOf(CallRouter.NodeUnreachable.class,
          CallRouter.failure("n2", discarded, CallRouter.beforeDeadline(elapsed, 30_000)),
          "never ran there: safe to run here");
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void onlyATimeoutWellBeforeTheDeadline_isTakenForADiscard() {
    long ms = 1_000_000;
    assertTrue(CallRouter.beforeDeadline(100 * ms, 1_000));
    assertTrue(CallRouter.beforeDeadline(899 * ms, 1_000));
    assertFalse(CallRouter.beforeDeadline(900 * ms, 1_000), "within the last tenth: the caller's own timer");
    assertFalse(CallRouter.beforeDeadline(1_000 * ms, 1_000));
  }

  @Test
  void aTimeoutAtTheDeadline_isTheCallersTimeout_notRetried() {
    Throwable t = CallRouter.failure("n2", new ReplyException(ReplyFailure.TIMEOUT, "timed out"), false);
    FunctionException e = assertInstanceOf(FunctionException.class, t);
    assertEquals(Reason.TIMEOUT, e.reason());
  }

  @Test
  void noHandlerThere_isRetriedHere() {
    assertInstanceOf(CallRouter.NodeUnreachable.class,
        CallRouter.failure("n2", new ReplyException(ReplyFailure.NO_HANDLERS, "none"), true));
  }
}
