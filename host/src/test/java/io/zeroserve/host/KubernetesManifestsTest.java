package io.zeroserve.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zeroserve.cluster.ClusterOptions;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The manifests in examples/k8s (base, and the gpu overlay) agree with the node: they parse, the probes hit the node's health
 * paths on the port it listens on, every ZS_ variable is an option the node reads (and together they
 * parse into valid options with Kubernetes discovery through the headless service), and the data dir
 * is the persistent volume.
 */
class KubernetesManifestsTest {

  private static final Path DIR = Path.of("..", "examples", "k8s");
  private static final Path BASE = DIR.resolve("base");

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> documents(Path file) throws IOException {
    List<Map<String, Object>> docs = new ArrayList<>();
    try (Reader reader = Files.newBufferedReader(file)) {
      for (Object doc : new Yaml().loadAll(reader)) {
        if (doc != null) {
          docs.add((Map<String, Object>) doc);
        }
      }
    }
    return docs;
  }

  private static Map<String, Object> only(Path file, String kind) throws IOException {
    List<Map<String, Object>> found = documents(file).stream().filter(d -> kind.equals(d.get("kind"))).toList();
    assertEquals(1, found.size(), () -> "one " + kind + " in " + file);
    return found.get(0);
  }

  @SuppressWarnings("unchecked")
  private static <T> T at(Object node, String... path) {
    Object current = node;
    for (String key : path) {
      if (current instanceof List<?> list) {
        current = list.get(Integer.parseInt(key));
      } else {
        assertTrue(current instanceof Map<?, ?>, () -> "a map at " + key + " of " + String.join(".", path));
        current = ((Map<String, Object>) current).get(key);
      }
      assertNotNull(current, () -> String.join(".", path) + " is set");
    }
    return (T) current;
  }

  private static Map<String, Object> container() throws IOException {
    Map<String, Object> set = only(BASE.resolve("statefulset.yaml"), "StatefulSet");
    List<Map<String, Object>> containers = at(set, "spec", "template", "spec", "containers");
    assertEquals(1, containers.size());
    return containers.get(0);
  }

  /** The container's env as a node would see it: field refs filled in, $(VAR) expanded. */
  private static Map<String, String> env(Map<String, Object> container) {
    Map<String, String> env = new HashMap<>();
    List<Map<String, Object>> entries = at(container, "env");
    for (Map<String, Object> e : entries) {
      String name = (String) e.get("name");
      Object value = e.get("value");
      if (value == null) {
        Object fieldRef = ((Map<?, ?>) e.get("valueFrom")).get("fieldRef");
        Object fieldPath = fieldRef instanceof Map<?, ?> ref ? ref.get("fieldPath") : null;
        value = "status.podIP".equals(fieldPath) ? "10.1.2.3" : "metadata.namespace".equals(fieldPath) ? "prod"
            : "secret-value";
      }
      Matcher ref = Pattern.compile("\\$\\(([A-Z_]+)\\)").matcher(String.valueOf(value));
      StringBuilder expanded = new StringBuilder();
      while (ref.find()) {
        String defined = env.get(ref.group(1));
        assertNotNull(defined, () -> name + " refers to $(" + ref.group(1) + "), which must be defined before it");
        ref.appendReplacement(expanded, Matcher.quoteReplacement(defined));
      }
      ref.appendTail(expanded);
      env.put(name, expanded.toString());
    }
    return env;
  }

  private static int containerPort(Map<String, Object> container, String name) {
    List<Map<String, Object>> ports = at(container, "ports");
    return ports.stream().filter(p -> name.equals(p.get("name"))).map(p -> (Integer) p.get("containerPort"))
        .findFirst().orElseThrow(() -> new AssertionError("no container port named " + name));
  }

