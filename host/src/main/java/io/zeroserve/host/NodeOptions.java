package io.zeroserve.host;

import io.zeroserve.cluster.ClusterOptions;
import io.zeroserve.host.devices.DeviceOptions;
import io.zeroserve.functions.Durations;
import io.zeroserve.functions.FunctionException;
import io.zeroserve.functions.codec.DecodeLimits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * A node's options. Each option is a flag {@code --name value} (or {@code --name=value}) and an
 * environment variable {@code ZS_NAME}; a flag beats the variable, the variable beats the default.
 * Secrets come from the environment only ({@link #TOKENS_ENV}, {@link #CLUSTER_SECRET_ENV},
 * {@link #CLUSTER_KEYSTORE_PASSWORD_ENV}). Immutable.
 *
 * @param decodeLimits bounds on one inference request's tensors and JSON
 * @param maxVersions versions one function may hold at once
 * @param httpIdleTimeout a connection with no bytes in either direction for this long is closed
 * @param headerTimeout time a connection has to send a complete request head, from its opening or
 *     from the end of the previous answer; it also bounds how long an idle keep-alive connection stays
 * @param tls HTTPS and event-bus TLS; {@link TlsOptions#NONE} for plaintext
 * @param clusterSecret what nodes send each other as a bearer token for internal endpoints; null: none
 */
public record NodeOptions(String httpHost, int httpPort, Path dataDir, boolean examples, long maxUploadBytes,
                          long maxRequestBytes, int inferenceThreads, int maxFunctions, Path tokensFile,
                          String tokensSpec, boolean insecure, ClusterOptions cluster, LogFormat logFormat,
                          DeviceOptions devices, DecodeLimits decodeLimits, int maxVersions, Duration httpIdleTimeout,
                          Duration headerTimeout, TlsOptions tls, String clusterSecret) {

  public static final String DEFAULT_HTTP_HOST = "127.0.0.1";
  public static final int DEFAULT_HTTP_PORT = 8080;
  public static final String DEFAULT_DATA_DIR = "./data";
  public static final long DEFAULT_MAX_UPLOAD_BYTES = 2L << 30;
  public static final long DEFAULT_MAX_REQUEST_BYTES = 64L << 20;
  public static final int DEFAULT_MAX_FUNCTIONS = 10_000;
  public static final int DEFAULT_MAX_VERSIONS = io.zeroserve.functions.store.StoreLimits.DEFAULT_MAX_VERSIONS;
  public static final Duration DEFAULT_HTTP_IDLE_TIMEOUT = Duration.ofSeconds(60);
  public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(10);

  /** The options, for {@code --help} and the README: name, default, meaning. */
  public static final List<String[]> OPTIONS = List.of(
      new String[] {"http-host", DEFAULT_HTTP_HOST, "address the HTTP API listens on"},
      new String[] {"http-port", String.valueOf(DEFAULT_HTTP_PORT), "port of the HTTP API (0 picks a free one)"},
      new String[] {"data-dir", DEFAULT_DATA_DIR, "where models and function metadata are stored"},
      new String[] {"examples", "false", "deploy the bundled example functions if absent (flag alone means true)"},
      new String[] {"max-upload-size", "2GiB", "largest model upload; larger ones get 413"},
      new String[] {"max-request-size", "64MiB", "largest inference request body; larger ones get 413"},
      new String[] {"inference-threads", "CPU cores", "threads that run inference on the CPU"},
      new String[] {"max-functions", String.valueOf(DEFAULT_MAX_FUNCTIONS), "functions a node may hold"},
      new String[] {"max-versions", String.valueOf(DEFAULT_MAX_VERSIONS), "versions one function may hold; more get 409"},
      new String[] {"max-tensor-elements", String.valueOf(DecodeLimits.DEFAULT_MAX_ELEMENTS_PER_TENSOR),
          "elements one tensor may hold, in a request or declared by a model; more get 413 (requests) or 400 (models)"},
      new String[] {"max-tensor-size", "256MiB", "bytes one tensor may hold, in a request or declared by a model"},
      new String[] {"max-json-depth", String.valueOf(DecodeLimits.DEFAULT_MAX_JSON_DEPTH),
          "deepest nesting of JSON arrays and objects in a request; deeper gets 400"},
      new String[] {"max-string-size", "16MiB", "longest JSON string or BYTES element in a request; longer gets 413"},
      new String[] {"http-idle-timeout", Durations.format(DEFAULT_HTTP_IDLE_TIMEOUT),
          "a connection silent this long is closed"},
      new String[] {"header-timeout", Durations.format(DEFAULT_HEADER_TIMEOUT),
          "time a connection has to send a complete request head (slow clients are cut off); also the keep-alive time"},
      new String[] {"tokens-file", "none", "JSON file of API tokens (SHA-256 hashes and scopes); see docs/security.md"},
      new String[] {"insecure", "false", "allow listening beyond loopback without API tokens (flag alone means true)"},
      new String[] {"tls-cert", "none", "PEM certificate chain: serve HTTPS (needs --tls-key)"},
      new String[] {"tls-key", "none", "PEM private key (PKCS#8 or PKCS#1) of --tls-cert"},
      new String[] {"cluster-name", ClusterOptions.DEFAULT_CLUSTER_NAME, "nodes with the same name form one cluster"},
      new String[] {"cluster-host", ClusterOptions.DEFAULT_CLUSTER_HOST, "address for cluster traffic (Hazelcast and the event bus)"},
      new String[] {"cluster-port", String.valueOf(ClusterOptions.DEFAULT_CLUSTER_PORT), "Hazelcast member port (0 picks a free one)"},
      new String[] {"join", "none", "members to join, host:port,host:port (TCP-IP; multicast is off)"},
      new String[] {"discovery", "tcp", "how members find each other: tcp (the join list) or kubernetes"},
      new String[] {"k8s-service-dns", "none", "Kubernetes discovery by DNS: the headless service's name, e.g. zeroserve-hs.default.svc.cluster.local"},
      new String[] {"k8s-service-name", "none", "Kubernetes discovery through the API (needs RBAC to read endpoints): the service's name"},
      new String[] {"k8s-namespace", "the pod's", "Kubernetes discovery through the API: the service's namespace"},
      new String[] {"log-format", "human", "log lines as human-readable text or as JSON, one object a line: human or json"},
      new String[] {"devices", "cpu and every GPU found", "devices to place replicas on, e.g. cpu,gpu0,gpu1=40GiB (memory optional)"},
      new String[] {"simulate-gpus", "none", "add simulated GPUs, COUNTxSIZE (2x16GiB): placed like GPUs, run on the CPU"},
      new String[] {"cpu-memory", "80% of RAM less heap", "memory replicas may reserve on the CPU"},
      new String[] {"cluster-keystore", "none", "PKCS#12 key store shared by all nodes: event bus over TLS with "
          + "client auth, the store both identity and trust; password from ZS_CLUSTER_KEYSTORE_PASSWORD"});

  /** How log lines are written. */
  public enum LogFormat {
    HUMAN, JSON;

    static LogFormat parse(String value) {
      if (value == null || value.isBlank()) {
        return HUMAN;
      }
      return switch (value.trim().toLowerCase(Locale.ROOT)) {
        case "human" -> HUMAN;
        case "json" -> JSON;
        default -> throw new IllegalArgumentException("log-format must be human or json, was: " + value);
      };
    }
  }

  /** Tokens from the environment only, never a flag: command lines are visible to every local user. */
  public static final String TOKENS_ENV = "ZS_TOKENS";
  /** The secret nodes present to each other's internal endpoints; the same on every node. Environment only. */
  public static final String CLUSTER_SECRET_ENV = "ZS_CLUSTER_SECRET";
  /** The password of {@code --cluster-keystore}. Environment only. */
  public static final String CLUSTER_KEYSTORE_PASSWORD_ENV = "ZS_CLUSTER_KEYSTORE_PASSWORD";

  public NodeOptions {
    check("http-port", httpPort >= 0 && httpPort <= 65535, "be in 0..65535", httpPort);
    check("max-upload-size", maxUploadBytes > 0, "be > 0", maxUploadBytes);
    check("max-request-size", maxRequestBytes > 0, "be > 0", maxRequestBytes);
    check("inference-threads", inferenceThreads >= 1 && inferenceThreads <= 1024, "be in 1..1024", inferenceThreads);
    check("max-functions", maxFunctions >= 1, "be >= 1", maxFunctions);
    check("log-format", logFormat != null, "be human or json", logFormat);
    check("max-versions", maxVersions >= 1, "be >= 1", maxVersions);
    check("http-idle-timeout", httpIdleTimeout.toSeconds() >= 1, "be at least 1s", Durations.format(httpIdleTimeout));
    check("header-timeout", headerTimeout.toMillis() >= 100, "be at least 100ms", Durations.format(headerTimeout));
    check("cluster-secret", clusterSecret == null || clusterSecret.length() >= 16,
        "be at least 16 characters (" + CLUSTER_SECRET_ENV + ")", "<hidden>");
  }

  /**
   * Reads options from command-line arguments and the environment.
   *
   * @throws IllegalArgumentException naming the option, the rule and the value
   */
  public static NodeOptions parse(String[] args, Map<String, String> env) {
    Map<String, String> flags = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument '" + arg + "'; options start with --");
      }
      String name = arg.substring(2);
      String value;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      } else if ((name.equals("examples") || name.equals("insecure"))
          && (i + 1 >= args.length || args[i + 1].startsWith("--"))) {
        value = "true";
      } else if (i + 1 < args.length) {
        value = args[++i];
      } else {
        throw new IllegalArgumentException("option --" + name + " needs a value");
      }
      String known = name;
      if (OPTIONS.stream().noneMatch(o -> o[0].equals(known))) {
        throw new IllegalArgumentException("unknown option --" + name + "; see --help");
      }
      flags.put(name, value);
    }
    Function<String, String> get = name -> {
      String flag = flags.get(name);
      return flag != null ? flag : env.get("ZS_" + name.toUpperCase(Locale.ROOT).replace('-', '_'));
    };
    int cores = Runtime.getRuntime().availableProcessors();
    return new NodeOptions(
        or(get.apply("http-host"), DEFAULT_HTTP_HOST),
        integer("http-port", get.apply("http-port"), DEFAULT_HTTP_PORT),
        Path.of(or(get.apply("data-dir"), DEFAULT_DATA_DIR)),
        bool("examples", get.apply("examples")),
        size("max-upload-size", get.apply("max-upload-size"), DEFAULT_MAX_UPLOAD_BYTES),
        size("max-request-size", get.apply("max-request-size"), DEFAULT_MAX_REQUEST_BYTES),
        integer("inference-threads", get.apply("inference-threads"), cores),
        integer("max-functions", get.apply("max-functions"), DEFAULT_MAX_FUNCTIONS),
        path(get.apply("tokens-file")),
        env.get(TOKENS_ENV),
        bool("insecure", get.apply("insecure")),
        cluster(get),
        LogFormat.parse(get.apply("log-format")),
        new DeviceOptions(get.apply("devices"), get.apply("simulate-gpus"),
            size("cpu-memory", get.apply("cpu-memory"), 0)),
        decodeLimits(get),
        integer("max-versions", get.apply("max-versions"), DEFAULT_MAX_VERSIONS),
        duration("http-idle-timeout", get.apply("http-idle-timeout"), DEFAULT_HTTP_IDLE_TIMEOUT),
        duration("header-timeout", get.apply("header-timeout"), DEFAULT_HEADER_TIMEOUT),
        TlsOptions.of(path(get.apply("tls-cert")), path(get.apply("tls-key")), path(get.apply("cluster-keystore")),
            env.get(CLUSTER_KEYSTORE_PASSWORD_ENV)),
        emptyToNull(env.get(CLUSTER_SECRET_ENV)));
  }

  private static ClusterOptions cluster(Function<String, String> get) {
    ClusterOptions.Discovery discovery = switch (or(get.apply("discovery"), "tcp").trim().toLowerCase(Locale.ROOT)) {
      case "tcp" -> ClusterOptions.Discovery.TCP;
      case "kubernetes" -> ClusterOptions.Discovery.KUBERNETES;
      default -> throw new IllegalArgumentException("discovery must be tcp or kubernetes, was: " + get.apply("discovery"));
    };
    return new ClusterOptions(
        or(get.apply("cluster-name"), ClusterOptions.DEFAULT_CLUSTER_NAME),
        or(get.apply("cluster-host"), ClusterOptions.DEFAULT_CLUSTER_HOST),
        integer("cluster-port", get.apply("cluster-port"), ClusterOptions.DEFAULT_CLUSTER_PORT),
        joinList(get.apply("join")),
        ClusterOptions.DEFAULT_MAX_NO_HEARTBEAT_SECONDS,
        discovery,
        discovery == ClusterOptions.Discovery.KUBERNETES ? new ClusterOptions.Kubernetes(get.apply("k8s-service-dns"),
            get.apply("k8s-namespace"), get.apply("k8s-service-name")) : null);
  }

  private static DecodeLimits decodeLimits(Function<String, String> get) {
    long elements = size("max-tensor-elements", get.apply("max-tensor-elements"),
        DecodeLimits.DEFAULT_MAX_ELEMENTS_PER_TENSOR);
    long bytes = size("max-tensor-size", get.apply("max-tensor-size"), DecodeLimits.DEFAULT_MAX_BYTES_PER_TENSOR);
    int depth = integer("max-json-depth", get.apply("max-json-depth"), DecodeLimits.DEFAULT_MAX_JSON_DEPTH);
    long strings = size("max-string-size", get.apply("max-string-size"), DecodeLimits.DEFAULT_MAX_STRING_BYTES);
    check("max-string-size", strings > 0 && strings <= Integer.MAX_VALUE, "be in 1..2GiB", strings);
    try {
      return new DecodeLimits(elements, bytes, depth, (int) strings);
    } catch (IllegalArgumentException e) {
      // DecodeLimits names its components; say which option the operator set.
      throw new IllegalArgumentException(e.getMessage().replace("maxElementsPerTensor", "max-tensor-elements")
          .replace("maxBytesPerTensor", "max-tensor-size").replace("maxJsonDepth", "max-json-depth")
          .replace("maxStringBytes", "max-string-size"), e);
    }
  }

  private static Path path(String value) {
    return value == null || value.isBlank() ? null : Path.of(value);
  }

  private static String emptyToNull(String value) {
    return value == null || value.isEmpty() ? null : value;
  }

  private static Duration duration(String key, String value, Duration fallback) {
    if (value == null || value.isEmpty()) {
      return fallback;
    }
    try {
      return Durations.parse(key, value);
    } catch (FunctionException e) {
      throw new IllegalArgumentException(e.getMessage());
    }
  }

  private static List<String> joinList(String value) {
    if (value == null || value.isBlank()) {
      return List.of();
    }
    return java.util.Arrays.stream(value.split(",")).map(String::trim).filter(v -> !v.isEmpty()).toList();
  }

  public static String help() {
    StringBuilder sb = new StringBuilder("Usage: zeroserve [options]\n\nOptions (each also read from ZS_<NAME>):\n");
    for (String[] o : OPTIONS) {
      sb.append(String.format("  --%-20s %s (default: %s)%n", o[0], o[2], o[1]));
    }
    return sb.toString();
  }

  @Override
  public String toString() {
    return "NodeOptions[httpHost=" + httpHost + ", httpPort=" + httpPort + ", dataDir=" + dataDir + ", examples="
        + examples + ", tokensFile=" + tokensFile + ", tokensSpec=" + (tokensSpec == null ? "none" : "<hidden>")
        + ", insecure=" + insecure + ", cluster=" + cluster + ", logFormat=" + logFormat + ", devices=" + devices
        + ", decodeLimits=" + decodeLimits + ", maxVersions=" + maxVersions + ", httpIdleTimeout="
        + Durations.format(httpIdleTimeout) + ", headerTimeout=" + Durations.format(headerTimeout) + ", tls=" + tls
        + ", clusterSecret=" + (clusterSecret == null ? "none" : "<hidden>") + "]";
  }

  private static String or(String value, String fallback) {
    return value == null || value.isEmpty() ? fallback : value;
  }

  private static int integer(String key, String value, int fallback) {
    if (value == null || value.isEmpty()) {
      return fallback;
    }
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be an integer, was: " + value);
    }
  }

  private static boolean bool(String key, String value) {
    if (value == null || value.isEmpty()) {
      return false;
    }
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "true", "yes", "1", "on" -> true;
      case "false", "no", "0", "off" -> false;
      default -> throw new IllegalArgumentException(key + " must be true or false, was: " + value);
    };
  }

  /** Sizes: {@code 1048576}, {@code 64KiB}, {@code 64MiB}, {@code 2GiB} (also KB/MB/GB as powers of 1024). */
  public static long size(String key, String value, long fallback) {
    if (value == null || value.isEmpty()) {
      return fallback;
    }
    String v = value.trim().toUpperCase(Locale.ROOT).replace("IB", "B");
    long unit = 1;
    if (v.endsWith("KB") || v.endsWith("MB") || v.endsWith("GB")) {
      unit = switch (v.charAt(v.length() - 2)) {
        case 'K' -> 1L << 10;
        case 'M' -> 1L << 20;
        default -> 1L << 30;
      };
      v = v.substring(0, v.length() - 2);
    } else if (v.endsWith("B")) {
      v = v.substring(0, v.length() - 1);
    }
    try {
      return Math.multiplyExact(Long.parseLong(v.trim()), unit);
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException(key + " must be a size such as 1048576, 64MiB or 2GiB, was: " + value);
    }
  }

  private static void check(String key, boolean ok, String rule, Object value) {
    if (!ok) {
      throw new IllegalArgumentException(key + " must " + rule + ", was: " + value);
    }
  }
}
