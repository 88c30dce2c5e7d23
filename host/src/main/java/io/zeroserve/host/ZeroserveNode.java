package io.zeroserve.host;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.WorkerExecutor;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PfxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import io.zeroserve.cluster.ClusterState;
import io.zeroserve.cluster.NodeInfo;
import io.zeroserve.cluster.ReplicaLocation;
import io.zeroserve.cluster.hazelcast.HazelcastClusterState;
import io.zeroserve.cluster.hazelcast.HazelcastConfigs;
import io.zeroserve.cluster.local.InMemoryCluster;
import io.zeroserve.examples.ExampleModels;
import io.zeroserve.functions.FunctionConfig;
import io.zeroserve.functions.FunctionRecord;
import io.zeroserve.functions.FunctionVersion;
import io.zeroserve.functions.onnx.OnnxRuntime;
import io.zeroserve.functions.onnx.SessionSettings;
import io.zeroserve.functions.replica.LocalReplicas;
import io.zeroserve.functions.replica.ReplicaState;
import io.zeroserve.functions.store.FunctionRegistry;
import io.zeroserve.functions.store.StoreLimits;
import io.zeroserve.host.auth.ApiTokens;
import io.zeroserve.host.cluster.ArtifactPeers;
import io.zeroserve.host.cluster.ClusterReplication;
import io.zeroserve.host.cluster.PeerTls;
import io.zeroserve.host.control.ReplicaControlLoop;
import io.zeroserve.host.http.HttpVerticle;
import io.zeroserve.host.invoke.CallRouter;
import io.zeroserve.host.invoke.FunctionInvoker;
import io.zeroserve.host.invoke.LocalCalls;
import io.zeroserve.host.metrics.NodeMetrics;
import io.zeroserve.host.devices.DeviceInventory;
import io.zeroserve.host.devices.NodeDevice;
import io.zeroserve.host.placement.EstimateRecorder;
import io.zeroserve.host.placement.NodeDevices;
import io.zeroserve.host.placement.Placements;
import io.zeroserve.host.placement.ReplicaPublisher;
import io.zeroserve.scheduler.estimate.Priors;
import io.zeroserve.host.stats.ClusterStatistics;
import io.zeroserve.host.stats.InferenceStatistics;
import io.zeroserve.functions.replica.ReplicaMetrics;
import io.zeroserve.host.invoke.CallMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.function.Supplier;
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
  private static final int LOAD_THREADS = 4;
  /**
   * Batches one replica runs at once: a replica is one execution stream, like a Triton model
   * instance; more concurrency comes from more replicas, which the scaling policy adds.
   */
  private static final int REPLICA_PARALLELISM = 1;

  /** How often a node repairs what cluster listeners may have missed. */
  private static final long RECONCILE_PERIOD_MS = 5_000;

  private final Vertx vertx;
  private final NodeOptions options;
  private final ClusterState cluster;
  private final boolean ownsVertx;
  private final NodeMetrics metrics;
  private final InferenceStatistics statistics = new InferenceStatistics();
  private ClusterStatistics clusterStatistics;
  private long metricsTimer = -1;
  private long publishTimer = -1;
  private java.util.List<NodeDevice> nodeDevices;
  private NodeDevices devices;
  private Placements placements;
  private ReplicaPublisher publisher;
  private NodeServices services;
  private CallRouter calls;
  private long reconcileTimer = -1;
  /** The member id this node last registered under; Hazelcast gives a new one after a split brain heals. */
  private volatile String registeredAs;
  private ReplicaControlLoop controlLoop;
  private WorkerExecutor inferenceExecutor;
  private int httpPort;

  private ZeroserveNode(Vertx vertx, NodeOptions options, ClusterState cluster, boolean ownsVertx,
                        PrometheusMeterRegistry registry) {
    this.vertx = vertx;
    this.options = options;
    this.cluster = cluster;
    this.ownsVertx = ownsVertx;
    this.metrics = new NodeMetrics(registry);
  }

  /**
   * A node alone on a Vert.x without a cluster manager, sharing state with nobody: for tests of one
   * node's HTTP behaviour. Real nodes, alone or not, start with {@link #launch}.
   */
  public ZeroserveNode(Vertx vertx, NodeOptions options) {
    this(vertx, options, new InMemoryCluster().join(), false, NodeMetrics.newRegistry());
  }

  /**
   * Starts a node the way {@code Main} does: a Hazelcast member joining the cluster in the options
   * (alone if it names no other member), a clustered Vert.x over it, then the node. {@link #close}
   * undoes all of it.
   */
  public static Future<ZeroserveNode> launch(NodeOptions options) {
    HazelcastClusterManager manager = new HazelcastClusterManager(HazelcastConfigs.forNode(options.cluster()));
    PrometheusMeterRegistry registry = NodeMetrics.newRegistry();
    VertxOptions vertxOptions = new VertxOptions()
        .setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true))
        // Model loads and fsyncs run on workers and may take a while; warn only when they are really stuck.
        .setMaxWorkerExecuteTime(10).setMaxWorkerExecuteTimeUnit(TimeUnit.MINUTES)
        .setEventBusOptions(eventBusOptions(options));
    return Vertx.builder().with(vertxOptions).withClusterManager(manager)
        .withMetrics(new MicrometerMetricsFactory(registry)).buildClustered().compose(vertx -> {
      ZeroserveNode node = new ZeroserveNode(vertx, options,
          new HazelcastClusterState(manager.getHazelcastInstance()), true, registry);
      // As in close(): the failure must not be delivered on a context that closes with Vert.x,
      // or Main never hears of it and the process exits 0 without a reason.
      Promise<ZeroserveNode> started = Promise.promise();
      node.start().onComplete(ar -> {
        if (ar.succeeded()) {
          started.complete(node);
        } else {
          new Thread(() -> vertx.close().onComplete(closed -> started.fail(ar.cause())), "zeroserve-close").start();
        }
      });
      return started.future();
    });
  }

  /**
   * The event bus listens on the cluster interface; with a cluster key store it runs over TLS, each
   * node presenting the store's key and trusting its certificates, client certificates required: a
   * process without the store can neither send to a node nor receive from one.
   */
  static EventBusOptions eventBusOptions(NodeOptions options) {
    EventBusOptions eventBus = new EventBusOptions().setHost(options.cluster().clusterHost()).setPort(0);
    if (options.tls().clusterTls()) {
      PfxOptions store = new PfxOptions().setPath(options.tls().clusterKeystore().toString())
          .setPassword(options.tls().clusterKeystorePassword());
      eventBus.setSsl(true).setKeyCertOptions(store).setTrustOptions(store).setClientAuth(ClientAuth.REQUIRED);
    }
    return eventBus;
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
          nodeDevices = DeviceInventory.resolve(options.devices(), options.inferenceThreads(),
              OnnxRuntime.cudaAvailable(), DeviceInventory.nvidiaSmi(), (key, value) -> NodeOptions.size(key, value, 0));
          nodeDevices.forEach(d -> LOG.info("device " + d.deviceId() + ": " + d.name() + ", "
              + (d.memoryBytes() >> 20) + " MiB" + (d.simulated() ? " (SIMULATED: runs on the CPU)" : "")));
          FunctionRegistry registry = new FunctionRegistry(options.dataDir(), Clock.systemUTC(),
              new StoreLimits(options.maxFunctions(), options.maxVersions(),
                  options.decodeLimits().maxElementsPerTensor(), options.decodeLimits().maxBytesPerTensor()),
              new ClusterReplication(cluster));
          registry.load();
          registry.problems().forEach(p -> LOG.severe("store problem: " + p.path() + ": " + p.message()));
          return registry;
        })
        .map(registry -> {
          WorkerExecutor clusterExecutor = vertx.createSharedWorkerExecutor("zs-cluster", 1);
          // Transfers have their own threads: a peer's fetch for our deploy must never queue behind
          // that deploy on a full store pool (two nodes deploying at once would wait on each other).
          WorkerExecutor fetchExecutor = vertx.createSharedWorkerExecutor("zs-artifact-fetch", 2, 10, TimeUnit.MINUTES);
          ArtifactPeers peers = new ArtifactPeers(vertx, cluster, registry.artifacts(), fetchExecutor,
              options.tls().https() ? PeerTls.context(options.tls().certFile()) : null, options.clusterSecret());
          registry.beforeRecordSaved(peers::replicate);
          java.util.function.Function<String, FunctionConfig> configs =
              name -> registry.find(name).map(FunctionRecord::config).orElse(FunctionConfig.DEFAULTS);
          devices = new NodeDevices(nodeDevices, cluster, configs, Priors.DEFAULT);
          // Loads get threads of their own: they must not wait behind inference, nor inference behind them.
          WorkerExecutor loadExecutor = vertx.createSharedWorkerExecutor("zs-load", LOAD_THREADS, 10, TimeUnit.MINUTES);
          LocalReplicas replicas = new LocalReplicas(vertx, peers::verifiedArtifact, inferenceExecutor, loadExecutor,
              devices, REPLICA_PARALLELISM, configs);
          placements = new Placements(cluster, replicas, devices, REPLICA_PARALLELISM);
          publisher = new ReplicaPublisher(cluster, replicas);
          FunctionInvoker invoker = new FunctionInvoker(registry, replicas);
          registry.onChange(invoker::onFunctionChanged);
          calls = new CallRouter(vertx, cluster, registry, invoker, replicas, new LocalCalls(invoker, options.decodeLimits()),
              placements, CallMetrics.both(metrics, statistics), storeExecutor);
          clusterStatistics = new ClusterStatistics(vertx, cluster, statistics, ClusterStatistics.DEFAULT_TIMEOUT_MS);
          services = new NodeServices(options, registry, replicas, invoker, storeExecutor, new AtomicBoolean(false),
              tokens, calls, peers, metrics, cluster, placements, clusterStatistics);
          EstimateRecorder estimates = new EstimateRecorder(devices::get, id -> registry.find(id.function())
              .flatMap(f -> f.version(id.version())).map(FunctionVersion::sizeBytes).orElse(-1L), Priors.DEFAULT);
          replicas.metrics(ReplicaMetrics.both(ReplicaMetrics.both(metrics, statistics), estimates));
          metrics.bind(replicas);
          metricsTimer = vertx.setPeriodic(1_000, t -> {
            metrics.refresh(replicas, registry);
            metrics.refreshDevices(cluster.localNodeId(), nodeDevices, cluster.reservedBytes());
            estimates.flush(cluster);
            statistics.retain((function, version) ->
                registry.find(function).flatMap(f -> f.version(version)).isPresent());
          });
          publishReplicas(replicas, clusterExecutor);
          // Records other nodes change reach this node's disk and cache; listeners are hints, so a
          // periodic pass re-reads everything and repairs what a lost event missed.
          cluster.onDocChanged(doc -> storeExecutor.executeBlocking(() -> {
            registry.applyShared(ClusterReplication.shared(doc));
            return null;
          }, false));
          AtomicBoolean reconciling = new AtomicBoolean();
          AtomicBoolean pulling = new AtomicBoolean();
          reconcileTimer = vertx.setPeriodic(RECONCILE_PERIOD_MS, t -> {
            if (reconciling.compareAndSet(false, true)) { // a slow pass is skipped, not queued behind
              clusterExecutor.executeBlocking(() -> {
                stayRegistered(peers);
                cluster.reconcile();
                cluster.all().forEach(doc -> registry.applyShared(ClusterReplication.shared(doc)));
                publisher.publish(true);
                return null;
              }, false).onComplete(ar -> reconciling.set(false));
            }
            if (pulling.compareAndSet(false, true)) {
              fetchExecutor.executeBlocking(() -> pullMissingArtifacts(registry, peers), false)
                  .onComplete(ar -> pulling.set(false));
            }
          });
          peers.start();
          controlLoop = new ReplicaControlLoop(vertx, registry, replicas, invoker);
          controlLoop.start(ReplicaControlLoop.DEFAULT_PERIOD_MS);
          return services;
        })
        .compose(s -> calls.start())
        .compose(v -> clusterStatistics.rebind())
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
        .compose(id -> storeExecutor.executeBlocking(() -> {
          cluster.registerNode(new NodeInfo(cluster.localNodeId(), advertisedHttpHost(), httpPort,
              System.currentTimeMillis(), false).withDevices(devices.infos()));
          registeredAs = cluster.localNodeId();
          return id;
        }))
        .map(id -> {
          services.ready().set(true);
          LOG.info("Zeroserve node serving " + (options.tls().https() ? "https" : "http") + "://" + options.httpHost() + ":" + httpPort
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
    if (!tokens.isEmpty() && options.clusterSecret() == null) {
      LOG.warning("API tokens are on but " + NodeOptions.CLUSTER_SECRET_ENV + " is not set: other nodes cannot "
          + "fetch models from this node (set the same secret on every node of a cluster)");
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
    for (Map.Entry<String, Supplier<byte[]>> e : ExampleModels.generators().entrySet()) {
      if (registry.find(e.getKey()).isPresent()) {
        continue; // not generated at all: a restart with --examples costs nothing
      }
      Path upload = registry.artifacts().newTempFile("example");
      try {
        Files.write(upload, e.getValue().get());
      } catch (IOException ex) {
        throw new UncheckedIOException(ex);
      }
      registry.deploy(e.getKey(), upload, null);
      LOG.info("deployed example function " + e.getKey());
    }
    return null;
  }

  /**
   * Copies every artifact this node's records name but its store lacks. Every node then holds every
   * version, so a model outlives any one node, including one deployed while its node was alone;
   * disk is traded for that. A deploy itself waits only for the first copy elsewhere.
   */
  private static Void pullMissingArtifacts(FunctionRegistry registry, ArtifactPeers peers) {
    for (FunctionRecord f : registry.list()) {
      for (FunctionVersion v : f.versions()) {
        if (!registry.artifacts().contains(v.sha256())) {
          try {
            peers.verifiedArtifact(v.sha256());
          } catch (RuntimeException e) {
            LOG.fine("cannot copy " + f.name() + " v" + v.version() + " here yet: " + e.getMessage());
          }
        }
      }
    }
    return null;
  }

  /**
   * The replica directory follows this node's replicas: at once when one becomes READY or stops, and
   * every control period for loads and LOADING ones. One pass at a time; a slow one is skipped, not queued.
   */
  private void publishReplicas(LocalReplicas replicas, WorkerExecutor clusterExecutor) {
    AtomicBoolean publishing = new AtomicBoolean();
    Runnable pass = () -> {
      if (publishing.compareAndSet(false, true)) {
        clusterExecutor.executeBlocking(() -> {
          publisher.publish(false);
          return null;
        }, false).onComplete(ar -> publishing.set(false));
      }
    };
    replicas.onRoutingChange((id, routable) -> pass.run());
    publishTimer = vertx.setPeriodic(ReplicaControlLoop.DEFAULT_PERIOD_MS, t -> pass.run());
  }

  /**
   * Keeps this node findable: after a split brain heals the member has a new id and the survivors
   * have removed the old one's entries, so it listens and registers again under the new id (its
   * replicas follow in {@link #repairReplicaDirectory}). Blocking; runs on the cluster executor.
   */
  private void stayRegistered(ArtifactPeers peers) {
    String self = cluster.localNodeId();
    if (registeredAs == null || services == null || !services.ready().get()) {
      return; // not registered yet, or leaving: nothing to keep
    }
    if (!self.equals(registeredAs)) {
      LOG.warning("this node's cluster id changed from " + registeredAs + " to " + self + "; registering again");
      registeredAs = self;
      vertx.runOnContext(v -> {
        calls.rebind();
        peers.rebind();
        clusterStatistics.rebind();
      });
    }
    if (cluster.nodes().stream().noneMatch(n -> n.nodeId().equals(self))) {
      cluster.registerNode(new NodeInfo(self, advertisedHttpHost(), httpPort, System.currentTimeMillis(), false)
          .withDevices(devices.infos()));
    }
  }

  /** Where peers reach this node's HTTP API: a wildcard bind address is no address to fetch from. */
  private String advertisedHttpHost() {
    String host = options.httpHost();
    boolean wildcard = host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
    return wildcard ? options.cluster().clusterHost() : host;
  }

  /** Stops serving: readiness goes false, other nodes stop routing here, replicas drain and unload. */
  public Future<Void> stop() {
    if (services == null) {
      return Future.succeededFuture();
    }
    services.ready().set(false);
    controlLoop.stop();
    vertx.cancelTimer(reconcileTimer);
    vertx.cancelTimer(metricsTimer);
    vertx.cancelTimer(publishTimer);
    return services.storeExecutor().executeBlocking(() -> {
          cluster.markLeaving(cluster.localNodeId());
          return null;
        }, false)
        .transform(ignored -> calls.stop())
        .transform(ignored -> clusterStatistics.stop())
        .transform(ignored -> services.replicas().unloadAll());
  }

  /** Stops the node, then leaves the cluster and closes Vert.x when this node started them. */
  public Future<Void> close() {
    if (!ownsVertx) {
      return stop();
    }
    // Vert.x delivers a future's result on the context that asked, and this Vert.x is closing with
    // its contexts: close it from a plain thread and complete a context-free promise there.
    Promise<Void> closed = Promise.promise();
    stop().onComplete(stopped -> new Thread(() -> vertx.close().onComplete(ar -> closed.handle(ar)),
        "zeroserve-close").start());
    return closed.future();
  }

  public String nodeId() {
    return cluster.localNodeId();
  }

  public ClusterState cluster() {
    return cluster;
  }

  public int httpPort() {
    return httpPort;
  }

  public NodeServices services() {
    return services;
  }

  public Placements placements() {
    return placements;
  }

  public NodeDevices devices() {
    return devices;
  }
}
