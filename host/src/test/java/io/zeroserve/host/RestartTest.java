package io.zeroserve.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.zeroserve.examples.ExampleModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node stopped (and its Vert.x closed) and a new one started on the same data dir: everything
 * acknowledged is served again, and damaged files are reported and answered 503 without taking
 * the intact functions down.
 */
class RestartTest {

  @TempDir
  Path dataDir;

  @Test
  void restart_servesEveryFunctionAndVersion_withItsConfigAndNumbering() {
    JsonObject listBefore;
    Map<String, JsonObject> before = new HashMap<>();
    try (NodeFixture node = NodeFixture.start(dataDir)) {
      node.deploy("iris", ExampleModels.irisMlp());
      node.deploy("multi", ExampleModels.multiIo());
      node.deploy("adder", TestModels.addConstant(1));
      node.deploy("adder", TestModels.addConstant(2));
      node.deploy("adder", TestModels.addConstant(3));
      node.delete("/v1/functions/adder/versions/3").expect(200);
      node.put("/v1/functions/adder", "{\"activeVersion\": 1, \"timeout\": \"250ms\", \"idleTimeout\": \"10m\"}")
          .expect(200);
      node.deploy("gone", TestModels.addConstant(4));
      node.delete("/v1/functions/gone").expect(200);
      node.assertServes("iris");

      listBefore = node.get("/v1/functions").expect(200);
      for (String name : List.of("iris", "multi", "adder")) {
        before.put(name, withoutReplicas(node.describe(name)));
      }
      node.stopNode();
      assertEquals(new JsonObject().put("ready", false), node.get("/v2/health/ready").expect(503),
          "a stopping node is not ready");
    }

    try (NodeFixture node = NodeFixture.start(dataDir)) {
      node.get("/v2/health/ready").expect(200);
      assertEquals(listBefore, node.get("/v1/functions").expect(200), "the same functions, versions and problems");
      for (String name : before.keySet()) {
        assertEquals(before.get(name), withoutReplicas(node.describe(name)), "record of " + name);
      }
      node.get("/v1/functions/gone").expectError(404);

      node.assertServes("iris");
      node.infer("multi", new JsonObject().put("inputs", new JsonArray()
          .add(input("x", "FP32", new JsonArray().add(1).add(4), new JsonArray().add(1).add(2).add(3).add(4)))
          .add(input("ids", "INT64", new JsonArray().add(1), new JsonArray().add(5)))
          .add(input("mask", "BOOL", new JsonArray().add(1), new JsonArray().add(true)))
          .add(input("names", "BYTES", new JsonArray().add(1), new JsonArray().add("n")))
          .add(input("d", "FP64", new JsonArray().add(1).add(2), new JsonArray().add(1.5).add(2.5)))
          .add(input("small", "INT32", new JsonArray().add(1), new JsonArray().add(7)))
          .add(input("bytes8", "UINT8", new JsonArray().add(1), new JsonArray().add(200)))
          .add(input("i8", "INT8", new JsonArray().add(1), new JsonArray().add(-3)))
          .add(input("i16", "INT16", new JsonArray().add(1), new JsonArray().add(300)))
          .add(input("h", "FP16", new JsonArray().add(1).add(2), new JsonArray().add(0.5).add(1)))))
          .expect(200);
      JsonObject pinned = node.infer("adder", TestModels.addRequest()).expect(200);
      assertEquals("1", pinned.getString("model_version"), "the pinned activeVersion survives the restart");
      assertEquals(1f, TestModels.addedConstant(pinned));
      assertEquals(2f, TestModels.addedConstant(node.inferVersion("adder", 2, TestModels.addRequest()).expect(200)));
      node.inferVersion("adder", 3, TestModels.addRequest()).expectError(404);

      assertEquals(4, node.deploy("adder", TestModels.addConstant(5)).getInteger("version"),
          "a deleted version's number is not reused after a restart");
      assertEquals(List.of(1, 2, 4), node.versions("adder"));
    }
  }

