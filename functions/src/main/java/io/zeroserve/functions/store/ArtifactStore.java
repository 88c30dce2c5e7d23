package io.zeroserve.functions.store;

import io.zeroserve.functions.FunctionException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Model files, content-addressed by SHA-256 under {@code <data-dir>/artifacts/<sha256>.onnx}.
 * An artifact is written once, by a durable rename of a fully written and fsynced temp file, and
 * never modified. Thread-safe: concurrent commits of the same content write the same bytes to the
 * same name. Blocking: call from a worker thread.
 */
public final class ArtifactStore {

  private final Path artifacts;
  private final Path temp;
  /** Artifacts hashed in this process, with the file's stamp at the time; re-hashed when it changes. */
  private final Map<String, FileStamp> verifiedStamps = new ConcurrentHashMap<>();

  public ArtifactStore(Path dataDir) throws IOException {
    this.artifacts = Files.createDirectories(dataDir.resolve("artifacts"));
    this.temp = Files.createDirectories(dataDir.resolve("tmp"));
  }

  /** A fresh path in the store's temp dir, on the same file system as the artifacts, for an upload. */
  public Path newTempFile(String prefix) {
    return temp.resolve(prefix + "-" + UUID.randomUUID());
  }

  public Path tempDir() {
    return temp;
  }

  public Path path(String sha256) {
    if (!Sha256.isHex(sha256)) {
      throw new IllegalArgumentException("sha256 must be 64 lowercase hex digits, was: " + sha256);
    }
    return artifacts.resolve(sha256 + ".onnx");
  }

  public boolean contains(String sha256) {
    return Files.isRegularFile(path(sha256));
  }

  /**
   * Moves a fully written upload into the store under its hash. The caller computed the hash while
   * writing the file or right after; the file is fsynced here before the rename.
   */
  public Path commit(Path upload, String sha256) throws IOException {
    Path target = path(sha256);
    // The same content is already there, unless the file there was damaged: then the upload replaces it.
    if (Files.isRegularFile(target) && Sha256.of(target).equals(sha256)) {
      Files.deleteIfExists(upload);
      return target;
    }
    AtomicFiles.fsync(upload);
    AtomicFiles.moveDurably(upload, target);
    return target;
  }

  /**
   * Re-hashes an artifact before it is loaded.
   *
   * @throws FunctionException UNAVAILABLE when it is missing or its content no longer matches its name
   */
  public Path verified(String sha256) {
    Path p = path(sha256);
    if (!Files.isRegularFile(p)) {
      throw FunctionException.unavailable("artifact " + sha256 + " is missing from the store");
    }
    try {
      FileStamp stamp = FileStamp.of(p);
      if (stamp.equals(verifiedStamps.get(sha256))) {
        return p; // hashed since it last changed: a cold start need not read 1 GB again
      }
      String actual = Sha256.of(p);
      if (!actual.equals(sha256)) {
        verifiedStamps.remove(sha256);
        throw FunctionException.unavailable("artifact " + sha256 + " is corrupt: its content hashes to " + actual);
      }
      verifiedStamps.put(sha256, stamp);
    } catch (IOException e) {
      throw FunctionException.unavailable("artifact " + sha256 + " cannot be read: " + e.getMessage());
    }
    return p;
  }

  /** What must stay the same for an earlier hash to still hold. */
  private record FileStamp(long size, long modifiedMillis, Object fileKey) {
    static FileStamp of(Path p) throws IOException {
      BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
      return new FileStamp(a.size(), a.lastModifiedTime().toMillis(), a.fileKey());
    }
  }

  public void delete(String sha256) throws IOException {
    AtomicFiles.deleteDurably(path(sha256));
  }

  /** Removes uploads a crash left half-written; call once at start, before serving. */
  public void cleanTemp() throws IOException {
    try (Stream<Path> files = Files.list(temp)) {
      for (Path p : files.toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
