package io.zeroserve.host.placement;

import io.zeroserve.cluster.ClusterState;
import io.zeroserve.cluster.DeviceInfo;
import io.zeroserve.functions.FunctionConfig;
import io.zeroserve.functions.FunctionVersion;
import io.zeroserve.functions.onnx.SessionSettings;
import io.zeroserve.functions.replica.ReplicaDevices;
import io.zeroserve.host.devices.NodeDevice;
import io.zeroserve.scheduler.DefaultDevice;
import io.zeroserve.scheduler.DeviceKind;
import io.zeroserve.scheduler.DeviceRequirement;
import io.zeroserve.scheduler.DeviceView;
import io.zeroserve.scheduler.estimate.Priors;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * This node's devices for its replicas: sessions on a real GPU get the CUDA execution provider on
 * that device; the CPU and simulated GPUs run on the CPU. Memory is reserved through the cluster, so
 * concurrent decisions on several nodes never over-commit a device. Thread-safe.
 */
public final class NodeDevices implements ReplicaDevices {

  private final Map<String, NodeDevice> devices = new LinkedHashMap<>();
  private final ClusterState cluster;
  private final Function<String, FunctionConfig> configs;
  private final Priors priors;

  public NodeDevices(List<NodeDevice> devices, ClusterState cluster, Function<String, FunctionConfig> configs,
                     Priors priors) {
    devices.forEach(d -> this.devices.put(d.deviceId(), d));
    this.cluster = cluster;
    this.configs = configs;
    this.priors = priors;
  }

  public List<NodeDevice> list() {
    return List.copyOf(devices.values());
  }

  public List<DeviceInfo> infos() {
    return devices.values().stream().map(NodeDevice::info).toList();
  }

  public NodeDevice get(String deviceId) {
    NodeDevice d = devices.get(deviceId);
    if (d == null) {
      throw new IllegalArgumentException("no device " + deviceId + " on this node");
    }
    return d;
  }

  /** Without a placement decision (warm-up, minReplicas): {@link DefaultDevice}. */
  @Override
  public String defaultDevice(String function, FunctionVersion version) {
    Map<String, Long> reserved = cluster.reservedBytes();
    String self = cluster.localNodeId();
    List<DeviceView> views = devices.values().stream()
        .map(d -> new DeviceView(self, d.deviceId(), d.kind(), d.deviceClass(), d.memoryBytes(),
            reserved.getOrDefault(DeviceView.key(self, d.deviceId()), 0L), d.parallelism(), 0, d.simulated()))
        .toList();
    return DefaultDevice.choose(DeviceRequirement.valueOf(configs.apply(function).device().name()), views);
  }

  @Override
  public SessionSettings settings(String deviceId) {
    return new SessionSettings(SessionSettings.DEFAULT_INTRA_OP_THREADS, get(deviceId).cudaDeviceId());
  }

  @Override
  public long memoryBytes(FunctionVersion version, String deviceId) {
    return memoryEstimate(priors, version.sizeBytes(), get(deviceId).kind());
  }

  /** What a replica of a model of this size reserves on a device of this kind (an estimate from its size). */
  public static long memoryEstimate(Priors priors, long modelBytes, DeviceKind kind) {
    return priors.memoryBytes(modelBytes, kind);
  }

  @Override
  public boolean reserve(String deviceId, String replicaId, long bytes) {
    String self = cluster.localNodeId();
    return cluster.reserve(self, deviceId, get(deviceId).memoryBytes(), clusterWideId(self, replicaId), bytes);
  }

  @Override
  public void release(String deviceId, String replicaId) {
    String self = cluster.localNodeId();
    cluster.release(self, deviceId, clusterWideId(self, replicaId));
  }

  /** Replica numbers count per node: the node's id makes them unique in the cluster. */
  public static String clusterWideId(String nodeId, String localReplicaId) {
    return nodeId + "/" + localReplicaId;
  }
}