  @Test
  void everyManifestParses() throws IOException {
    List<Path> files;
    try (var walk = Files.walk(DIR)) {
      files = walk.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    assertTrue(files.size() >= 5, "manifests found: " + files);
    for (Path f : files) {
      for (Map<String, Object> doc : documents(f)) {
        assertTrue(doc.containsKey("apiVersion") && doc.containsKey("kind"), () -> f + " has apiVersion and kind");
      }
    }
  }

  @Test
  void probes_hitTheNodesHealthPaths_onThePortItListensOn() throws IOException {
    Map<String, Object> c = container();
    NodeOptions options = NodeOptions.parse(new String[0], env(c));
    int http = containerPort(c, "http");
    assertEquals(options.httpPort(), http, "the container port named http is the node's --http-port");
    assertEquals("/v2/health/ready", at(c, "readinessProbe", "httpGet", "path"));
    assertEquals("http", at(c, "readinessProbe", "httpGet", "port"));
    assertEquals("/v2/health/live", at(c, "livenessProbe", "httpGet", "path"));
    assertEquals("http", at(c, "livenessProbe", "httpGet", "port"));
    assertEquals("/v2/health/live", at(c, "startupProbe", "httpGet", "path"));
  }

  @Test
  void env_namesOnlyOptionsTheNodeReads_andParsesToKubernetesDiscoveryThroughTheHeadlessService() throws IOException {
    Map<String, Object> c = container();
    Map<String, String> env = env(c);
    Set<String> known = NodeOptions.OPTIONS.stream()
        .map(o -> "ZS_" + o[0].toUpperCase(java.util.Locale.ROOT).replace('-', '_')).collect(Collectors.toSet());
    for (String name : env.keySet()) {
      if (name.startsWith("ZS_")) {
        assertTrue(known.contains(name) || name.equals(NodeOptions.TOKENS_ENV), () -> name + " is an option of the node");
      }
    }

    NodeOptions options = NodeOptions.parse(new String[0], env);
    assertEquals("0.0.0.0", options.httpHost());
    assertEquals("10.1.2.3", options.cluster().clusterHost(), "the pod's IP");
    assertEquals(ClusterOptions.Discovery.KUBERNETES, options.cluster().discovery());
    assertEquals(NodeOptions.LogFormat.JSON, options.logFormat());
    assertEquals(options.cluster().clusterPort(), containerPort(c, "hazelcast"));

    Map<String, Object> set = only(BASE.resolve("statefulset.yaml"), "StatefulSet");
    List<Map<String, Object>> services = documents(BASE.resolve("services.yaml"));
    Map<String, Object> headless = services.stream()
        .filter(s -> "None".equals(((Map<?, ?>) s.get("spec")).get("clusterIP"))).findFirst()
        .orElseThrow(() -> new AssertionError("a headless service"));
    String headlessName = at(headless, "metadata", "name");
    assertEquals(headlessName, at(set, "spec", "serviceName"));
    assertEquals(headlessName + ".prod.svc.cluster.local", options.cluster().kubernetes().serviceDns());
    assertEquals(Boolean.TRUE, at(headless, "spec", "publishNotReadyAddresses"),
        "peers must resolve before they are ready: readiness waits for the join");
    List<Map<String, Object>> ports = at(headless, "spec", "ports");
    assertTrue(ports.stream().anyMatch(p -> Integer.valueOf(options.cluster().clusterPort()).equals(p.get("port"))),
        "the headless service exposes the Hazelcast port");
    Map<String, Object> selector = at(headless, "spec", "selector");
    Map<String, Object> labels = at(set, "spec", "template", "metadata", "labels");
    assertTrue(labels.entrySet().containsAll(selector.entrySet()), "the headless service selects the pods");
  }

  @Test
  void dataDir_isThePersistentVolume() throws IOException {
    Map<String, Object> c = container();
    NodeOptions options = NodeOptions.parse(new String[0], env(c));
    List<Map<String, Object>> mounts = at(c, "volumeMounts");
    Map<String, Object> set = only(BASE.resolve("statefulset.yaml"), "StatefulSet");
    String claim = at(set, "spec", "volumeClaimTemplates", "0", "metadata", "name");
    assertTrue(mounts.stream().anyMatch(m -> claim.equals(m.get("name"))
        && options.dataDir().toString().equals(m.get("mountPath"))), "the claim is mounted at --data-dir");
  }

  @Test
  void gpuVariant_requestsOneGpu_forTheSameContainer() throws IOException {
    Map<String, Object> patch = only(DIR.resolve("gpu").resolve("gpu-patch.yaml"), "StatefulSet");
    Map<String, Object> c = at(patch, "spec", "template", "spec", "containers", "0");
    assertEquals(container().get("name"), c.get("name"));
    assertEquals(1, (Integer) at(c, "resources", "limits", "nvidia.com/gpu"));
    assertEquals(1, (Integer) at(c, "resources", "requests", "nvidia.com/gpu"));
    Map<String, Object> kustomization = documents(DIR.resolve("gpu").resolve("kustomization.yaml")).get(0);
    assertEquals(List.of("../base"), kustomization.get("resources"));
  }
}
