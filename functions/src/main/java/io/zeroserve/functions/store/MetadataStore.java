package io.zeroserve.functions.store;

import io.vertx.core.json.JsonObject;
import io.zeroserve.functions.FunctionException;
import io.zeroserve.functions.FunctionRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Function records as files {@code <data-dir>/functions/<name>.json}: the record's JSON on the
 * first line and {@code sha256:<hex of that line>} on the second, so a torn or edited file is
 * detected rather than served. Blocking: call from a worker thread. Writers of one name must be
 * serialized by the caller.
 */
public final class MetadataStore {

  private static final String SUFFIX = ".json";
  private static final String CHECKSUM_PREFIX = "sha256:";
  private static final String REVISION = "revision";
  private static final String DELETED = "deleted";

  private final Path dataDir;
  private final Path functions;

  public MetadataStore(Path dataDir) throws IOException {
    this.dataDir = dataDir;
    this.functions = Files.createDirectories(dataDir.resolve("functions"));
  }

  /**
   * What {@link #loadAll} found: the records it can serve, the files it cannot, and each name's
   * revision (deleted functions included, as tombstones).
   */
  public record Loaded(List<FunctionRecord> records, List<StoreProblem> problems, Map<String, Long> revisions,
                       Set<String> tombstones) {}

  public Loaded loadAll() throws IOException {
    List<FunctionRecord> records = new ArrayList<>();
    List<StoreProblem> problems = new ArrayList<>();
    Map<String, Long> revisions = new HashMap<>();
    Set<String> tombstones = new HashSet<>();
    try (Stream<Path> files = Files.list(functions)) {
      for (Path file : files.sorted().toList()) {
        String fileName = file.getFileName().toString();
        if (fileName.startsWith(".")) {
          Files.deleteIfExists(file); // a temp file from a write that never reached its rename
          continue;
        }
        if (!fileName.endsWith(SUFFIX)) {
          continue;
        }
        String name = fileName.substring(0, fileName.length() - SUFFIX.length());
        try {
          JsonObject json = read(file, name);
          revisions.put(name, json.getLong(REVISION, 0L));
          if (json.getBoolean(DELETED, false)) {
            tombstones.add(name);
          } else {
            records.add(record(json, name));
          }
        } catch (IOException | RuntimeException e) {
          problems.add(new StoreProblem(dataDir.relativize(file).toString(), name, e.getMessage()));
        }
      }
    }
    return new Loaded(records, problems, revisions, tombstones);
  }

  public void save(FunctionRecord record) throws IOException {
    save(record, 0);
  }

  /** Writes a record with its cluster revision. */
  public void save(FunctionRecord record, long revision) throws IOException {
    write(record.name(), record.toJson().put(REVISION, revision));
  }

  /** Writes a tombstone: the function is deleted as of this revision. */
  public void saveTombstone(String name, long revision) throws IOException {
    write(name, new JsonObject().put("name", name).put(REVISION, revision).put(DELETED, true));
  }

  private void write(String name, JsonObject content) throws IOException {
    byte[] json = content.encode().getBytes(StandardCharsets.UTF_8);
    String text = new String(json, StandardCharsets.UTF_8) + "\n" + CHECKSUM_PREFIX + Sha256.of(json) + "\n";
    AtomicFiles.write(file(name), text.getBytes(StandardCharsets.UTF_8));
  }

  public void delete(String name) throws IOException {
    AtomicFiles.deleteDurably(file(name));
  }

  private Path file(String name) {
    return functions.resolve(FunctionRecord.checkName(name) + SUFFIX);
  }

  private static FunctionRecord record(JsonObject json, String expectedName) {
    try {
      FunctionRecord record = FunctionRecord.fromJson(json);
      if (!record.name().equals(expectedName)) {
        throw FunctionException.unavailable("metadata file names function '" + record.name() + "'");
      }
      return record;
    } catch (FunctionException e) {
      throw e;
    } catch (RuntimeException e) {
      // DecodeException, ClassCastException, NullPointerException, DateTimeParseException, ...:
      // one unreadable record must not stop the others from loading.
      throw FunctionException.unavailable("metadata file does not hold a function record: " + e.getMessage());
    }
  }

  private static JsonObject read(Path file, String expectedName) throws IOException {
    // Decoded leniently: a byte flipped into invalid UTF-8 then fails the checksum like any other flip.
    String content = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
    int newline = content.indexOf('\n');
    String checksumLine = newline < 0 ? "" : content.substring(newline + 1).strip();
    if (newline < 0 || !checksumLine.startsWith(CHECKSUM_PREFIX)) {
      throw FunctionException.unavailable("metadata file is truncated: no checksum line");
    }
    byte[] json = content.substring(0, newline).getBytes(StandardCharsets.UTF_8);
    String expected = checksumLine.substring(CHECKSUM_PREFIX.length());
    if (!Sha256.of(json).equals(expected)) {
      throw FunctionException.unavailable("metadata file is corrupt: checksum mismatch");
    }
    try {
      JsonObject parsed = new JsonObject(new String(json, StandardCharsets.UTF_8));
      if (!(parsed.getValue("name") instanceof String)) {
        throw FunctionException.unavailable("metadata file does not hold a function record: it has no name");
      }
      if (!expectedName.equals(parsed.getValue("name"))) {
        throw FunctionException.unavailable("metadata file names function '" + parsed.getValue("name") + "'");
      }
      return parsed;
    } catch (FunctionException e) {
      throw e;
    } catch (RuntimeException e) {
      throw FunctionException.unavailable("metadata file does not hold a function record: " + e.getMessage());
    }
  }
}
