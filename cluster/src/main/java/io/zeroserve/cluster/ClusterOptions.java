package io.zeroserve.cluster;

import static io.zeroserve.cluster.Checks.check;
import static io.zeroserve.cluster.Checks.notBlank;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How a node joins its cluster. Immutable; the constructor validates and throws
 * {@link IllegalArgumentException} naming the key, the rule and the value.
 *
 * @param clusterName members only join members with the same name
 * @param clusterHost the address this member binds and advertises; other members must reach it, so a
 *     wildcard address is refused
 * @param clusterPort the port this member binds, exactly (no auto-increment); 0 picks a free one (tests)
 * @param join addresses ({@code host:port}) of members to join; empty: start alone or wait to be joined.
 *     Listing this member's own address is harmless
 * @param maxNoHeartbeatSeconds seconds without a heartbeat (sent every second) after which a member is
 *     dropped; a killed process is noticed sooner, when its connections close
 * @param discovery how members find each other: {@link Discovery#TCP} (the {@code join} list) or
 *     {@link Discovery#KUBERNETES} (Hazelcast's Kubernetes discovery; {@code join} must then be empty)
 * @param kubernetes where Kubernetes discovery looks; null with TCP discovery
 */
public record ClusterOptions(String clusterName, String clusterHost, int clusterPort, List<String> join,
                             int maxNoHeartbeatSeconds, Discovery discovery, Kubernetes kubernetes) {

  /** How members find each other. */
  public enum Discovery { TCP, KUBERNETES }

  /**
   * Where Hazelcast's Kubernetes discovery looks for members. With {@code serviceDns} it resolves that
   * (headless) service's DNS name and needs no API access; otherwise it asks the Kubernetes API for
   * the endpoints of {@code serviceName} in {@code namespace} (the pod's own namespace when null),
   * which needs RBAC to read endpoints. One of {@code serviceDns} and {@code serviceName} is required.
   */
  public record Kubernetes(String serviceDns, String namespace, String serviceName) {

    public Kubernetes {
      serviceDns = blankToNull(serviceDns);
      namespace = blankToNull(namespace);
      serviceName = blankToNull(serviceName);
      check("k8s-service-dns", serviceDns != null || serviceName != null,
          "be set, or k8s-service-name must be, for Kubernetes discovery", "none");
      check("k8s-service-dns", serviceDns == null || serviceName == null,
          "not be set together with k8s-service-name (DNS lookup and API lookup are two modes)", serviceDns);
    }

    private static String blankToNull(String s) {
      return s == null || s.isBlank() ? null : s.trim();
    }
  }

  /** TCP discovery over {@code join}: the form every caller used before Kubernetes discovery. */
  public ClusterOptions(String clusterName, String clusterHost, int clusterPort, List<String> join,
                        int maxNoHeartbeatSeconds) {
    this(clusterName, clusterHost, clusterPort, join, maxNoHeartbeatSeconds, Discovery.TCP, null);
  }

  public static final String DEFAULT_CLUSTER_NAME = "zeroserve";
  public static final String DEFAULT_CLUSTER_HOST = "127.0.0.1";
  public static final int DEFAULT_CLUSTER_PORT = 5701;
  public static final List<String> DEFAULT_JOIN = List.of();
  public static final int DEFAULT_MAX_NO_HEARTBEAT_SECONDS = 5;

  /** The keys {@link #fromMap} accepts: the component names. */
  public static final Set<String> KEYS =
      Set.of("clusterName", "clusterHost", "clusterPort", "join", "maxNoHeartbeatSeconds");

  private static final Set<String> WILDCARDS = Set.of("0.0.0.0", "::", "[::]", "0:0:0:0:0:0:0:0");

  public ClusterOptions {
    notBlank("clusterName", clusterName);
    notBlank("clusterHost", clusterHost);
    check("clusterHost", !WILDCARDS.contains(clusterHost.trim()),
        "be an address other members can reach, not a wildcard", clusterHost);
    check("clusterPort", clusterPort >= 0 && clusterPort <= 65535, "be in 0..65535", clusterPort);
    join = join == null ? DEFAULT_JOIN : List.copyOf(join);
    for (String address : join) {
      checkHostPort(address);
    }
    check("maxNoHeartbeatSeconds", maxNoHeartbeatSeconds >= 2,
        "be >= 2 (heartbeats are sent every second)", maxNoHeartbeatSeconds);
    discovery = discovery == null ? Discovery.TCP : discovery;
    if (discovery == Discovery.KUBERNETES) {
      check("join", join.isEmpty(), "be empty with Kubernetes discovery (members are found through the service)",
          join);
      check("discovery", kubernetes != null, "come with a service to look in (k8s-service-dns or k8s-service-name)",
          "kubernetes");
    } else {
      kubernetes = null;
    }
  }

  /** Every option at its default: a single member on 127.0.0.1:5701. */
  public static ClusterOptions defaults() {
    return new ClusterOptions(DEFAULT_CLUSTER_NAME, DEFAULT_CLUSTER_HOST, DEFAULT_CLUSTER_PORT, DEFAULT_JOIN,
        DEFAULT_MAX_NO_HEARTBEAT_SECONDS);
  }

  /**
   * Options from a JSON-shaped map (for example {@code JsonObject.getMap()}); absent keys take their
   * defaults. {@code join} is a list of strings or one comma-separated string.
   *
   * @throws IllegalArgumentException on an unknown key, a value of the wrong type or a value out of range
   */
  public static ClusterOptions fromMap(Map<String, ?> map) {
    for (String key : map.keySet()) {
      check("key", KEYS.contains(key), "be one of " + KEYS, key);
    }
    return new ClusterOptions(
        string(map, "clusterName", DEFAULT_CLUSTER_NAME),
        string(map, "clusterHost", DEFAULT_CLUSTER_HOST),
        integer(map, "clusterPort", DEFAULT_CLUSTER_PORT),
        joinList(map.get("join")),
        integer(map, "maxNoHeartbeatSeconds", DEFAULT_MAX_NO_HEARTBEAT_SECONDS));
  }

  public ClusterOptions withClusterName(String name) {
    return new ClusterOptions(name, clusterHost, clusterPort, join, maxNoHeartbeatSeconds, discovery, kubernetes);
  }

  public ClusterOptions withClusterHost(String host) {
    return new ClusterOptions(clusterName, host, clusterPort, join, maxNoHeartbeatSeconds, discovery, kubernetes);
  }

  public ClusterOptions withClusterPort(int port) {
    return new ClusterOptions(clusterName, clusterHost, port, join, maxNoHeartbeatSeconds, discovery, kubernetes);
  }

  public ClusterOptions withJoin(List<String> addresses) {
    return new ClusterOptions(clusterName, clusterHost, clusterPort, addresses, maxNoHeartbeatSeconds, discovery, kubernetes);
  }

  public ClusterOptions withMaxNoHeartbeatSeconds(int seconds) {
    return new ClusterOptions(clusterName, clusterHost, clusterPort, join, seconds, discovery, kubernetes);
  }

  /** These options with Kubernetes discovery in {@code where} (and no join list). */
  public ClusterOptions withKubernetes(Kubernetes where) {
    return new ClusterOptions(clusterName, clusterHost, clusterPort, List.of(), maxNoHeartbeatSeconds,
        Discovery.KUBERNETES, where);
  }

  private static void checkHostPort(String address) {
    if (address == null) {
      throw new IllegalArgumentException("join cannot contain null");
    }
    int colon = address.lastIndexOf(':');
    boolean ok = colon > 0 && colon < address.length() - 1 && !address.substring(0, colon).isBlank();
    if (ok) {
      try {
        int port = Integer.parseInt(address.substring(colon + 1));
        ok = port >= 1 && port <= 65535;
      } catch (NumberFormatException e) {
        ok = false;
      }
    }
    check("join", ok, "hold host:port addresses with a port in 1..65535", "'" + address + "'");
  }

  private static String string(Map<String, ?> map, String key, String fallback) {
    Object value = map.get(key);
    if (value == null) {
      return fallback;
    }
    check(key, value instanceof String, "be a string", value);
    return (String) value;
  }

  private static int integer(Map<String, ?> map, String key, int fallback) {
    Object value = map.get(key);
    if (value == null) {
      return fallback;
    }
    if (value instanceof String s) {
      try {
        return Integer.parseInt(s.trim());
      } catch (NumberFormatException e) {
        check(key, false, "be an integer", "'" + s + "'");
      }
    }
    check(key, value instanceof Integer || value instanceof Long || value instanceof Short,
        "be an integer", value);
    long n = ((Number) value).longValue();
    check(key, n >= Integer.MIN_VALUE && n <= Integer.MAX_VALUE, "fit in an int", n);
    return (int) n;
  }

  private static List<String> joinList(Object value) {
    if (value == null) {
      return DEFAULT_JOIN;
    }
    if (value instanceof String s) {
      return s.isBlank() ? List.of()
          : Arrays.stream(s.split(",")).map(String::trim).filter(t -> !t.isEmpty()).toList();
    }
    check("join", value instanceof List<?>, "be a list of host:port strings or one comma-separated string",
        value);
    List<String> addresses = new ArrayList<>();
    for (Object item : (List<?>) value) {
      check("join", item instanceof String, "hold strings", item);
      addresses.add(((String) item).trim());
    }
    return addresses;
  }
}
