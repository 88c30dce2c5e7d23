package io.zeroserve.host.logging;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import ch.qos.logback.core.util.StatusPrinter2;
import io.zeroserve.host.NodeOptions;
import java.net.URL;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Sends every log line of the process through Logback ({@code logback.xml}): Vert.x and Hazelcast
 * log through SLF4J; our own code and ONNX Runtime's Java layer use {@code java.util.logging},
 * which is bridged. Called once by {@code Main}, before the node starts. Human lines come from
 * {@code logback.xml}, JSON lines from {@code logback-json.xml}; both include {@code logback-common.xml}.
 */
public final class Logging {

  static final String JSON_CONFIG = "logback-json.xml";

  private Logging() {}

  public static void install(NodeOptions.LogFormat format) {
    // Vert.x would find SLF4J on its own; saying so keeps it from falling back silently.
    System.setProperty("vertx.logger-delegate-factory-class-name", "io.vertx.core.logging.SLF4JLogDelegateFactory");
    // Logback configures itself from logback.xml (human lines) on first use; JSON lines replace that.
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    if (format == NodeOptions.LogFormat.JSON) {
      URL json = Logging.class.getResource("/" + JSON_CONFIG);
      if (json == null) {
        throw new IllegalStateException(JSON_CONFIG + " is missing from the class path");
      }
      context.reset();
      JoranConfigurator configurator = new JoranConfigurator();
      configurator.setContext(context);
      try {
        configurator.doConfigure(json);
      } catch (JoranException e) {
        throw new IllegalStateException(JSON_CONFIG + " is invalid: " + e.getMessage(), e);
      }
      StatusPrinter2 printer = new StatusPrinter2();
      printer.setPrintStream(System.err); // stdout carries only JSON lines
      printer.printInCaseOfErrorsOrWarnings(context);
    }
    SLF4JBridgeHandler.removeHandlersForRootLogger(); // no second, unformatted copy on stderr
    SLF4JBridgeHandler.install();
  }
}
