package io.zeroserve.cluster.hazelcast;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.KubernetesConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.spi.properties.ClusterProperty;
import io.zeroserve.cluster.ClusterOptions;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** Builds the Hazelcast configuration of a Zeroserve member. */
public final class HazelcastConfigs {

  /** Seconds between heartbeats; {@link ClusterOptions#maxNoHeartbeatSeconds()} counts in these. */
  public static final int HEARTBEAT_INTERVAL_SECONDS = 1;

  /**
   * Seconds before a member first looks for other clusters with the same name to merge with, and
   * between looks. Hazelcast waits 300 and 120: two nodes that started apart (each listing the other,
   * which was not up yet) would stay two clusters for five minutes.
   */
  public static final int MERGE_RUN_DELAY_SECONDS = 10;

  private HazelcastConfigs() {
  }

  /**
   * The configuration of one member: TCP/IP join on the listed members only, or Kubernetes discovery
   * when the options say so (never multicast or auto-detection), bound to {@code clusterHost} alone on exactly {@code clusterPort}, fast join and
   * failure detection, no phone-home, no shutdown hook (the host shuts the member down itself), SLF4J
   * logging, the maps of {@link ClusterMaps} and the serializers of this module. Log levels belong to
   * the logging configuration (the host's {@code logback.xml} keeps {@code com.hazelcast} at WARN).
   *
   * @throws IllegalArgumentException if {@code clusterHost} does not resolve
   */
  public static Config forNode(ClusterOptions options) {
    String address = resolve(options.clusterHost());

    Config config = new Config();
    config.setClusterName(options.clusterName());

    NetworkConfig network = config.getNetworkConfig();
    // Port 0 lets the operating system pick; the member then advertises the port it got.
    network.setPort(options.clusterPort()).setPortAutoIncrement(false);
    network.getInterfaces().setEnabled(true).addInterface(address);
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    if (options.discovery() == ClusterOptions.Discovery.KUBERNETES) {
      join.getTcpIpConfig().setEnabled(false);
      KubernetesConfig kubernetes = join.getKubernetesConfig().setEnabled(true);
      ClusterOptions.Kubernetes where = options.kubernetes();
      if (where.serviceDns() != null) {
        // DNS lookup of a headless service: no API access needed. Members listen on the same port.
        kubernetes.setProperty("service-dns", where.serviceDns());
        kubernetes.setProperty("service-port", String.valueOf(options.clusterPort()));
      } else {
        kubernetes.setProperty("service-name", where.serviceName());
        if (where.namespace() != null) {
          kubernetes.setProperty("namespace", where.namespace());
        }
      }
    } else {
      join.getTcpIpConfig().setEnabled(true).setMembers(options.join());
    }

    // Bind and advertise exactly clusterHost, never every interface.
    config.setProperty("hazelcast.local.localAddress", address);
    config.setProperty(ClusterProperty.SOCKET_BIND_ANY.getName(), "false");
    // No 5 s pause before joining: the join list is explicit.
    config.setProperty(ClusterProperty.WAIT_SECONDS_BEFORE_JOIN.getName(), "0");
    config.setProperty(ClusterProperty.HEARTBEAT_INTERVAL_SECONDS.getName(),
        String.valueOf(HEARTBEAT_INTERVAL_SECONDS));
    config.setProperty(ClusterProperty.MAX_NO_HEARTBEAT_SECONDS.getName(),
        String.valueOf(options.maxNoHeartbeatSeconds()));
    config.setProperty(ClusterProperty.MERGE_FIRST_RUN_DELAY_SECONDS.getName(),
        String.valueOf(MERGE_RUN_DELAY_SECONDS));
    config.setProperty(ClusterProperty.MERGE_NEXT_RUN_DELAY_SECONDS.getName(),
        String.valueOf(MERGE_RUN_DELAY_SECONDS));
    config.setProperty(ClusterProperty.PHONE_HOME_ENABLED.getName(), "false");
    config.setProperty(ClusterProperty.SHUTDOWNHOOK_ENABLED.getName(), "false");
    config.setProperty(ClusterProperty.LOGGING_TYPE.getName(), "slf4j");

    ClusterMaps.configure(config);
    ClusterSerializers.register(config);
    return config;
  }

  private static String resolve(String host) {
    try {
      return InetAddress.getByName(host).getHostAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("clusterHost must resolve to an address, was: " + host, e);
    }
  }
}