  @Test
  void restartTwice_keepsEverything() {
    try (NodeFixture node = NodeFixture.start(dataDir)) {
      node.deploy("adder", TestModels.addConstant(1));
    }
    try (NodeFixture node = NodeFixture.start(dataDir)) {
      node.deploy("adder", TestModels.addConstant(2));
    }
    try (NodeFixture node = NodeFixture.start(dataDir)) {
      assertEquals(List.of(1, 2), node.versions("adder"));
      assertEquals(2f, TestModels.addedConstant(node.infer("adder", TestModels.addRequest()).expect(200)));
      assertEquals(1f, TestModels.addedConstant(node.inferVersion("adder", 1, TestModels.addRequest()).expect(200)));
    }
  }

  @Test
  void corruptAndTruncatedMetadata_areListedAsProblems_andAnswer503_whileIntactFunctionsServe() throws IOException {
    try (NodeFixture node = NodeFixture.start(dataDir)) {
      node.deploy("intact", ExampleModels.irisMlp());
      node.deploy("flipped", TestModels.addConstant(10));
      node.deploy("truncated", TestModels.addConstant(11));
    }
    Path flipped = dataDir.resolve("functions/flipped.json");
    Path truncated = dataDir.resolve("functions/truncated.json");
    flipByte(flipped, 20);
    byte[] whole = Files.readAllBytes(truncated);
    Files.write(truncated, Arrays.copyOf(whole, whole.length / 2));

    try (NodeFixture node = NodeFixture.start(dataDir)) {
      node.get("/v2/health/ready").expect(200);
      JsonObject list = node.get("/v1/functions").expect(200);
      assertEquals(List.of("intact"), names(list.getJsonArray("functions")));
      JsonArray problems = list.getJsonArray("problems");
      assertNotNull(problems, "damaged files are listed: " + list);
      JsonObject flippedProblem = problemOf(problems, "flipped");
      assertEquals("functions/flipped.json", flippedProblem.getString("path"));
      assertTrue(flippedProblem.getString("error").contains("checksum"), flippedProblem.encode());
      JsonObject truncatedProblem = problemOf(problems, "truncated");
      assertEquals("functions/truncated.json", truncatedProblem.getString("path"));
      assertTrue(truncatedProblem.getString("error").contains("truncated"), truncatedProblem.encode());

      for (String name : List.of("flipped", "truncated")) {
        node.infer(name, TestModels.addRequest()).expectError(503, "'" + name + "'", "cannot be served");
        node.invoke(name, new JsonObject().put("x", new JsonArray().add(new JsonArray().add(1).add(2).add(3).add(4))))
            .expectError(503, "'" + name + "'");
        node.get("/v1/functions/" + name).expectError(503, "'" + name + "'");
        node.get("/v2/models/" + name + "/ready").expectError(503);
      }
      node.assertServes("intact");
    }
  }

  @Test
  void deployToAFunctionWithDamagedMetadata_doesNotReuseItsVersionNumbers() throws IOException {
    try (NodeFixture node = NodeFixture.start(dataDir)) {
      node.deploy("damaged", TestModels.addConstant(1));
      node.deploy("damaged", TestModels.addConstant(2));
    }
    flipByte(dataDir.resolve("functions/damaged.json"), 20);
    try (NodeFixture node = NodeFixture.start(dataDir)) {
      NodeFixture.Reply reply = node.deployReply("damaged", TestModels.addConstant(3));
      // Either the deploy is refused while the record is damaged, or it continues the numbering;
      // version 1 again would give a client that cached "damaged v1" another model.
      if (reply.status() == 201) {
        assertTrue(reply.json().getInteger("version") > 2,
            "a deploy over damaged metadata reused version " + reply.json().getInteger("version"));
      } else {
        reply.expectError(reply.status());
        assertTrue(reply.status() == 409 || reply.status() == 503, "status " + reply.status());
      }
    }
  }

  @Test
  void corruptArtifact_answers503NamingTheChecksumMismatch_notACrash() throws IOException {
    String sha;
    try (NodeFixture node = NodeFixture.start(dataDir)) {
      node.deploy("intact", ExampleModels.irisMlp());
      sha = node.deploy("damaged", TestModels.addConstant(20)).getString("sha256");
    }
    flipByte(dataDir.resolve("artifacts/" + sha + ".onnx"), 40);

    try (NodeFixture node = NodeFixture.start(dataDir)) {
      node.get("/v2/health/ready").expect(200);
      // Every attempt loads anew and fails anew; a failure that comes back fast must still be a 503.
      for (int attempt = 0; attempt < 100; attempt++) {
        node.infer("damaged", TestModels.addRequest()).expectError(503, sha, "corrupt");
      }
      node.invoke("damaged", new JsonObject().put("x", new JsonArray().add(new JsonArray().add(1).add(2).add(3).add(4))))
          .expectError(503, "corrupt");
      node.assertServes("intact");
      node.get("/v2/health/live").expect(200);
    }
  }

