package io.zeroserve.functions.store;

import static io.zeroserve.functions.TestModels.T0;
import static io.zeroserve.functions.TestModels.fakeSha;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import io.zeroserve.functions.FunctionConfig;
import io.zeroserve.functions.FunctionException;
import io.zeroserve.functions.FunctionRecord;
import io.zeroserve.functions.Reason;
import io.zeroserve.functions.TestModels;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetadataStoreTest {

  @TempDir
  Path dataDir;

  private MetadataStore store;
  private Path functions;

  @BeforeEach
  void open() throws IOException {
    store = new MetadataStore(dataDir);
    functions = dataDir.resolve("functions");
  }

  private static FunctionRecord record(String name, int versions) {
    FunctionRecord r = FunctionRecord.create(name, T0, FunctionConfig.DEFAULTS);
    for (int i = 1; i <= versions; i++) {
      r = r.withNewVersion(fakeSha(i), 1000 + i, T0.plusMillis(i), TestModels.everyTypeSignature());
    }
    return r;
  }

  private MetadataStore.Loaded reload() throws IOException {
    return new MetadataStore(dataDir).loadAll();
  }

  private List<String> fileNames() throws IOException {
    try (Stream<Path> files = Files.list(functions)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  /** Writes a file in the store's format (JSON line, checksum line) with a correct checksum. */
  private void writeWithValidChecksum(String fileName, String jsonLine) throws IOException {
    byte[] json = jsonLine.getBytes(StandardCharsets.UTF_8);
    Files.writeString(functions.resolve(fileName), jsonLine + "\nsha256:" + Sha256.of(json) + "\n");
  }

  private static StoreProblem onlyProblem(MetadataStore.Loaded loaded) {
    assertEquals(1, loaded.problems().size(), loaded.problems().toString());
    return loaded.problems().get(0);
  }

  @Test
  void saveThenLoadAll_givesEqualRecords() throws IOException {
    FunctionRecord a = record("a", 3).withoutVersion(2).withConfig(FunctionConfig.DEFAULTS.withActiveVersion(1));
    FunctionRecord b = record("b-model.v2", 0);
    store.save(a);
    store.save(b);

    MetadataStore.Loaded loaded = reload();
    assertEquals(List.of(a, b), loaded.records());
    assertEquals(List.of(), loaded.problems());
  }

  @Test
  void emptyStore_loadsNothing() throws IOException {
    MetadataStore.Loaded loaded = reload();
    assertEquals(List.of(), loaded.records());
    assertEquals(List.of(), loaded.problems());
  }

  @Test
  void save_replacesTheRecord_andLeavesNoTempFile() throws IOException {
    store.save(record("a", 1));
    store.save(record("a", 2));
    assertEquals(List.of(record("a", 2)), reload().records());
    assertEquals(List.of("a.json"), fileNames());
  }

  @Test
  void savedFile_isTheJsonLineThenItsChecksumLine() throws IOException {
    store.save(record("a", 1));
    List<String> lines = Files.readAllLines(functions.resolve("a.json"));
    assertEquals(2, lines.size());
    assertEquals(record("a", 1), FunctionRecord.fromJson(new JsonObject(lines.get(0))));
    assertEquals("sha256:" + Sha256.of(lines.get(0).getBytes(StandardCharsets.UTF_8)), lines.get(1));
  }

  @Test
  void delete_removesTheFile() throws IOException {
    store.save(record("a", 1));
    store.save(record("b", 1));
    store.delete("a");
    assertEquals(List.of(record("b", 1)), reload().records());
    store.delete("a"); // deleting what is gone is fine
  }

  @Test
  void flippedByte_isReportedAsChecksumMismatch_andIntactFilesStillLoad() throws IOException {
    store.save(record("a", 1));
    store.save(record("b", 1));
    store.save(record("c", 1));
    Path file = functions.resolve("b.json");
    byte[] bytes = Files.readAllBytes(file);
    int i = new String(bytes, StandardCharsets.UTF_8).indexOf("\"sizeBytes\":1001") + 15;
    bytes[i] ^= 0x01; // 1001 -> 1000 in the JSON line: still valid JSON, a plausible bit flip
    Files.write(file, bytes);

    MetadataStore.Loaded loaded = reload();
    assertEquals(List.of(record("a", 1), record("c", 1)), loaded.records());
    assertEquals(new StoreProblem("functions/b.json", "b", "metadata file is corrupt: checksum mismatch"),
        onlyProblem(loaded));
  }

  @Test
  void flippedByteInTheChecksumLine_isReportedAsChecksumMismatch() throws IOException {
    store.save(record("a", 1));
    Path file = functions.resolve("a.json");
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length - 2] ^= 0x01;
    Files.write(file, bytes);
    assertEquals("metadata file is corrupt: checksum mismatch", onlyProblem(reload()).message());
  }

  @Test
  void byteFlippedIntoInvalidUtf8_isReportedAsCorrupt() throws IOException {
    // A bit flip in the high bit of an ASCII byte makes the file invalid UTF-8: it must read as a
    // corrupt file, with a message that says so, not as a bare decoder error.
    store.save(record("a", 1));
    store.save(record("b", 1));
    Path file = functions.resolve("a.json");
    byte[] bytes = Files.readAllBytes(file);
    bytes[5] ^= (byte) 0x80;
    Files.write(file, bytes);

    MetadataStore.Loaded loaded = reload();
    assertEquals(List.of(record("b", 1)), loaded.records());
    StoreProblem problem = onlyProblem(loaded);
    assertEquals("a", problem.function());
    assertEquals("metadata file is corrupt: checksum mismatch", problem.message());
  }

  @Test
  void fileCutBeforeItsChecksumLine_isReportedAsTruncated() throws IOException {
    store.save(record("a", 1));
    store.save(record("b", 1));
    Path file = functions.resolve("a.json");
    byte[] bytes = Files.readAllBytes(file);
    int newline = new String(bytes, StandardCharsets.UTF_8).indexOf('\n');
    Files.write(file, Arrays.copyOf(bytes, newline));

    MetadataStore.Loaded loaded = reload();
    assertEquals(List.of(record("b", 1)), loaded.records());
    assertEquals(new StoreProblem("functions/a.json", "a", "metadata file is truncated: no checksum line"),
        onlyProblem(loaded));
  }

  @Test
  void fileCutInTheMiddleOfTheJson_isReportedAsTruncated() throws IOException {
    store.save(record("a", 2));
    Path file = functions.resolve("a.json");
    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(bytes, bytes.length / 3));
    assertEquals("metadata file is truncated: no checksum line", onlyProblem(reload()).message());
  }

  @Test
  void fileCutInTheChecksumLine_isReportedAsChecksumMismatch() throws IOException {
    store.save(record("a", 1));
    Path file = functions.resolve("a.json");
    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(bytes, bytes.length - 10));
    assertEquals("metadata file is corrupt: checksum mismatch", onlyProblem(reload()).message());
  }

  @Test
  void emptyFile_isReportedAsTruncated() throws IOException {
    Files.write(functions.resolve("a.json"), new byte[0]);
    assertEquals(new StoreProblem("functions/a.json", "a", "metadata file is truncated: no checksum line"),
        onlyProblem(reload()));
  }

  @Test
  void fileHoldingAnotherFunctionsRecord_isAProblem() throws IOException {
    store.save(record("b", 1));
    Files.move(functions.resolve("b.json"), functions.resolve("a.json"));

    MetadataStore.Loaded loaded = reload();
    assertEquals(List.of(), loaded.records());
    assertEquals(new StoreProblem("functions/a.json", "a", "metadata file names function 'b'"), onlyProblem(loaded));
  }

  @Test
  void validChecksumOverSomethingThatIsNotARecord_isAProblem() throws IOException {
    writeWithValidChecksum("a.json", "not json at all");
    writeWithValidChecksum("b.json", "{}");
    writeWithValidChecksum("c.json", "{\"name\":\"c\",\"created\":\"" + T0 + "\",\"versions\":\"none\",\"nextVersion\":1}");
    store.save(record("d", 1));

    MetadataStore.Loaded loaded = reload();
    assertEquals(List.of(record("d", 1)), loaded.records());
    assertEquals(List.of("a", "b", "c"), loaded.problems().stream().map(StoreProblem::function).toList());
    for (StoreProblem p : loaded.problems()) {
      assertTrue(p.message().startsWith("metadata file does not hold a function record"), p.message());
    }
  }

  @Test
  void validChecksumOverAnInvalidConfig_isAProblemNamingTheField() throws IOException {
    JsonObject json = record("a", 1).toJson();
    json.getJsonObject("config").put("maxReplicas", 0);
    writeWithValidChecksum("a.json", json.encode());
    assertEquals("maxReplicas must be in 1..64, was: 0", onlyProblem(reload()).message());
  }

  @Test
  void validChecksumOverAnUnparseableDate_isAProblem_andDoesNotStopTheLoad() throws IOException {
    // Whatever makes one file unreadable must not keep every other function from being served.
    writeWithValidChecksum("a.json", record("a", 1).toJson().put("created", "yesterday").encode());
    store.save(record("b", 1));

    MetadataStore.Loaded loaded = reload();
    assertEquals(List.of(record("b", 1)), loaded.records());
    StoreProblem problem = onlyProblem(loaded);
    assertEquals("a", problem.function());
    assertTrue(problem.message().startsWith("metadata file does not hold a function record"), problem.message());
  }

  @Test
  void leftoverTempFiles_areDeletedAtLoad_andAreNotProblems() throws IOException {
    store.save(record("a", 1));
    Files.writeString(functions.resolve(".a.json.tmp-" + "0f1e2d3c"), "{\"half\":");
    Files.writeString(functions.resolve(".b.json.tmp-" + "4b5a6978"), "");

    MetadataStore.Loaded loaded = reload();
    assertEquals(List.of(record("a", 1)), loaded.records());
    assertEquals(List.of(), loaded.problems());
    assertEquals(List.of("a.json"), fileNames());
  }

  @Test
  void filesWithoutTheJsonSuffix_areIgnoredAndKept() throws IOException {
    store.save(record("a", 1));
    Files.writeString(functions.resolve("README"), "operators' notes");

    MetadataStore.Loaded loaded = reload();
    assertEquals(List.of(record("a", 1)), loaded.records());
    assertEquals(List.of(), loaded.problems());
    assertTrue(Files.exists(functions.resolve("README")));
  }

  @Test
  void save_ofAnInvalidName_writesNothing() throws IOException {
    FunctionRecord sneaky = new FunctionRecord("../escape", T0, FunctionConfig.DEFAULTS, List.of(), 1);
    FunctionException e = assertThrows(FunctionException.class, () -> store.save(sneaky));
    assertEquals(Reason.BAD_REQUEST, e.reason());
    assertFalse(Files.exists(dataDir.resolve("escape.json")));
    assertEquals(List.of(), fileNames());
  }
}
