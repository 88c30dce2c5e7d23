package io.zeroserve.functions.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zeroserve.functions.FunctionException;
import io.zeroserve.functions.Reason;
import io.zeroserve.functions.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ArtifactStoreTest {

  private static final byte[] CONTENT = TestModels.IRIS;
  private static final String SHA = Sha256.of(CONTENT);

  @TempDir
  Path dataDir;

  private ArtifactStore store;

  @BeforeEach
  void open() throws IOException {
    store = new ArtifactStore(dataDir);
  }

  private Path upload(byte[] bytes) throws IOException {
    return Files.write(store.newTempFile("upload"), bytes);
  }

  private static List<String> names(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void newStore_createsItsArtifactAndTempDirs() {
    assertTrue(Files.isDirectory(dataDir.resolve("artifacts")));
    assertEquals(dataDir.resolve("tmp"), store.tempDir());
    assertTrue(Files.isDirectory(store.tempDir()));
  }

  @Test
  void newTempFile_isAFreshNameInTheTempDir() {
    Path a = store.newTempFile("upload");
    Path b = store.newTempFile("upload");
    assertEquals(store.tempDir(), a.getParent());
    assertTrue(a.getFileName().toString().startsWith("upload-"));
    assertFalse(a.equals(b));
    assertFalse(Files.exists(a));
  }

  @Test
  void commit_movesTheUploadUnderItsHash() throws IOException {
    Path upload = upload(CONTENT);
    Path stored = store.commit(upload, SHA);

    assertEquals(dataDir.resolve("artifacts").resolve(SHA + ".onnx"), stored);
    assertEquals(store.path(SHA), stored);
    assertArrayEquals(CONTENT, Files.readAllBytes(stored));
    assertFalse(Files.exists(upload));
    assertTrue(store.contains(SHA));
    assertEquals(List.of(), names(store.tempDir()));
  }

  @Test
  void secondCommitOfTheSameContent_isIdempotent_andConsumesTheUpload() throws IOException {
    Path first = store.commit(upload(CONTENT), SHA);
    Path second = upload(CONTENT);

    assertEquals(first, store.commit(second, SHA));
    assertFalse(Files.exists(second));
    assertArrayEquals(CONTENT, Files.readAllBytes(first));
    assertEquals(List.of(SHA + ".onnx"), names(dataDir.resolve("artifacts")));
    assertEquals(List.of(), names(store.tempDir()));
  }

  @Test
  void commitOfTheSameContent_replacesAnArtifactThatWasCorrupted() throws IOException {
    // Redeploying the model is how an operator repairs a damaged artifact; a commit that kept the
    // damaged file would hand the new version the same corrupt bytes.
    Path stored = store.commit(upload(CONTENT), SHA);
    Files.write(stored, new byte[] {1, 2, 3});

    store.commit(upload(CONTENT), SHA);
    assertEquals(stored, store.verified(SHA));
    assertArrayEquals(CONTENT, Files.readAllBytes(stored));
  }

  @Test
  void verified_returnsThePathOfAnIntactArtifact() throws IOException {
    Path stored = store.commit(upload(CONTENT), SHA);
    assertEquals(stored, store.verified(SHA));
  }

  @Test
  void verified_detectsAModifiedArtifact() throws IOException {
    Path stored = store.commit(upload(CONTENT), SHA);
    byte[] bytes = Files.readAllBytes(stored);
    bytes[bytes.length / 2] ^= 0x01;
    Files.write(stored, bytes);

    FunctionException e = assertThrows(FunctionException.class, () -> store.verified(SHA));
    assertEquals(Reason.UNAVAILABLE, e.reason());
    assertEquals("artifact " + SHA + " is corrupt: its content hashes to " + Sha256.of(bytes), e.getMessage());
  }

  @Test
  void verified_detectsATruncatedArtifact() throws IOException {
    Path stored = store.commit(upload(CONTENT), SHA);
    Files.write(stored, TestModels.truncatedIris());
    FunctionException e = assertThrows(FunctionException.class, () -> store.verified(SHA));
    assertEquals(Reason.UNAVAILABLE, e.reason());
    assertTrue(e.getMessage().contains("is corrupt"), e.getMessage());
  }

  @Test
  void verified_detectsAMissingArtifact() throws IOException {
    store.commit(upload(CONTENT), SHA);
    Files.delete(store.path(SHA));

    FunctionException e = assertThrows(FunctionException.class, () -> store.verified(SHA));
    assertEquals(Reason.UNAVAILABLE, e.reason());
    assertEquals("artifact " + SHA + " is missing from the store", e.getMessage());
    assertFalse(store.contains(SHA));
  }

  @Test
  void delete_removesTheArtifact_andToleratesOneThatIsGone() throws IOException {
    store.commit(upload(CONTENT), SHA);
    store.delete(SHA);
    assertFalse(store.contains(SHA));
    store.delete(SHA);
  }

  @Test
  void cleanTemp_removesLeftoverUploads_andLeavesArtifacts() throws IOException {
    store.commit(upload(CONTENT), SHA);
    upload(new byte[] {1, 2, 3});
    upload(new byte[0]);
    assertEquals(2, names(store.tempDir()).size());

    store.cleanTemp();
    assertEquals(List.of(), names(store.tempDir()));
    assertEquals(store.path(SHA), store.verified(SHA));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "../../etc/passwd", "ABCDEF0000000000000000000000000000000000000000000000000000000000",
      "abc", "0000000000000000000000000000000000000000000000000000000000000000a",
      "000000000000000000000000000000000000000000000000000000000000000g"})
  void pathOfSomethingThatIsNotALowercaseSha256_isRefused(String sha) {
    assertThrows(IllegalArgumentException.class, () -> store.path(sha));
    assertThrows(IllegalArgumentException.class, () -> store.verified(sha));
  }

  @Test
  void sha256_ofFileAndOfBytes_agree_andMatchTheKnownVector() throws IOException {
    assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        Sha256.of("abc".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
    Path big = Files.write(dataDir.resolve("big"), new byte[3 * (1 << 16) + 7]);
    assertEquals(Sha256.of(new byte[3 * (1 << 16) + 7]), Sha256.of(big));
    assertEquals(SHA, Sha256.of(upload(CONTENT)));
    assertTrue(Sha256.isHex(SHA));
    assertFalse(Sha256.isHex(null));
  }

  @Test
  void atomicWrite_replacesContent_andLeavesNoTempFileBehind() throws IOException {
    Path target = dataDir.resolve("file.json");
    AtomicFiles.write(target, new byte[] {1});
    AtomicFiles.write(target, new byte[] {2, 3});
    assertArrayEquals(new byte[] {2, 3}, Files.readAllBytes(target));
    assertEquals(List.of("artifacts", "file.json", "tmp"), names(dataDir));
  }
}
