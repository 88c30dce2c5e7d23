package io.zeroserve.functions;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A function: its name, config and versions. Immutable: every change makes a new record, which the
 * store persists before anyone sees it.
 *
 * @param nextVersion the number the next deploy gets; versions are never reused, even after a delete
 */
public record FunctionRecord(String name, Instant created, FunctionConfig config, List<FunctionVersion> versions,
                             int nextVersion) {

  /** Function names: lowercase, digits, dot, dash, underscore; no path tricks possible. */
  public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");

  public FunctionRecord {
    Objects.requireNonNull(name, "name cannot be null");
    Objects.requireNonNull(created, "created cannot be null");
    Objects.requireNonNull(config, "config cannot be null");
    versions = List.copyOf(versions);
  }

  /** @throws FunctionException BAD_REQUEST when the name breaks the naming rule */
  public static String checkName(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw FunctionException.badRequest("function name must match " + NAME.pattern() + ", was: " + name);
    }
    return name;
  }

  public static FunctionRecord create(String name, Instant now, FunctionConfig config) {
    return new FunctionRecord(checkName(name), now, config, List.of(), 1);
  }

  public Optional<FunctionVersion> version(int v) {
    return versions.stream().filter(fv -> fv.version() == v).findFirst();
  }

  /** The version that serves requests: the pinned one, else the newest; empty when there is none. */
  public Optional<FunctionVersion> activeVersion() {
    if (config.activeVersion() != null) {
      return version(config.activeVersion());
    }
    return versions.isEmpty() ? Optional.empty() : Optional.of(versions.get(versions.size() - 1));
  }

  public FunctionRecord withNewVersion(String sha256, long sizeBytes, Instant now, Signature signature) {
    List<FunctionVersion> next = new ArrayList<>(versions);
    next.add(new FunctionVersion(nextVersion, sha256, sizeBytes, now, signature));
    return new FunctionRecord(name, created, config, next, nextVersion + 1);
  }

  /** @throws FunctionException CONFLICT when the version is pinned as active */
  public FunctionRecord withoutVersion(int v) {
    if (config.activeVersion() != null && config.activeVersion() == v) {
      throw FunctionException.conflict("version " + v + " of function '" + name
          + "' is its pinned activeVersion; set another activeVersion first");
    }
    return new FunctionRecord(name, created, config,
        versions.stream().filter(fv -> fv.version() != v).toList(), nextVersion);
  }

  /** @throws FunctionException BAD_REQUEST when the config pins a version this function lacks */
  public FunctionRecord withConfig(FunctionConfig newConfig) {
    if (newConfig.activeVersion() != null && version(newConfig.activeVersion()).isEmpty()) {
      throw FunctionException.badRequest("activeVersion must name an existing version of '" + name + "' "
          + versions.stream().map(FunctionVersion::version).toList() + ", was: " + newConfig.activeVersion());
    }
    return new FunctionRecord(name, created, newConfig, versions, nextVersion);
  }

  public JsonObject toJson() {
    JsonArray vs = new JsonArray();
    versions.forEach(v -> vs.add(v.toJson()));
    return new JsonObject()
        .put("name", name)
        .put("created", created.toString())
        .put("config", config.toJson())
        .put("versions", vs)
        .put("nextVersion", nextVersion);
  }

  public static FunctionRecord fromJson(JsonObject json) {
    List<FunctionVersion> vs = new ArrayList<>();
    JsonArray array = json.getJsonArray("versions");
    for (int i = 0; i < array.size(); i++) {
      vs.add(FunctionVersion.fromJson(array.getJsonObject(i)));
    }
    return new FunctionRecord(json.getString("name"), Instant.parse(json.getString("created")),
        FunctionConfig.fromJson(json.getJsonObject("config")), vs, json.getInteger("nextVersion"));
  }
}