  @Test
  void redeployOfTheSameBytes_repairsACorruptArtifact() throws IOException {
    byte[] model = TestModels.addConstant(21);
    String sha;
    try (NodeFixture node = NodeFixture.start(dataDir)) {
      sha = node.deploy("repaired", model).getString("sha256");
    }
    flipByte(dataDir.resolve("artifacts/" + sha + ".onnx"), 40);
    try (NodeFixture node = NodeFixture.start(dataDir)) {
      node.inferVersion("repaired", 1, TestModels.addRequest()).expectError(503, "corrupt");
      assertEquals(2, node.deploy("repaired", model).getInteger("version"));
      assertEquals(21f, TestModels.addedConstant(node.inferVersion("repaired", 1, TestModels.addRequest()).expect(200)),
          "version 1 shares the repaired artifact");
    }
  }

  @Test
  void missingArtifact_isListedAsAProblem_andAnswers503() throws IOException {
    String sha;
    try (NodeFixture node = NodeFixture.start(dataDir)) {
      node.deploy("intact", ExampleModels.irisMlp());
      sha = node.deploy("orphan", TestModels.addConstant(30)).getString("sha256");
    }
    Files.delete(dataDir.resolve("artifacts/" + sha + ".onnx"));

    try (NodeFixture node = NodeFixture.start(dataDir)) {
      JsonObject list = node.get("/v1/functions").expect(200);
      JsonObject problem = problemOf(list.getJsonArray("problems"), "orphan");
      assertEquals("artifacts/" + sha + ".onnx", problem.getString("path"));
      assertTrue(problem.getString("error").contains("missing"), problem.encode());
      node.infer("orphan", TestModels.addRequest()).expectError(503, "missing");
      node.assertServes("intact");
    }
  }

  @Test
  void leftoversOfInterruptedWrites_areRemovedAtStart_andAreNotProblems() throws IOException {
    try (NodeFixture node = NodeFixture.start(dataDir)) {
      node.deploy("intact", ExampleModels.irisMlp());
    }
    Files.write(dataDir.resolve("tmp/upload-half-written"), new byte[] {1, 2, 3});
    Path tempRecord = dataDir.resolve("functions/.intact.json.tmp-123");
    Files.writeString(tempRecord, "{\"name\": \"int");

    try (NodeFixture node = NodeFixture.start(dataDir)) {
      JsonObject list = node.get("/v1/functions").expect(200);
      assertNull(list.getValue("problems"), "leftovers are not problems: " + list);
      assertEquals(List.of(), listDir(dataDir.resolve("tmp")));
      assertTrue(Files.notExists(tempRecord));
      node.assertServes("intact");
    }
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private static void flipByte(Path file, int index) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    bytes[index] ^= 0x20;
    Files.write(file, bytes);
  }

  private static JsonObject withoutReplicas(JsonObject record) {
    JsonObject copy = record.copy();
    copy.remove("replicas"); // which replicas are loaded is runtime state, not stored
    return copy;
  }

  private static JsonObject input(String name, String datatype, JsonArray shape, JsonArray data) {
    return new JsonObject().put("name", name).put("datatype", datatype).put("shape", shape).put("data", data);
  }

  private static List<String> names(JsonArray functions) {
    List<String> names = new ArrayList<>();
    functions.forEach(f -> names.add(((JsonObject) f).getString("name")));
    return names;
  }

  private static JsonObject problemOf(JsonArray problems, String function) {
    assertNotNull(problems, "problems listed");
    for (Object p : problems) {
      if (function.equals(((JsonObject) p).getString("function"))) {
        return (JsonObject) p;
      }
    }
    throw new AssertionError("no problem listed for " + function + " in " + problems.encode());
  }

  private static List<Path> listDir(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.toList();
    }
  }
}
