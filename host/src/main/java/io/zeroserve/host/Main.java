package io.zeroserve.host;

import io.zeroserve.host.logging.Logging;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/** Starts a node: {@code java -jar zeroserve.jar [options]}; {@code --help} lists the options. */
public final class Main {

  private Main() {}

  public static void main(String[] args) {
    if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
      System.out.print(NodeOptions.help());
      return;
    }
    if (args.length == 2 && args[0].equals("--hash-token")) {
      // For tokens files: the file holds this hash, never the token.
      System.out.println(io.zeroserve.functions.store.Sha256.of(args[1].getBytes(java.nio.charset.StandardCharsets.UTF_8)));
      return;
    }
    NodeOptions options;
    try {
      options = NodeOptions.parse(args, System.getenv());
    } catch (IllegalArgumentException e) {
      System.err.println("zeroserve: " + e.getMessage());
      System.exit(2);
      return;
    }
    Logging.install(options.logFormat());
    ZeroserveNode.launch(options).onComplete(ar -> {
      if (ar.failed()) {
        System.err.println("zeroserve: failed to start: " + ar.cause().getMessage());
        ar.cause().printStackTrace();
        System.exit(1);
        return;
      }
      ZeroserveNode node = ar.result();
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          node.close().await(30, TimeUnit.SECONDS);
        } catch (Exception ignored) {
          // the JVM is going away; nothing acknowledged depends on this
        }
      }, "zeroserve-shutdown"));
    });
  }
}
