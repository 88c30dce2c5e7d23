package io.zeroserve.functions.store;

import static io.zeroserve.functions.TestModels.IRIS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zeroserve.functions.FunctionConfig;
import io.zeroserve.functions.FunctionVersion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two registries over two data dirs sharing one replication: two nodes, in-process. */
class RegistryReplicationTest {

  @TempDir
  Path dir;
  private RecordReplication shared;
  private FunctionRegistry a;
  private FunctionRegistry b;
  private final ExecutorService pool = Executors.newFixedThreadPool(8);

  @BeforeEach
  void start() throws IOException {
    shared = RecordReplication.inMemory();
    a = node("a");
    b = node("b");
  }

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  private FunctionRegistry node(String name) throws IOException {
    FunctionRegistry r = new FunctionRegistry(dir.resolve(name), Clock.systemUTC(), 100, shared);
    r.load();
    return r;
  }

  private FunctionRegistry.Deployed deploy(FunctionRegistry r, String name) throws IOException {
    Path upload = r.artifacts().newTempFile("t");
    Files.write(upload, IRIS);
    return r.deploy(name, upload, null);
  }

  @Test
  void concurrentDeploysOnTwoNodes_getDistinctVersions() throws Exception {
    List<Future<Integer>> versions = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      FunctionRegistry node = i % 2 == 0 ? a : b;
      versions.add(pool.submit(() -> deploy(node, "f").version().version()));
    }
    List<Integer> got = new ArrayList<>();
    for (Future<Integer> v : versions) {
      got.add(v.get());
    }
    assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 8), got.stream().sorted().toList());
    shared.all().forEach(a::applyShared);
    assertEquals(8, a.get("f").versions().size(), "the shared record lists every version");
  }

  @Test
  void nodeThatJoinsLater_learnsEveryFunctionAndStoresItOnItsDisk() throws Exception {
    deploy(a, "f");
    a.configure("f", FunctionConfig.DEFAULTS.withActiveVersion(1));
    FunctionRegistry late = node("late");
    assertEquals(1, late.get("f").config().activeVersion());
    FunctionRegistry lateRestarted = new FunctionRegistry(dir.resolve("late"), Clock.systemUTC(), 100,
        RecordReplication.inMemory());
    lateRestarted.load();
    assertEquals(List.of(1), lateRestarted.get("f").versions().stream().map(FunctionVersion::version).toList(),
        "what a node learned from the cluster survives its restart alone");
  }

  @Test
  void fullClusterRestart_mergesEveryNodesDisk_newestRevisionWins() throws Exception {
    deploy(a, "f");
    shared.all().forEach(b::applyShared);
    deploy(a, "g");                       // b misses this one
    b.configure("f", FunctionConfig.DEFAULTS.withActiveVersion(1)); // newer revision of f, only on b's disk
    shared.all().forEach(a::applyShared);
    a.deleteFunction("g");

    shared = RecordReplication.inMemory(); // every node down: the shared copy is gone
    FunctionRegistry b2 = node("b");
    FunctionRegistry a2 = node("a");
    shared.all().forEach(b2::applyShared);
    for (FunctionRegistry r : List.of(a2, b2)) {
      assertEquals(1, r.get("f").config().activeVersion(), "the newest revision of f wins");
      assertTrue(r.find("g").isEmpty(), "g's tombstone beats b's missing it");
    }
  }

  @Test
  void staleSharedDocument_isIgnored() throws Exception {
    deploy(a, "f");
    long revision = a.revision("f");
    a.applyShared(new RecordReplication.Shared("f", revision - 1, true, "{}"));
    assertTrue(a.find("f").isPresent());
  }
}
