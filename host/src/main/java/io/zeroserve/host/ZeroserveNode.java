package io.zeroserve.host;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.zeroserve.examples.ExampleModels;
import io.zeroserve.functions.FunctionConfig;
import io.zeroserve.functions.FunctionRecord;
import io.zeroserve.functions.onnx.OnnxRuntime;
import io.zeroserve.functions.onnx.SessionSettings;
import io.zeroserve.functions.replica.LocalReplicas;
import io.zeroserve.functions.store.FunctionRegistry;
import io.zeroserve.host.auth.ApiTokens;
import io.zeroserve.host.control.ReplicaControlLoop;
import io.zeroserve.host.http.HttpVerticle;
import io.zeroserve.host.invoke.FunctionInvoker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * One Zeroserve node: loads the store, deploys the example functions when asked, and serves the
 * HTTP API. {@link #start} and {@link #stop} return futures; neither blocks an event loop.
 */
public final class ZeroserveNode {

  private static final Logger LOG = Logger.getLogger(ZeroserveNode.class.getName());
  private static final int STORE_THREADS = 4;
  /**
   * Batches one replica runs at once: a replica is one execution stream, like a Triton model
   * instance; more concurrency comes from more replicas, which the scaling policy adds.
   */
  private static final int REPLICA_PARALLELISM = 1;

  private final Vertx vertx;
  private final NodeOptions options;
  private NodeServices services;
  private ReplicaControlLoop controlLoop;
  private WorkerExecutor inferenceExecutor;
  private int httpPort;

  public ZeroserveNode(Vertx vertx, NodeOptions options) {
    this.vertx = vertx;
    this.options = options;
  }

  public Future<ZeroserveNode> start() {
    WorkerExecutor storeExecutor = vertx.createSharedWorkerExecutor("zs-store", STORE_THREADS, 10, TimeUnit.MINUTES);
    inferenceExecutor = vertx.createSharedWorkerExecutor("zs-inference-cpu", options.inferenceThreads(),
        10, TimeUnit.MINUTES);
    ApiTokens tokens;
    try {
      tokens = loadTokens(options);
    } catch (IOException | IllegalArgumentException e) {
      return Future.failedFuture(new IllegalArgumentException("API tokens: " + e.getMessage(), e));
    }
    return storeExecutor.executeBlocking(() -> {
          OnnxRuntime.environment(); // load the native library now, not on the first request
          FunctionRegistry registry = new FunctionRegistry(options.dataDir(), Clock.systemUTC(), options.maxFunctions());
          registry.load();
          registry.problems().forEach(p -> LOG.severe("store problem: " + p.path() + ": " + p.message()));
          return registry;
        })
        .map(registry -> {
          LocalReplicas replicas = new LocalReplicas(vertx, registry.artifacts(), inferenceExecutor,
              SessionSettings.CPU, REPLICA_PARALLELISM,
              name -> registry.find(name).map(FunctionRecord::config).orElse(FunctionConfig.DEFAULTS));
          FunctionInvoker invoker = new FunctionInvoker(registry, replicas);
          registry.onChange(invoker::onFunctionChanged);
          services = new NodeServices(options, registry, replicas, invoker, storeExecutor, new AtomicBoolean(false),
              tokens);
          controlLoop = new ReplicaControlLoop(vertx, registry, replicas, invoker);
          controlLoop.start(ReplicaControlLoop.DEFAULT_PERIOD_MS);
          return services;
        })
        .compose(s -> options.examples() ? storeExecutor.executeBlocking(this::deployExamples) : Future.succeededFuture())
        .compose(v -> {
          HttpVerticle[] first = new HttpVerticle[1];
          int instances = Math.max(1, Runtime.getRuntime().availableProcessors());
          // Port 0 would give each instance its own free port (BindException on the next); Vert.x shares one
          // free port among all servers that ask for a negative port.
          int port = options.httpPort() == 0 ? -1 : options.httpPort();
          first[0] = new HttpVerticle(services, port);
          return vertx.deployVerticle(first[0]).compose(id -> {
            httpPort = first[0].actualPort();
            return instances == 1 ? Future.succeededFuture(id)
                : vertx.deployVerticle(() -> new HttpVerticle(services, port),
                    new DeploymentOptions().setInstances(instances - 1));
          });
        })
        .map(id -> {
          services.ready().set(true);
          LOG.info("Zeroserve node serving http://" + options.httpHost() + ":" + httpPort
              + " with " + services.registry().list().size() + " functions from " + options.dataDir().toAbsolutePath());
          return this;
        });
  }

  /**
   * The node's tokens. With none, the node must listen on loopback only, unless --insecure says
   * the operator knows better; then it says so in the log.
   */
  static ApiTokens loadTokens(NodeOptions options) throws IOException {
    ApiTokens tokens = ApiTokens.NONE;
    if (options.tokensFile() != null) {
      tokens = tokens.plus(ApiTokens.fromFile(options.tokensFile()));
    }
    if (options.tokensSpec() != null && !options.tokensSpec().isBlank()) {
      tokens = tokens.plus(ApiTokens.fromSpec(options.tokensSpec()));
    }
    if (tokens.isEmpty() && !isLoopback(options.httpHost())) {
      if (!options.insecure()) {
        throw new IllegalArgumentException("refusing to listen on " + options.httpHost() + " without API tokens: "
            + "configure --tokens-file or " + NodeOptions.TOKENS_ENV + ", or pass --insecure to accept the risk");
      }
      LOG.warning("listening on " + options.httpHost() + " WITHOUT authentication (--insecure): anyone who can reach "
          + "this address can deploy, delete and invoke functions");
    }
    return tokens;
  }

  private static boolean isLoopback(String host) {
    try {
      return java.net.InetAddress.getByName(host).isLoopbackAddress();
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  /** Deploys each bundled example that the store does not have yet. */
  private Void deployExamples() {
    FunctionRegistry registry = services.registry();
    for (Map.Entry<String, byte[]> e : ExampleModels.all().entrySet()) {
      if (registry.find(e.getKey()).isPresent()) {
        continue;
      }
      Path upload = registry.artifacts().newTempFile("example");
      try {
        Files.write(upload, e.getValue());
      } catch (IOException ex) {
        throw new UncheckedIOException(ex);
      }
      registry.deploy(e.getKey(), upload, null);
      LOG.info("deployed example function " + e.getKey());
    }
    return null;
  }

  /** Stops serving: readiness goes false, replicas drain and unload. */
  public Future<Void> stop() {
    if (services == null) {
      return Future.succeededFuture();
    }
    services.ready().set(false);
    controlLoop.stop();
    return services.replicas().unloadAll();
  }

  public int httpPort() {
    return httpPort;
  }

  public NodeServices services() {
    return services;
  }
}
