package io.zeroserve.host.auth;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.zeroserve.functions.store.Sha256;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The API tokens a node accepts, each held only as its SHA-256 with its scopes. A presented token is
 * hashed and compared against every stored hash in constant time, so neither the token nor which
 * entry matched leaks through timing. Immutable and thread-safe.
 *
 * <p>Scopes: {@code admin} (deploy, configure, delete, and everything else), {@code invoke} (call any
 * function), {@code invoke:<pattern>} (call functions whose name matches a glob, e.g. {@code invoke:iris-*}).
 */
public final class ApiTokens {

  /** A token's holder: its name in the config and what it may do. */
  public record Principal(String name, List<String> scopes) {
    public boolean isAdmin() {
      return scopes.contains("admin");
    }

    public boolean mayInvoke(String function) {
      for (String scope : scopes) {
        if (scope.equals("admin") || scope.equals("invoke")) {
          return true;
        }
        if (scope.startsWith("invoke:") && glob(scope.substring("invoke:".length())).matcher(function).matches()) {
          return true;
        }
      }
      return false;
    }
  }

  private record Entry(byte[] sha256, Principal principal) {}

  public static final ApiTokens NONE = new ApiTokens(List.of());
  private static final Pattern SCOPE = Pattern.compile("admin|invoke|invoke:[a-z0-9._*?-]{1,64}");

  private final List<Entry> entries;

  private ApiTokens(List<Entry> entries) {
    this.entries = List.copyOf(entries);
  }

  public boolean isEmpty() {
    return entries.isEmpty();
  }

  /** The holder of a presented token, or empty when no stored hash matches. */
  public Optional<Principal> authenticate(String token) {
    byte[] presented = Sha256.newDigest().digest(token.getBytes(StandardCharsets.UTF_8));
    Principal found = null;
    for (Entry e : entries) {
      if (MessageDigest.isEqual(presented, e.sha256()) && found == null) {
        found = e.principal(); // no early exit: every entry is compared
      }
    }
    return Optional.ofNullable(found);
  }

  /**
   * Reads a tokens file: {@code {"tokens": [{"name": "ci", "sha256": "<hex>", "scopes": ["admin"]}]}}.
   *
   * @throws IllegalArgumentException naming the entry and the rule it breaks
   */
  public static ApiTokens fromFile(Path file) throws IOException {
    JsonObject json;
    try {
      json = new JsonObject(Files.readString(file));
    } catch (DecodeException e) {
      throw new IllegalArgumentException("tokens file " + file + " is not a JSON object: " + e.getMessage());
    }
    JsonArray tokens = json.getJsonArray("tokens");
    if (tokens == null) {
      throw new IllegalArgumentException("tokens file " + file + " must have a \"tokens\" array");
    }
    List<Entry> entries = new ArrayList<>();
    for (int i = 0; i < tokens.size(); i++) {
      JsonObject t = tokens.getJsonObject(i);
      String where = "tokens[" + i + "]";
      String sha = t.getString("sha256");
      if (!Sha256.isHex(sha)) {
        throw new IllegalArgumentException(where + ".sha256 must be 64 lowercase hex digits (zeroserve --hash-token <token>), was: " + sha);
      }
      entries.add(new Entry(HexFormat.of().parseHex(sha), principal(where, t.getString("name", where), t.getJsonArray("scopes"))));
    }
    return new ApiTokens(entries);
  }

  /**
   * Reads tokens from an environment variable: {@code token=scope+scope;token2=scope}. The tokens
   * are hashed at once; only the hashes are kept.
   */
  public static ApiTokens fromSpec(String spec) {
    List<Entry> entries = new ArrayList<>();
    String[] parts = spec.split(";");
    for (int i = 0; i < parts.length; i++) {
      String part = parts[i].trim();
      if (part.isEmpty()) {
        continue;
      }
      int eq = part.indexOf('=');
      String where = "ZS_TOKENS entry " + (i + 1);
      if (eq <= 0 || eq == part.length() - 1) {
        throw new IllegalArgumentException(where + " must look like token=scope[+scope], was: <hidden>");
      }
      String token = part.substring(0, eq);
      if (token.length() < 16) {
        throw new IllegalArgumentException(where + ": tokens must be at least 16 characters");
      }
      JsonArray scopes = new JsonArray();
      for (String s : part.substring(eq + 1).split("\\+")) {
        scopes.add(s.trim());
      }
      entries.add(new Entry(Sha256.newDigest().digest(token.getBytes(StandardCharsets.UTF_8)),
          principal(where, "env-" + (i + 1), scopes)));
    }
    return new ApiTokens(entries);
  }

  public ApiTokens plus(ApiTokens other) {
    List<Entry> all = new ArrayList<>(entries);
    all.addAll(other.entries);
    return new ApiTokens(all);
  }

  private static Principal principal(String where, String name, JsonArray scopes) {
    if (scopes == null || scopes.isEmpty()) {
      throw new IllegalArgumentException(where + ".scopes must list at least one of admin, invoke, invoke:<pattern>");
    }
    List<String> list = new ArrayList<>();
    for (Object s : scopes) {
      if (!(s instanceof String scope) || !SCOPE.matcher(scope).matches()) {
        throw new IllegalArgumentException(where + ".scopes must be admin, invoke or invoke:<pattern>, was: " + s);
      }
      list.add(scope);
    }
    return new Principal(name, List.copyOf(list));
  }

  private static Pattern glob(String pattern) {
    StringBuilder regex = new StringBuilder();
    for (char c : pattern.toCharArray()) {
      switch (c) {
        case '*' -> regex.append(".*");
        case '?' -> regex.append('.');
        default -> regex.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(regex.toString());
  }
}
