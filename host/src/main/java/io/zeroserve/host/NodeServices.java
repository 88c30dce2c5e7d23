package io.zeroserve.host;

import io.vertx.core.WorkerExecutor;
import io.zeroserve.cluster.ClusterState;
import io.zeroserve.functions.replica.LocalReplicas;
import io.zeroserve.functions.store.FunctionRegistry;
import io.zeroserve.host.auth.ApiTokens;
import io.zeroserve.host.cluster.ArtifactPeers;
import io.zeroserve.host.invoke.CallRouter;
import io.zeroserve.host.metrics.NodeMetrics;
import io.zeroserve.host.invoke.FunctionInvoker;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What the HTTP API works with, built once per node by {@link ZeroserveNode}. All members are
 * thread-safe and shared by every HTTP verticle instance.
 *
 * @param storeExecutor runs store work (fsync, hashing, model checks) off the event loops
 * @param ready true once the store is loaded and the node serves; false again while it shuts down
 * @param tokens the API tokens; empty means no authentication (loopback only)
 * @param calls places each inference call on this node or another
 * @param artifactPeers moves model files between nodes
 * @param metrics the node's meters, scraped at /metrics
 * @param cluster the state this node shares with the others (nodes, replica directory)
 */
public record NodeServices(NodeOptions options, FunctionRegistry registry, LocalReplicas replicas,
                           FunctionInvoker invoker, WorkerExecutor storeExecutor, AtomicBoolean ready,
                           ApiTokens tokens, CallRouter calls, ArtifactPeers artifactPeers, NodeMetrics metrics,
                           ClusterState cluster) {}
